"""The real footage the generator may cut from, what two people agreed each source shot is, and decoding it.

Only the files in SOURCE_VIDEOS are ever read: the other train clips are the hand-labelled dev set.
"""

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shot_model.models.shot_videomae.configuration_shot_videomae import MOVEMENT_LABELS, SCALE_LABELS
from shot_model.video import analysis_size, iter_frames, probe_video

DEFAULT_MEDIA_DIR = Path(__file__).resolve().parents[3] / "shared" / "media" / "train"
# The two independent labellers' answers for every train shot (data/README.md).
DEFAULT_HAND_LABELS = Path(__file__).resolve().parents[2] / "data" / "hand_labels.csv"

SOURCE_VIDEOS = (
    "askanything__jesse_dance.mp4",
    "askanything__making_cake.mp4",
    "askanything__playing_guitar.mp4",
    "askanything__yoga.mp4",
    "facenet_pytorch__video.mp4",
    "fresco_woman_headphones.mp4",
    "livep_d10_tiktok_woman.mp4",
    "mmaction2__tests_data_test.mp4",
    "moviechat_vlog_kitchen.mp4",
    "moviepy__video_with_failing_audio.mp4",
    "musepose_ubc_fashion_navy_dress.mp4",
    "rerender_pexels_antoni8048492.mp4",
    "rerender_pexels_cottonbro6649832.mp4",
    "sam2__01_dog.mp4",
    "sam2__02_cups.mp4",
    "sam2__04_coffee.mp4",
    "sam2__05_default_juggle.mp4",
    "trackanything__test-sample2.mp4",
    "videollama__birthday.mp4",
    "videollama__dog_barking.mp4",
    "videollama__silence_girl.mp4",
    "videollama__skateboarding_dog.mp4",
    "videollava__sample_demo_1.mp4",
    "videollava__sample_demo_22.mp4",
    "videollava__sample_demo_3.mp4",
)

# Frame ranges [first, end) that are one clean shot, where the labellers' notes say a file is not: a short insert
# from another shot at the start (moviechat f0-5, demo_3 f0-6), and moviepy's hidden cut at ~f88 with a fade to
# black from ~f190. A few frames of margin each side, because the notes give the cuts to within a frame or two.
CLEAN_RANGES = {
    "moviechat_vlog_kitchen.mp4": ((8, None),),
    "videollava__sample_demo_3.mp4": ((9, None),),
    "moviepy__video_with_failing_audio.mp4": ((0, 84), (93, 185)),
}

# Sources whose agreed scale is for the shot as a whole but not for its parts, so virtual shots cut from a part must
# not inherit it (the labellers' notes: the phone whips between a face, the ceiling light, the mixer and the kitchen;
# CS is the middle of the shot only).
SCALE_NOT_FOR_PARTS = {"askanything__making_cake.mp4"}

# Short side frames are decoded at: sharp enough for 4x crops of 720p sources, and bounded memory.
DECODE_SHORT_SIDE = 720


@dataclass(frozen=True)
class SourceShot:
    """One source file and what both labellers agreed it is (None where they disagreed)."""

    name: str
    path: Path
    scale: str | None
    movement: str | None


@dataclass
class DecodedSource:
    """A source's frames (BGR, short side at most DECODE_SHORT_SIDE) and their times in seconds."""

    name: str
    frames: list[np.ndarray]
    times: np.ndarray  # (frames,) seconds
    fps: float

    @property
    def height(self) -> int:
        return self.frames[0].shape[0]

    @property
    def width(self) -> int:
        return self.frames[0].shape[1]


def agreed_labels(hand_labels: Path = DEFAULT_HAND_LABELS) -> dict[str, tuple[str | None, str | None]]:
    """{video: (scale, movement)} for the source shots, each label kept only where both labellers gave it.

    Every source is one labelled shot (shot 0, the whole file), so a video name identifies its row. The
    adjudicated label is not used here: only what two people saw independently becomes training data.

    Raises:
        FileNotFoundError: the label file is missing.
        ValueError: it holds a class outside the taxonomy.
    """
    with open(hand_labels, newline="") as handle:
        rows = {row["video"]: row for row in csv.DictReader(handle) if row["shot"] == "0"}
    agreed = {}
    for name in SOURCE_VIDEOS:
        row = rows.get(name)
        if row is None:
            agreed[name] = (None, None)
            continue
        (scale_a, movement_a), (scale_b, movement_b) = row["labeller_a"].split("/"), row["labeller_b"].split("/")
        for scale, movement in ((scale_a, movement_a), (scale_b, movement_b)):
            if scale not in SCALE_LABELS or movement not in MOVEMENT_LABELS:
                raise ValueError(f"{hand_labels}: {name} has labels {scale}/{movement} outside the taxonomy")
        agreed[name] = (scale_a if scale_a == scale_b else None, movement_a if movement_a == movement_b else None)
    return agreed


def source_shots(media_dir: str | os.PathLike = DEFAULT_MEDIA_DIR, hand_labels: Path = DEFAULT_HAND_LABELS) -> list[SourceShot]:
    """The sources in SOURCE_VIDEOS order, with their agreed hand labels (scale dropped for SCALE_NOT_FOR_PARTS).

    Raises:
        FileNotFoundError: a source video is missing from `media_dir`.
    """
    media_dir = Path(media_dir)
    labels = agreed_labels(hand_labels)
    shots = []
    for name in SOURCE_VIDEOS:
        path = media_dir / name
        if not path.is_file():
            raise FileNotFoundError(f"{path}: source video not found (expected the shared train footage)")
        scale, movement = labels[name]
        shots.append(SourceShot(name, path, None if name in SCALE_NOT_FOR_PARTS else scale, movement))
    return shots


def decode_source(source: SourceShot) -> DecodedSource:
    """Every frame of a source, upright, short side brought down to DECODE_SHORT_SIDE."""
    info = probe_video(source.path)
    size = analysis_size(info, DECODE_SHORT_SIDE)
    frames, times = [], []
    for frame in iter_frames(source.path, size):
        frames.append(frame.bgr)
        times.append(frame.time)
    return DecodedSource(source.name, frames, np.asarray(times, dtype=np.float64), info.fps)


def clean_ranges(name: str, num_frames: int) -> list[tuple[int, int]]:
    """The [first, end) frame ranges of a source that hold one clean shot (the whole file unless CLEAN_RANGES says)."""
    ranges = CLEAN_RANGES.get(name, ((0, None),))
    return [(first, min(num_frames, end if end is not None else num_frames)) for first, end in ranges]
