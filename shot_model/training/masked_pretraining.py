"""Self-supervised pretraining of a shot model's backbone: VideoMAE's masked tube autoencoding on unlabelled clips.

VideoMAE (Tong et al., NeurIPS 2022) hides most space-time tubes of a clip and trains the encoder, with a small
decoder, to rebuild them; fine-tuning then starts from that encoder instead of random weights. With no pretrained
weights reachable here, this is the one way to give the backbone a start that is not learnt from labels. It reads
the CSVs `train.py` reads, labels ignored, or plain lists of footage (a `video` column, optional `start`/`end`).

    python -m shot_model.training.masked_pretraining --config configs/starter.yaml \
        --data cache/starter-data/labels.csv cache/composites/labels.csv --out runs/mae --steps 3000

The output folder is a `ShotVideoMAEForShotClassification` (new heads, pretrained encoder): fine-tune it with
`model.checkpoint: runs/mae` in a train.py config. Clips are decoded once, into memory as uint8 (frames x 3 x
side x side bytes each: 14k clips of 8 frames at 128 px take 5.5 GB): on two cores, decoding each batch as it is
needed took the starter-sized model from 0.44 to 0.8 s a step.
"""

import argparse
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import torch
from torchvision.transforms import v2
from transformers import VideoMAEConfig, VideoMAEForPreTraining, get_scheduler

from ..data.dataset import ShotClipDataset
from ..data.shot_table import DataFormatError, read_shot_csv, shot_table
from ..models.shot_videomae import MOVEMENT_LABELS, SCALE_LABELS, ShotVideoMAEConfig, ShotVideoMAEForShotClassification, video_processor_for
from ..models.shot_videomae.modeling_shot_videomae import with_frame_differences
from ..video import VideoError
from .accelerator import make_accelerator
from .config import read_run_config


def tube_mask(batch_size: int, config: ShotVideoMAEConfig, ratio: float, generator: torch.Generator) -> torch.Tensor:
    """(batch, tokens) booleans, True = hidden. Each clip hides the same patches in every time slot (a tube), so
    the encoder cannot copy a patch from the next frame; every clip hides the same number, as the decoder needs."""
    side = config.image_size // config.patch_size
    time_slots = config.num_frames // config.tubelet_size
    hidden = round(ratio * side * side)
    if not 0 < hidden < side * side:
        raise ValueError(f"mask ratio {ratio} hides {hidden} of {side * side} patches a frame; use a ratio that leaves some hidden and some seen")
    masks = torch.zeros(batch_size, side * side, dtype=torch.bool)
    for row in masks:
        row[torch.randperm(side * side, generator=generator)[:hidden]] = True
    # Tokens are ordered time slot by time slot, each slot row-major over patches.
    return masks.repeat(1, time_slots)


def pretraining_model(config: ShotVideoMAEConfig, decoder_layers: int = 2) -> VideoMAEForPreTraining:
    """VideoMAE's pretraining model around the shot model's backbone, with a decoder as wide as the encoder.

    VideoMAE's own decoder has 4 layers of 384 for a ViT-B; a narrow, shallow one keeps the work in the encoder,
    which is what fine-tuning keeps. Targets are patch-normalised pixels (norm_pix_loss), as in the paper."""
    backbone = config.backbone_config().to_dict()
    backbone.update(
        decoder_hidden_size=config.hidden_size,
        decoder_num_hidden_layers=decoder_layers,
        decoder_num_attention_heads=config.num_attention_heads,
        decoder_intermediate_size=config.intermediate_size,
        norm_pix_loss=True,
    )
    return VideoMAEForPreTraining(VideoMAEConfig(**backbone))


def as_shot_model(model: VideoMAEForPreTraining, config: ShotVideoMAEConfig) -> ShotVideoMAEForShotClassification:
    """A shot model whose encoder is the pretrained one; its heads are new."""
    shot_model = ShotVideoMAEForShotClassification(config)
    shot_model.videomae.load_state_dict(model.videomae.state_dict())
    return shot_model


class ClipOrError(torch.utils.data.Dataset):
    """A shot's clip, or why it could not be decoded: one unreadable file must not stop the footage around it."""

    def __init__(self, dataset: ShotClipDataset):
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> torch.Tensor | str:
        try:
            return self.dataset[index]["pixel_values"]
        except (VideoError, OSError, ValueError) as error:  # an unreadable file, or a shot outside it
            return f"{self.dataset.table[index]['video']}: {error}".splitlines()[0]


def decode_clips(csv_paths: list[Path], config: ShotVideoMAEConfig, side: int, decode_short_side: int,
                 workers: int = 2) -> tuple[torch.Tensor, list[str]]:
    """Every shot of the CSVs as one clip of `config.num_frames` frames, (clips, frames, 3, side, side) uint8, and
    a line for each shot that could not be decoded (file: reason)."""
    rows = [row for path in csv_paths for row in read_shot_csv(path, SCALE_LABELS, MOVEMENT_LABELS, labelled=False)]
    processor = video_processor_for(SimpleNamespace(image_size=side, num_frames=config.num_frames))
    dataset = ShotClipDataset(shot_table(rows), processor, num_frames=config.num_frames, decode_short_side=decode_short_side)
    mean = torch.tensor(processor.image_mean)[None, :, None, None]
    std = torch.tensor(processor.image_std)[None, :, None, None]
    clips = torch.empty(len(dataset), config.num_frames, 3, side, side, dtype=torch.uint8)
    decoded, failures = 0, []
    # Two decoders: decoding is the slow part and the main process only copies.
    for item in torch.utils.data.DataLoader(ClipOrError(dataset), batch_size=None, num_workers=workers):
        if isinstance(item, str):
            failures.append(item)
            continue
        clips[decoded] = ((item * std + mean) * 255).round().clamp(0, 255).to(torch.uint8)
        decoded += 1
    return clips[:decoded], failures


class ClipBatches:
    """Random batches of decoded clips, each clip cropped (one crop for all its frames), flipped and recoloured."""

    def __init__(self, clips: torch.Tensor, config: ShotVideoMAEConfig, batch_size: int, min_crop_area: float, generator: torch.Generator):
        self.clips, self.batch_size, self.generator = clips, batch_size, generator
        processor = video_processor_for(config)
        self.mean = torch.tensor(processor.image_mean)[None, :, None, None]
        self.std = torch.tensor(processor.image_std)[None, :, None, None]
        self.augment = v2.Compose(
            [
                v2.RandomResizedCrop(config.image_size, scale=(min_crop_area, 1.0), ratio=(0.9, 1.1), antialias=True),
                v2.RandomHorizontalFlip(),
                v2.ColorJitter(brightness=0.3, contrast=0.3, saturation=0.3, hue=0.02),
            ]
        )

    def next(self) -> torch.Tensor:
        """(batch, frames, 3, size, size), normalised as the video processor does."""
        picks = torch.randint(len(self.clips), (self.batch_size,), generator=self.generator).tolist()
        return torch.stack([(self.augment(self.clips[i]).float() / 255 - self.mean) / self.std for i in picks])


def pretrain(clips: torch.Tensor, config: ShotVideoMAEConfig, out: Path, steps: int, mask_ratio: float = 0.9,
             learning_rate: float = 5e-4, batch_size: int = 16, min_crop_area: float = 0.3, seed: int = 0,
             save_every: int = 1000, log=print) -> list[float]:
    """Train the pretraining model for `steps` batches and save the encoder as a shot model in `out` every
    `save_every` steps and at the end. Returns the loss of every step."""
    accelerator = make_accelerator()
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = pretraining_model(config)
    # AdamW with VideoMAE's pretraining betas and cosine schedule after a short warm-up.
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, betas=(0.9, 0.95), weight_decay=0.05)
    scheduler = get_scheduler("cosine", optimizer, num_warmup_steps=int(0.05 * steps), num_training_steps=steps)
    model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)
    batches = ClipBatches(clips, config, batch_size, min_crop_area, generator)
    losses, started = [], time.perf_counter()
    model.train()
    for step in range(1, steps + 1):
        pixel_values = batches.next()
        if config.frame_differences:
            pixel_values = with_frame_differences(pixel_values)
        mask = tube_mask(batch_size, config, mask_ratio, generator)
        loss = model(pixel_values.to(accelerator.device), bool_masked_pos=mask.to(accelerator.device)).loss
        accelerator.backward(loss)
        accelerator.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        losses.append(loss.item())
        if step % 100 == 0 or step == steps:
            recent = losses[-100:]
            log(f"step {step}/{steps} loss {sum(recent) / len(recent):.4f} ({(time.perf_counter() - started) / step:.2f} s/step)")
        if step % save_every == 0 or step == steps:
            save(accelerator.unwrap_model(model), config, out)
    return losses


def save(model: VideoMAEForPreTraining, config: ShotVideoMAEConfig, out: Path) -> None:
    as_shot_model(model, config).save_pretrained(out)
    video_processor_for(config).save_pretrained(out)


def config_from_yaml(path: Path) -> ShotVideoMAEConfig:
    """The backbone a train.py config describes (`model.size`, `model.frame_differences`)."""
    model = read_run_config(path).get("model", {})
    if model.get("checkpoint") or model.get("backbone"):
        raise ValueError(f"{path}: model starts from {model.get('checkpoint') or model.get('backbone')}; pretraining needs a config that gives model.size")
    return ShotVideoMAEConfig(frame_differences=model.get("frame_differences") or False, **(model.get("size") or {}))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, required=True, help="train.py config whose model.size to pretrain")
    parser.add_argument("--data", type=Path, nargs="+", required=True, help="shot CSVs (train.py's format, labels ignored) or lists with a video column and optional start/end")
    parser.add_argument("--out", type=Path, required=True, help="folder for the pretrained shot model")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--mask-ratio", type=float, default=0.9, help="share of patches hidden in each frame")
    parser.add_argument("--learning-rate", type=float, default=5e-4)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        config = config_from_yaml(args.config)
        # Decoded an eighth larger than the model's input, so random crops have room.
        side = round(config.image_size * 8 / 7)
        started = time.perf_counter()
        clips, failures = decode_clips(args.data, config, side, decode_short_side=max(144, side))
        for failure in failures:
            print(f"skipped {failure}", file=sys.stderr)
        if not len(clips):
            raise ValueError(f"none of the {len(failures)} shots listed in {', '.join(map(str, args.data))} could be decoded")
        print(f"decoded {len(clips)} clips in {time.perf_counter() - started:.0f} s ({len(failures)} skipped)", flush=True)
        pretrain(clips, config, args.out, args.steps, args.mask_ratio, args.learning_rate, args.batch_size, seed=args.seed,
                 log=lambda line: print(line, flush=True))
    except (OSError, ValueError, DataFormatError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Pretrained shot model in {args.out}: fine-tune it with `model.checkpoint: {args.out}`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
