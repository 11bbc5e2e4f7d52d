"""End to end on the benchmark montages: `shot-model analyze` against the decode floor and two peers.

    python bench/end_to_end.py --heights 720 1080 --runs 3 [--model PATH]

For each montage, the median over --runs of:
  ours        `shot-model analyze VIDEO --format json,csv,edl` in a fresh process: seconds, x realtime, peak RSS,
              and (in-process) the seconds per stage: decode, split, sample, classify, export.
  floor       decoding every frame once at the pipeline's resolution with decord, doing nothing with it.
  scenedetect PySceneDetect's own CLI, `scenedetect -i VIDEO detect-adaptive list-scenes`: splitting only.
  naive       split with PySceneDetect, then reopen the video per shot (decord) to sample and classify.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from montage import build  # noqa: E402
from peak_rss import run_measured  # noqa: E402

from shot_model import AnalysisSettings, ShotClassifier, analyze_video  # noqa: E402
from shot_model.output.exports import write_exports  # noqa: E402
from shot_model.video import analysis_size, probe_video  # noqa: E402

BIN = Path(sys.executable).parent


def decode_floor(video: Path) -> None:
    from decord import VideoReader, cpu

    width, height = analysis_size(probe_video(video), AnalysisSettings().split.decode_short_side)
    reader = VideoReader(str(video), ctx=cpu(0), width=width, height=height)
    for start in range(0, len(reader), 64):
        reader.get_batch(list(range(start, min(start + 64, len(reader)))))


def naive(video: Path, classifier: ShotClassifier) -> None:
    import cv2
    import numpy as np
    import scenedetect
    from decord import VideoReader, cpu

    from shot_model.sampling import clip_frame_indices

    scenes = scenedetect.detect(str(video), scenedetect.AdaptiveDetector(), start_in_scene=True)
    clips = []
    for start, end in scenes:
        reader = VideoReader(str(video), ctx=cpu(0))  # the naive way: reopen and seek for every shot
        frames = reader.get_batch(clip_frame_indices(start.frame_num, end.frame_num, classifier.config.num_frames)[0]).asnumpy()
        clips.append(np.stack([cv2.resize(frame, (256, 144), interpolation=cv2.INTER_AREA) for frame in frames]))
    classifier.classify(clips)


def stage_split(video: Path, classifier: ShotClassifier) -> dict:
    start = time.perf_counter()
    analysis = analyze_video(video, classifier)
    total = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as out:
        export_start = time.perf_counter()
        write_exports(analysis, out, ["json", "csv", "edl"])
        export = time.perf_counter() - export_start
    return {**analysis.timings, "other": total - sum(analysis.timings.values()), "export": export}


def timed(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--heights", type=int, nargs="+", default=[720, 1080])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model", default=None, help="model folder (default: the starter checkpoint)")
    args = parser.parse_args()
    classifier = ShotClassifier.from_pretrained(args.model)
    model_args = ["--model", args.model] if args.model else []
    for height in args.heights:
        video, _ = build(height)
        duration = probe_video(video).duration
        print(f"\n## {video.name}: {duration:.1f} s of {height}p video; median of {args.runs} runs on this machine", flush=True)
        with tempfile.TemporaryDirectory() as out:
            command = [str(BIN / "shot-model"), "analyze", str(video), "--out", out, "--format", "json,csv,edl", "--quiet", *model_args]
            runs = [run_measured(command) for _ in range(args.runs)]
        ours = statistics.median(seconds for seconds, _ in runs)
        peak = max(peak for _, peak in runs)
        floor = timed(lambda: decode_floor(video), args.runs)
        with tempfile.TemporaryDirectory() as out:
            scenedetect_cli = statistics.median(
                run_measured([str(BIN / "scenedetect"), "-i", str(video), "-o", out, "-q", "detect-adaptive", "list-scenes"])[0]
                for _ in range(args.runs)
            )
        naive_seconds = timed(lambda: naive(video, classifier), args.runs)
        stages = [stage_split(video, classifier) for _ in range(args.runs)]
        print(f"ours (shot-model analyze)   {ours:7.1f} s  {duration / ours:5.1f}x realtime  peak RSS {peak:6.0f} MB")
        print(f"decode floor (decord)       {floor:7.1f} s  {duration / floor:5.1f}x realtime  ours / floor = {ours / floor:.2f}")
        print(f"PySceneDetect CLI (split)   {scenedetect_cli:7.1f} s  {duration / scenedetect_cli:5.1f}x realtime  ours / it = {ours / scenedetect_cli:.2f}")
        print(f"naive split-then-reopen     {naive_seconds:7.1f} s  {duration / naive_seconds:5.1f}x realtime  ours / it = {ours / naive_seconds:.2f}")
        medians = {stage: statistics.median(run[stage] for run in stages) for stage in stages[0]}
        print("ours by stage (in-process): " + ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in medians.items()), flush=True)


if __name__ == "__main__":
    main()
