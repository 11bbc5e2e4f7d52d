"""The torch Dataset that decodes a clip per labelled shot (a row of the shot table) for training and evaluation,
and the augmentations that keep both labels true.
"""

import random
from dataclasses import dataclass

import numpy as np
import torch
from datasets import Dataset
from torchvision.transforms import v2

from ..sampling import clip_frame_indices
from ..video import FrameReader
from .augmentation.moving_subject import paste_moving_subject
from .augmentation.screen_graphics import add_screen_graphics
from .shot_table import MISSING_LABEL, DataFormatError


@dataclass(frozen=True)
class ClipAugmentation:
    """Training augmentations that keep both labels true.

    The crop keeps at least `min_crop_area` of the frame (so the framing, hence the scale class, barely
    changes); flips and colour do not touch either label; frames are jittered in time but never reversed
    (reversing turns a Push into a Pull).
    """

    min_crop_area: float = 0.8
    flip: bool = True
    colour: float = 0.3
    temporal_jitter: float = 0.5  # of the gap between sampled frames
    # A share of clips may be cropped much tighter for the movement head alone: a camera move stays the same move in
    # any part of the frame, so this multiplies the views of each move; the tighter framing makes the scale label
    # wrong, so those clips drop it.
    movement_crop_chance: float = 0.0
    movement_crop_area: float = 0.35
    # Of those movement-only clips, this share also gets a stand-in subject moving on its own (a patch of another
    # training clip, see moving_subject.py): the camera label stays true, and local motion stops passing for the
    # camera's.
    moving_subject_chance: float = 0.0
    # A share of all clips gets graphics fixed to the screen (a still or scrolling lower-third bar, a logo, a
    # subtitle; screen_graphics.py): they stay put while the camera moves, and a ticker moves while it stands.
    screen_graphics_chance: float = 0.0

    def transform(self, height: int, width: int, movement_only: bool = False) -> v2.Transform:
        aspect = width / height
        min_area = self.movement_crop_area if movement_only else self.min_crop_area
        steps = [v2.RandomResizedCrop((height, width), scale=(min_area, 1.0), ratio=(aspect * 0.95, aspect / 0.95), antialias=True)]
        if self.flip:
            steps.append(v2.RandomHorizontalFlip())
        if self.colour:
            steps.append(v2.ColorJitter(brightness=self.colour, contrast=self.colour, saturation=self.colour, hue=0.02))
        return v2.Compose(steps)


class ShotClipDataset(torch.utils.data.Dataset):
    """Decodes one clip per shot row with the pipeline's decoder and prepares it with the model's video processor.

    Items are dicts of `pixel_values` (frames, channels, size, size), `scale_labels` and `movement_labels`. With
    `clips_per_shot` > 1 (evaluation), `pixel_values` is (clips, frames, channels, size, size): one clip from each
    equal part of the shot, for averaging.
    """

    def __init__(
        self,
        table: Dataset,
        video_processor,
        num_frames: int,
        decode_short_side: int = 144,
        augmentation: ClipAugmentation | None = None,
        seed: int = 0,
        clips_per_shot: int = 1,
    ):
        self.table = table
        self.clips_per_shot = clips_per_shot
        self.video_processor = video_processor
        self.num_frames = num_frames
        self.decode_short_side = decode_short_side
        self.augmentation = augmentation
        self.seed = seed
        self._epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Vary the augmentation per epoch while keeping every run reproducible."""
        self._epoch = epoch

    def __len__(self) -> int:
        return len(self.table)

    def __getitem__(self, index: int) -> dict:
        row = self.table[index]
        rng = random.Random(hash((self.seed, self._epoch, index)))
        if self.clips_per_shot > 1:
            clips = self._decode_clips(row)
            pixel_values = self.video_processor(clips, return_tensors="pt")["pixel_values"]
            return self._item(pixel_values, row)
        frames = self._decode(row, rng)  # (frames, height, width, 3) uint8
        if self.augmentation is not None:
            movement_only = row["movement"] != MISSING_LABEL and rng.random() < self.augmentation.movement_crop_chance
            if movement_only:
                row = {**row, "scale": MISSING_LABEL}
            video = torch.from_numpy(frames).permute(0, 3, 1, 2)  # (frames, channels, height, width)
            # torchvision draws from torch's global generator: fork it so training's own randomness is untouched.
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(rng.randrange(2**31))
                video = self.augmentation.transform(video.shape[2], video.shape[3], movement_only)(video)
            frames = video.permute(0, 2, 3, 1).numpy()
            if movement_only and rng.random() < self.augmentation.moving_subject_chance:
                frames = paste_moving_subject(frames, self._donor_frame(rng), np.random.default_rng(rng.randrange(2**31)))
            if rng.random() < self.augmentation.screen_graphics_chance:
                frames = add_screen_graphics(frames, np.random.default_rng(rng.randrange(2**31)))
        pixel_values = self.video_processor([frames], return_tensors="pt")["pixel_values"][0]
        return self._item(pixel_values, row)

    @staticmethod
    def _item(pixel_values: torch.Tensor, row: dict) -> dict:
        return {
            "pixel_values": pixel_values,
            "scale_labels": torch.tensor(row["scale"]),
            "movement_labels": torch.tensor(row["movement"]),
        }

    def _donor_frame(self, rng: random.Random) -> np.ndarray:
        """One frame of a random training clip, to cut a stand-in subject from."""
        row = self.table[rng.randrange(len(self.table))]
        reader = self._open(row)
        start, end = self._frame_range(row, reader)
        return self._frames(reader, [rng.randrange(start, end)])[0]

    def _open(self, row: dict) -> FrameReader:
        return FrameReader(row["video"], self.decode_short_side)

    @staticmethod
    def _frames(reader: FrameReader, indices: list[int]) -> np.ndarray:
        """The frames at `indices`, RGB, decoded and shrunk as `shot-model analyze` does: one pixel path."""
        return np.stack([bgr[:, :, ::-1] for bgr in reader.frames(indices)])  # (frames, height, width, 3)

    def _decode_clips(self, row: dict) -> list[np.ndarray]:
        reader = self._open(row)
        start, end = self._frame_range(row, reader)
        return [self._frames(reader, indices) for indices in clip_frame_indices(start, end, self.num_frames, self.clips_per_shot)]

    def _decode(self, row: dict, rng: random.Random) -> np.ndarray:
        reader = self._open(row)
        start, end = self._frame_range(row, reader)
        indices = clip_frame_indices(start, end, self.num_frames)[0]
        if self.augmentation is not None and self.augmentation.temporal_jitter and len(indices) > 1:
            gap = (end - start) / self.num_frames
            reach = int(gap * self.augmentation.temporal_jitter / 2)
            # Jitter each index on its own, then sort: time still runs forward.
            indices = sorted(min(end - 1, max(start, i + rng.randint(-reach, reach))) for i in indices)
        return self._frames(reader, indices)

    @staticmethod
    def _frame_range(row: dict, reader: FrameReader) -> tuple[int, int]:
        total = len(reader)
        if row["unit"] == "frames":
            start = 0 if row["start"] < 0 else int(row["start"])
            end = total if row["end"] < 0 else int(row["end"])
        else:
            # Times map to frames through the real timestamps, which stays right on variable frame rate video.
            times = np.array(reader.times)
            start = 0 if row["start"] < 0 else int(np.searchsorted(times, row["start"] - 1e-6))
            end = total if row["end"] < 0 else int(np.searchsorted(times, row["end"] - 1e-6))
        start, end = max(0, min(start, total - 1)), max(0, min(end, total))
        if end <= start:
            raise DataFormatError(f"{row['video']}: the shot [{row['start']}, {row['end']}] {row['unit']} holds no frame of its {total}")
        return start, end
