"""Shots classified per second by model size, at batch 1 and 16, on this machine; plus load time and disk size.

    python bench/model_speed.py                       # the candidate sizes for the starter model
    python bench/model_speed.py --model checkpoints/shot-videomae-starter

Prints one row per model: parameters, safetensors MB on disk, load seconds, and the median over --repeats of
shots/second for the model alone and for processor + model (clips already decoded, as in the pipeline).
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from shot_model import ShotClassifier, ShotVideoMAEConfig, ShotVideoMAEForShotClassification, video_processor_for

CANDIDATES = {
    "ti-8x112-d12": dict(num_frames=8, image_size=112, hidden_size=192, num_hidden_layers=12, num_attention_heads=3, intermediate_size=768),
    "ti-8x112-d6": dict(num_frames=8, image_size=112, hidden_size=192, num_hidden_layers=6, num_attention_heads=3, intermediate_size=768),
    "ti-8x112-d6-diff": dict(num_frames=8, image_size=112, hidden_size=192, num_hidden_layers=6, num_attention_heads=3, intermediate_size=768, frame_differences=True),
    "ti-16x112-d12": dict(num_frames=16, image_size=112, hidden_size=192, num_hidden_layers=12, num_attention_heads=3, intermediate_size=768),
    "ti-8x160-d12": dict(num_frames=8, image_size=160, hidden_size=192, num_hidden_layers=12, num_attention_heads=3, intermediate_size=768),
    "s-8x112-d12": dict(num_frames=8, image_size=112, hidden_size=384, num_hidden_layers=12, num_attention_heads=6, intermediate_size=1536),
    "s-8x112-d6": dict(num_frames=8, image_size=112, hidden_size=384, num_hidden_layers=6, num_attention_heads=6, intermediate_size=1536),
    # The starter's shape changed one way at a time, as in the accuracy-against-size runs (docs/benchmarks.md).
    "ti-8x112-d12-diff": dict(num_frames=8, image_size=112, hidden_size=192, num_hidden_layers=12, num_attention_heads=3, intermediate_size=768, frame_differences=True),
    "ti-16x112-d6-diff": dict(num_frames=16, image_size=112, hidden_size=192, num_hidden_layers=6, num_attention_heads=3, intermediate_size=768, frame_differences=True),
    "ti-8x160-d6-diff": dict(num_frames=8, image_size=160, hidden_size=192, num_hidden_layers=6, num_attention_heads=3, intermediate_size=768, frame_differences=True),
    "s-8x112-d6-diff": dict(num_frames=8, image_size=112, hidden_size=384, num_hidden_layers=6, num_attention_heads=6, intermediate_size=1536, frame_differences=True),
    # The starter's VideoMAE stream plus the ImageNet-pretrained appearance stream for scale (2 frames at 144 px).
    "ti-8x112-d6-diff-lite0": dict(num_frames=8, image_size=112, hidden_size=192, num_hidden_layers=6, num_attention_heads=3, intermediate_size=768, frame_differences=True,
                                   appearance_stream="efficientnet-lite0", appearance_size=144, appearance_frames=2),
}


def median_rate(function, shots: int, repeats: int) -> float:
    function()  # warm-up: first calls allocate and pick kernels
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return shots / statistics.median(times)


def measure(name: str, folder: Path, repeats: int) -> dict:
    start = time.perf_counter()
    classifier = ShotClassifier.from_pretrained(folder, device="cpu")
    load_seconds = time.perf_counter() - start
    config = classifier.config
    size_mb = sum(p.stat().st_size for p in folder.glob("*.safetensors")) / 2**20
    row = {"model": name, "params_M": sum(p.numel() for p in classifier.model.parameters()) / 1e6, "disk_MB": size_mb, "load_s": load_seconds}
    rng = np.random.default_rng(0)
    for batch in (1, 16):
        # Clips as the pipeline hands them over: decoded at short side 144, 16:9.
        clips = [rng.integers(0, 255, (config.num_frames, 144, 256, 3), dtype=np.uint8) for _ in range(batch)]
        pixel_values = classifier.video_processor(clips, return_tensors="pt")["pixel_values"].to(classifier.model.dtype)
        with torch.inference_mode():
            row[f"model_b{batch}"] = median_rate(lambda: classifier.model(pixel_values), batch, repeats)
        row[f"with_processor_b{batch}"] = median_rate(lambda: classifier.classify(clips, batch_size=batch), batch, repeats)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, action="append", help="a saved model folder (repeatable); default: the candidate sizes")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", action="append", choices=sorted(CANDIDATES), help="measure only this candidate (repeatable)")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        targets = [(str(path), path) for path in args.model or []]
        for name, size in ([] if args.model else CANDIDATES.items()):
            if args.only and name not in args.only:
                continue
            folder = Path(scratch) / name
            model = ShotVideoMAEForShotClassification(ShotVideoMAEConfig(**size))
            # fp32, as the starter is shipped: loaded from fp16, the model also runs in fp16, which is slower on CPU.
            model.save_pretrained(folder)
            video_processor_for(model.config).save_pretrained(folder)
            targets.append((name, folder))
        for name, folder in targets:
            rows.append(measure(name, folder, args.repeats))
            row = rows[-1]
            print(
                f"{row['model']:<16} {row['params_M']:5.1f}M params {row['disk_MB']:5.1f} MB  load {row['load_s']:.2f}s  "
                f"shots/s model b1 {row['model_b1']:6.1f} b16 {row['model_b16']:6.1f} | with processor b1 {row['with_processor_b1']:6.1f} b16 {row['with_processor_b16']:6.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
