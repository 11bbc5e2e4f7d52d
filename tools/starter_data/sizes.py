"""Starter model sizes against dev-set accuracy, fast: the built clips are decoded once into memory, then each size
trains for the same number of steps with the same recipe, and is scored on the hand-labelled dev set.

    python tools/starter_data/sizes.py cache --frames 16 --size 112 --out cache/sizes      # ~2.5 min: clips + dev shots
    python tools/starter_data/sizes.py train --cache cache/sizes --size 112 --layers 6 --hidden 192 --frames 8 --steps 500

Not train.py: this skips decoding and the video processor on every step (2-3x faster), so several sizes fit in an
afternoon on 2 cores. The recipe matches the starter's movement options (frame differences, half the clips seen by
the movement head alone with a 35-100% crop and, for 60% of those, a stand-in moving subject; Static weighed 2.3;
scale classes balanced), at the pipeline's sampling for dev shots (one clip each). Speed of each size:
bench/model_speed.py. Results: docs/experiments.md, section 7.
"""

import argparse
import csv
import math
import sys
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np
import torch
from transformers import VideoMAEConfig, VideoMAEModel

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from shot_model.data.shot_table import label_index  # noqa: E402
from shot_model.evaluation.metrics import head_metrics  # noqa: E402
from shot_model.evaluation.scorer import frames_of_shots, labelled_shots  # noqa: E402
from shot_model.models.shot_videomae.configuration_shot_videomae import MOVEMENT_LABELS, SCALE_LABELS  # noqa: E402
from shot_model.sampling import clip_frame_indices  # noqa: E402
from shot_model.video import FrameReader  # noqa: E402

DEV_SET = REPO / "data" / "dev_set.csv"
HEADS = {"scale": len(SCALE_LABELS), "movement": len(MOVEMENT_LABELS)}
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 1, 3, 1, 1)
VAL_SOURCES = 3


def centre_square(frame: np.ndarray, size: int) -> np.ndarray:
    """Short side to `size`, then the centre square: what the video processor hands the model."""
    height, width = frame.shape[:2]
    factor = size / min(height, width)
    frame = cv2.resize(frame, (max(size, round(width * factor)), max(size, round(height * factor))), interpolation=cv2.INTER_AREA)
    height, width = frame.shape[:2]
    top, left = (height - size) // 2, (width - size) // 2
    return frame[top : top + size, left : left + size]


def cache(args) -> None:
    """Decode every built clip and every dev shot once, as (clips, frames, size, size, 3) uint8 arrays."""
    started = time.perf_counter()
    root = args.data
    with open(root / "labels.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    clips = np.zeros((len(rows), args.frames, args.size, args.size, 3), np.uint8)
    for index, row in enumerate(rows):
        reader = FrameReader(root / row["video"], min(args.size, 144))
        frames = [bgr[:, :, ::-1] for bgr in reader.frames(clip_frame_indices(0, len(reader), args.frames)[0])]
        clips[index] = np.stack([centre_square(frame, args.size) for frame in frames])
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez(
        args.out / f"train_{args.frames}x{args.size}.npz",
        X=clips,
        ys=np.array([label_index(SCALE_LABELS, row["scale"], "scale", row["video"]) for row in rows]),
        ym=np.array([label_index(MOVEMENT_LABELS, row["movement"], "movement", row["video"]) for row in rows]),
        g=np.array([row["source"].split("[")[0] for row in rows]),
    )
    print(f"training clips: {len(rows)} in {time.perf_counter() - started:.0f} s", flush=True)

    by_video = defaultdict(list)
    for shot in labelled_shots(DEV_SET):
        by_video[shot["video"]].append(shot)
    dev, dev_scale, dev_movement = [], [], []
    for video, shots in by_video.items():
        wanted = lambda shot: clip_frame_indices(shot["start_frame"], shot["end_frame"], args.frames)[0]  # noqa: E731
        for shot, frames in zip(shots, frames_of_shots(video, shots, wanted)):
            dev.append(np.stack([centre_square(frames[i].bgr[:, :, ::-1], args.size) for i in wanted(shot)]))
            dev_scale.append(shot["scale"])  # class indices already (MISSING_LABEL where unlabelled)
            dev_movement.append(shot["movement"])
    np.savez(args.out / f"dev_{args.frames}x{args.size}.npz", X=np.stack(dev), ys=np.array(dev_scale), ym=np.array(dev_movement))
    print(f"dev shots: {len(dev)}; total {time.perf_counter() - started:.0f} s")


class SizedModel(torch.nn.Module):
    """A VideoMAE of the given size with the starter's frame differences, mean pooling and two linear heads."""

    def __init__(self, config: VideoMAEConfig):
        super().__init__()
        self.backbone = VideoMAEModel(config)
        self.norm = torch.nn.LayerNorm(config.hidden_size)
        self.heads = torch.nn.ModuleDict({head: torch.nn.Linear(config.hidden_size, count) for head, count in HEADS.items()})

    def forward(self, clips: torch.Tensor) -> dict:
        differences = clips[:, 1:] - clips[:, :-1]
        differences = torch.cat([differences, differences[:, -1:]], 1)
        features = self.backbone(pixel_values=torch.cat([clips, differences * 2], 2)).last_hidden_state.mean(1)
        features = self.norm(features)
        return {head: layer(features) for head, layer in self.heads.items()}


def paste_subjects(clips: torch.Tensor, chosen: np.ndarray, chance: float) -> torch.Tensor:
    """A round patch of another clip in the batch moving on its own through each chosen clip, with `chance`.

    The same idea as shot_model/data/augmentation/moving_subject.py (which train.py uses on decoded frames), done here on the
    normalised batch, as in the runs whose figures docs/benchmarks.md quotes, so they reproduce exactly.
    """
    batch, count, _, height, width = clips.shape
    out = clips.clone()
    for index in range(batch):
        if not chosen[index] or np.random.rand() >= chance:
            continue
        donor, moment = np.random.randint(batch), np.random.randint(count)
        side = int(height * np.random.uniform(0.25, 0.5))
        top, left = np.random.randint(height - side + 1), np.random.randint(width - side + 1)
        patch = clips[donor, moment, :, top : top + side, left : left + side]
        start = np.random.uniform(0.15, 0.85, 2)
        end = np.clip(start + np.random.normal(0, 0.25, 2), 0.05, 0.95)
        growth = np.exp(np.random.uniform(np.log(0.7), np.log(1.45))) if np.random.rand() < 0.5 else 1.0
        wobble = np.random.rand() < 0.5
        for frame in range(count):
            progress = frame / (count - 1)
            size = max(8, int(side * growth**progress))
            cy, cx = (start[0] + (end[0] - start[0]) * progress) * height, (start[1] + (end[1] - start[1]) * progress) * width
            if wobble:
                cy, cx = cy + np.random.normal(0, 1.5), cx + np.random.normal(0, 1.5)
            scaled = torch.nn.functional.interpolate(patch[None], size=(size, size), mode="bilinear", align_corners=False)[0]
            grid = torch.linspace(-1, 1, size)
            disc = ((grid[:, None] ** 2 + grid[None, :] ** 2) <= 1).float()
            y0, x0 = int(cy - size / 2), int(cx - size / 2)
            ya, yb, xa, xb = max(0, y0), min(height, y0 + size), max(0, x0), min(width, x0 + size)
            if ya >= yb or xa >= xb:
                continue
            mask = disc[ya - y0 : yb - y0, xa - x0 : xb - x0]
            out[index, frame, :, ya:yb, xa:xb] = out[index, frame, :, ya:yb, xa:xb] * (1 - mask) + scaled[:, ya - y0 : yb - y0, xa - x0 : xb - x0] * mask
    return out


def prepare(clips: np.ndarray, frames: int, augment: bool, args, movement_only: np.ndarray | None = None) -> torch.Tensor:
    """Normalised (clips, frames, 3, size, size); with `augment`: a random phase of the frame subsampling, flips,
    brightness, crops (35-100% of the area for movement-only clips, 85-100% otherwise) and stand-in subjects."""
    step = clips.shape[1] // frames
    if augment:
        clips = np.stack([clip[np.random.randint(step) :: step] for clip in clips])
    elif clips.shape[1] != frames:
        clips = clips[:, ::step]
    video = torch.from_numpy(np.ascontiguousarray(clips)).permute(0, 1, 4, 2, 3).float() / 255
    side = video.shape[-1]
    if augment:
        flip = torch.rand(len(video)) < 0.5
        video[flip] = video[flip].flip(-1)
        video = video * (0.75 + 0.5 * torch.rand(len(video), 1, 1, 1, 1))
        cropped = []
        for clip, alone in zip(video, movement_only):
            crop = int(side * np.sqrt(np.random.uniform(args.movement_crop_area if alone else 0.85, 1)))
            top, left = np.random.randint(side + 1 - crop), np.random.randint(side + 1 - crop)
            cropped.append(torch.nn.functional.interpolate(clip[:, :, top : top + crop, left : left + crop], size=(side, side), mode="bilinear", antialias=True, align_corners=False))
        video = torch.stack(cropped)
        if args.moving_subject_chance > 0:
            video = paste_subjects(video, movement_only, args.moving_subject_chance)
    return (video - MEAN) / STD


def scores(model, clips: np.ndarray, labels: dict, frames: int, args) -> dict:
    """{head: (accuracy, macro-F1)} on `clips`, without augmentation."""
    model.eval()
    predicted = {head: [] for head in HEADS}
    with torch.no_grad():
        for start in range(0, len(clips), 32):
            logits = model(prepare(clips[start : start + 32], frames, False, args))
            for head in HEADS:
                predicted[head].append(logits[head].argmax(-1))
    model.train()
    results = {}
    for head, count in HEADS.items():
        metrics = head_metrics(labels[head], torch.cat(predicted[head]).numpy(), [str(i) for i in range(count)])
        results[head] = (round(metrics["accuracy"], 3), round(metrics["macro_f1"], 3))
    return results


def train(args) -> None:
    """Train one size from scratch for --steps; print train / validation / dev figures every --eval-every steps."""
    torch.manual_seed(0)
    np.random.seed(0)
    torch.set_num_threads(args.threads)
    data = np.load(args.cache / f"train_{args.cached_frames}x{args.size}.npz")
    dev = np.load(args.cache / f"dev_{args.cached_frames}x{args.size}.npz")
    clips, groups = data["X"], data["g"]
    # Whole sources held out for validation, as train.py does.
    sources = sorted(set(groups))
    np.random.RandomState(0).shuffle(sources)
    held_out = np.isin(groups, sources[:VAL_SOURCES])
    train_rows, val_rows = np.where(~held_out)[0], np.where(held_out)[0]
    labels = {"scale": data["ys"], "movement": data["ym"]}
    dev_labels = {"scale": dev["ys"], "movement": dev["ym"]}

    config = VideoMAEConfig(
        image_size=args.size, patch_size=16, num_frames=args.frames, tubelet_size=2, hidden_size=args.hidden,
        num_hidden_layers=args.layers, num_attention_heads=args.hidden // 64, intermediate_size=args.hidden * 4,
        num_channels=6, use_mean_pooling=False,
    )
    model = SizedModel(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    warmup = max(1, int(0.05 * args.steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1, (step + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(step, args.steps) / max(1, args.steps)))
    )
    weights = {"movement": torch.tensor([args.static_weight, 1, 1, 1], dtype=torch.float)}
    known = labels["scale"][train_rows]
    counts = np.bincount(known[known >= 0], minlength=HEADS["scale"])
    weights["scale"] = torch.tensor(counts.sum() / (HEADS["scale"] * np.maximum(counts, 1)), dtype=torch.float)

    print(f"{args.frames} frames x {args.size} px, {args.layers} layers x {args.hidden}: "
          f"{sum(p.numel() for p in model.parameters()) / 1e6:.1f} M parameters", flush=True)
    started = time.perf_counter()
    sample = np.random.RandomState(1).choice(train_rows, 400, replace=False)
    for step in range(1, args.steps + 1):
        batch = np.random.choice(train_rows, args.batch_size)
        movement_only = np.random.rand(args.batch_size) < args.movement_crop_chance
        logits = model(prepare(clips[batch], args.frames, True, args, movement_only))
        loss = 0
        for head in HEADS:
            target = torch.from_numpy(labels[head][batch].copy())
            if head == "scale":
                target[torch.from_numpy(movement_only)] = -100  # a tight crop changes the framing
            if (target >= 0).any():
                loss = loss + torch.nn.functional.cross_entropy(logits[head], target, weight=weights[head], ignore_index=-100)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        if step % args.eval_every == 0 or step == args.steps:
            print(
                f"step {step} ({time.perf_counter() - started:.0f} s) loss {loss.item():.3f} | "
                f"train {scores(model, clips[sample], {h: labels[h][sample] for h in HEADS}, args.frames, args)} | "
                f"validation {scores(model, clips[val_rows], {h: labels[h][val_rows] for h in HEADS}, args.frames, args)} | "
                f"dev {scores(model, dev['X'], dev_labels, args.frames, args)}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    caching = commands.add_parser("cache", help="decode the built clips and the dev shots once")
    caching.add_argument("--data", type=Path, default=REPO / "cache" / "starter-data", help="a folder written by tools.starter_data.build")
    caching.add_argument("--out", type=Path, required=True)
    caching.add_argument("--frames", type=int, default=16)
    caching.add_argument("--size", type=int, default=112)
    training = commands.add_parser("train", help="train and score one size")
    training.add_argument("--cache", type=Path, required=True)
    training.add_argument("--cached-frames", type=int, default=16, help="frames per clip in the cache (subsampled to --frames)")
    training.add_argument("--size", type=int, default=112)
    training.add_argument("--frames", type=int, default=8)
    training.add_argument("--layers", type=int, default=6)
    training.add_argument("--hidden", type=int, default=192)
    training.add_argument("--steps", type=int, default=500)
    training.add_argument("--eval-every", type=int, default=500)
    training.add_argument("--batch-size", type=int, default=16)
    training.add_argument("--lr", type=float, default=5e-4)
    training.add_argument("--static-weight", type=float, default=2.3)
    training.add_argument("--movement-crop-chance", type=float, default=0.5)
    training.add_argument("--movement-crop-area", type=float, default=0.35)
    training.add_argument("--moving-subject-chance", type=float, default=0.6)
    training.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    (cache if args.command == "cache" else train)(args)


if __name__ == "__main__":
    main()
