"""Shots classified per second by model size, at batch 1 and 16, on this machine: the model as loaded against the
fast CPU path the classifier uses (shot_model/fast_inference.py); plus load time and disk size.

    python bench/model_speed.py                       # the candidate sizes for the starter model
    python bench/model_speed.py --model checkpoints/shot-videomae-starter
    python bench/model_speed.py --model checkpoints/shot-videomae-starter --threads 1 --repeats 9

Prints one row per model: parameters, safetensors MB on disk, load seconds, then for the model alone and for
processor + model (clips already decoded at the pipeline's 144-px short side) the median over --repeats of
shots/second, reference -> fast. The two are timed alternately in one process (A, B, A, B, ...), so load from other
processes on the machine falls on both alike; the ratio is the robust figure on a shared machine.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ad_paced import cpu_flags, cpu_name  # noqa: E402

from shot_model import ShotClassifier, ShotVideoMAEConfig, ShotVideoMAEForShotClassification, video_processor_for  # noqa: E402

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


def median_rates(functions: dict, shots: int, repeats: int) -> dict[str, float]:
    """Shots/second of each function, median over `repeats` rounds that call them in turn."""
    for function in functions.values():
        function()  # warm-up: first calls allocate and pick kernels
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return {name: shots / statistics.median(seconds) for name, seconds in times.items()}


def measure(name: str, folder: Path, repeats: int) -> dict:
    start = time.perf_counter()
    fast = ShotClassifier.from_pretrained(folder, device="cpu")
    load_seconds = time.perf_counter() - start
    reference = ShotClassifier(fast.model, fast.video_processor, fast.model_id, device="cpu", fast=False)
    if fast.fast_model is None:
        print(f"{name}: no fast path ({fast.fast_unavailable}); both columns are the model as loaded")
    config = fast.config
    size_mb = sum(p.stat().st_size for p in folder.glob("*.safetensors")) / 2**20
    row = {"model": name, "params_M": sum(p.numel() for p in fast.model.parameters()) / 1e6, "disk_MB": size_mb, "load_s": load_seconds}
    rng = np.random.default_rng(0)
    fast_model = fast.fast_model or fast.model
    for batch in (1, 16):
        # Clips as the pipeline hands them over: decoded at short side 144, 16:9.
        clips = [rng.integers(0, 255, (config.num_frames, 144, 256, 3), dtype=np.uint8) for _ in range(batch)]
        pixel_values = fast.video_processor(clips, return_tensors="pt")["pixel_values"].to(fast.model.dtype)
        with torch.inference_mode():
            model = median_rates({"reference": lambda: fast.model(pixel_values), "fast": lambda: fast_model(pixel_values)}, batch, repeats)
        with_processor = median_rates(
            {"reference": lambda: reference.classify(clips, batch_size=batch), "fast": lambda: fast.classify(clips, batch_size=batch)}, batch, repeats
        )
        for kind, rates in (("model", model), ("with_processor", with_processor)):
            for path, rate in rates.items():
                row[f"{kind}_b{batch}_{path}"] = rate
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, action="append", help="a saved model folder (repeatable); default: the candidate sizes")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", action="append", choices=sorted(CANDIDATES), help="measure only this candidate (repeatable)")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's, one per core)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"# {cpu_name()} ({cpu_flags()}), torch {torch.__version__}, {torch.get_num_threads()} threads; medians of {args.repeats} alternating runs")
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

            def rates(kind: str, batch: int) -> str:
                slow, fast = row[f"{kind}_b{batch}_reference"], row[f"{kind}_b{batch}_fast"]
                return f"b{batch} {slow:6.1f} -> {fast:6.1f} (x{fast / slow:4.2f})"

            print(
                f"{row['model']:<16} {row['params_M']:5.1f}M params {row['disk_MB']:5.1f} MB  load {row['load_s']:.2f}s  shots/s reference -> fast: "
                f"model {rates('model', 1)} {rates('model', 16)} | with processor {rates('with_processor', 1)} {rates('with_processor', 16)}",
                flush=True,
            )


if __name__ == "__main__":
    main()
