"""Speed on ad-paced footage: `shot-model analyze` against a plain decode of the same file, per stage, with peak RSS.

    python bench/ad_paced.py --heights 720 1080 --runs 3 [--minutes 3] [--model PATH] [--peers]

The video is a montage of the shared *train* clips (never eval) cut as ads are: shots of 0.5-2.5 s (about 40 a
minute), mostly hard cuts, a few cross-dissolves and fades through black; H.264 (libx264 preset fast, crf 20,
yuv420p) at 25 fps, cached in cache/bench/ with its transitions (`.truth.json`, the schema of
bench/transitions_montage.py, so bench/splitting_accuracy.py can score it too).

For each height, medians over --runs of fresh processes (what a user waits for, start-up included):
  plain decode   every frame decoded once with PyAV's threaded decoder, nothing done with it: the floor
  analyze        `shot-model analyze VIDEO --format json,csv,edl --quiet`: seconds, x realtime, ratio to the plain
                 decode, peak RSS
and in-process (the model loaded once): seconds per stage (decode, split, sample, classify, wait; classify runs on
its own thread, wait is the time decoding waited for it) and classification shots/s. With --peers also:
  PySceneDetect  its own CLI, `scenedetect -i VIDEO detect-adaptive list-scenes`: splitting only
  naive          split with PySceneDetect, then open the video again for every shot to sample and classify
Then the start-up costs: `shot-model --help`, and `shot-model analyze` on a 1-shot clip (time to a first
result). Every figure is printed with the CPU it ran on.
"""

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from peak_rss import run_measured  # noqa: E402
from transitions_montage import SOURCES, clip_durations, segment  # noqa: E402

CACHE = REPO / "cache" / "bench"
BIN = Path(sys.executable).parent
FPS = 25
SHORT_CLIP = REPO.parent / "shared" / "media" / "train" / "sam2__01_dog.mp4"
# A fresh process doing nothing but a threaded decode of every frame: the least any analysis must cost.
PLAIN_DECODE = """
import sys, av
with av.open(sys.argv[1]) as container:
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    for frame in container.decode(stream):
        pass
"""


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def cpu_flags() -> str:
    flags = next((line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags")), "").split()
    return ", ".join(flag for flag in ("avx2", "avx512f", "avx512_bf16", "amx_tile") if flag in flags) or "no AVX2"


def build(height: int, minutes: float, seed: int = 0) -> tuple[Path, dict]:
    """The ad-paced montage at `height` lines (16:9) and its truth; cached."""
    width = round(height * 16 / 9 / 2) * 2
    out = CACHE / f"ad-paced-{height}p-{minutes:g}min"
    video, truth_path = out.with_suffix(".mp4"), out.with_suffix(".truth.json")
    if video.is_file() and truth_path.is_file():
        return video, json.loads(truth_path.read_text())
    rng = np.random.default_rng(seed)
    durations = clip_durations()
    sources = [(name, start, end if end is not None else durations[name]) for name, start, end in SOURCES if name in durations]
    total = round(minutes * 60 * FPS)
    transitions, shots, tail, written = [], [], [], 0
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".partial.mp4")
    with av.open(str(partial), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "20", "preset": "fast"}

        def emit(frame: np.ndarray) -> None:
            nonlocal written
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")):
                container.mux(packet)
            written += 1

        while written + len(tail) < total:
            name, lo, hi = sources[int(rng.integers(len(sources)))]
            count = int(rng.integers(round(0.5 * FPS), round(2.5 * FPS) + 1))
            start = float(rng.uniform(lo, max(lo, hi - count / FPS - 0.2)))
            frames = segment(name, start, count, FPS, size=(width, height))
            kind = "cut" if not shots else str(rng.choice(["cut", "dissolve", "fade"], p=[0.86, 0.09, 0.05]))
            # A gradual transition takes frames from both shots and leaves each at least 6 of its own.
            previous_in_tail = min(len(tail), written + len(tail) - shots[-1]["first"]) if shots else 0
            room = min(previous_in_tail, count) - 6
            if kind != "cut" and room < 6:
                kind = "cut"
            position = written + len(tail)
            if kind == "dissolve":
                blend = min(int(rng.integers(8, 21)), room)
                for k in range(blend):
                    alpha = (k + 1) / (blend + 1)
                    tail[-blend + k] = cv2.addWeighted(tail[-blend + k], 1 - alpha, frames[k], alpha, 0)
                frames = frames[blend:]
                transitions.append({"kind": "dissolve", "first": position - blend, "last": position - 1})
                position -= blend
            elif kind == "fade":
                ramp = min(int(rng.integers(6, 13)), room)
                for k in range(ramp):
                    tail[-ramp + k] = (tail[-ramp + k] * (1 - (k + 1) / (ramp + 1))).astype(np.uint8)
                    frames[k] = (frames[k] * ((k + 1) / (ramp + 1))).astype(np.uint8)
                transitions.append({"kind": "fade", "first": position - ramp, "last": position + ramp - 1})
            elif shots:
                transitions.append({"kind": "cut", "first": position, "last": position})
            shots.append({"source": name, "start_s": round(start, 3), "first": position})
            tail += frames
            while len(tail) > 40:
                emit(tail.pop(0))
        for frame in tail:
            emit(frame)
        for packet in stream.encode():
            container.mux(packet)
    partial.replace(video)
    truth = {"video": video.name, "fps": FPS, "width": width, "height": height, "num_frames": written, "seed": seed,
             "transitions": transitions, "flashes": [], "distractors": [], "shots": shots}  # fmt: skip
    truth_path.write_text(json.dumps(truth, indent=1))
    return video, truth


def wall_seconds(command: list[str]) -> float:
    return timed(lambda: subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def naive(video: Path, classifier) -> None:
    """The obvious way: split with PySceneDetect, then seek into the video once per shot for its clip."""
    import scenedetect

    from shot_model.sampling import clip_frame_indices
    from shot_model.video import FrameReader

    scenes = scenedetect.detect(str(video), scenedetect.AdaptiveDetector(), start_in_scene=True)
    clips = []
    for start, end in scenes:
        reader = FrameReader(video, 144)  # reopened for every shot, as a script calling a video library per shot does
        clips.append(np.stack(reader.frames(clip_frame_indices(start.frame_num, end.frame_num, classifier.num_frames)[0]))[..., ::-1])
    classifier.classify(clips)


def in_process_stages(video: Path, classifier, runs: int) -> dict[str, float]:
    from shot_model import analyze_video

    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        analysis = analyze_video(video, classifier)
        total = time.perf_counter() - start
        timings.append({**analysis.timings, "total": total, "shots": len(analysis.shots)})
    return {key: statistics.median(run[key] for run in timings) for key in timings[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--heights", type=int, nargs="+", default=[720, 1080])
    parser.add_argument("--minutes", type=float, default=3.0, help="length of the montage (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model", default=None, help="model folder (default: the starter checkpoint)")
    parser.add_argument("--peers", action="store_true", help="also time PySceneDetect's CLI and the naive split-then-reopen")
    args = parser.parse_args()
    model_args = ["--model", args.model] if args.model else []
    print(f"# {cpu_name()} ({cpu_flags()}), {len(__import__('os').sched_getaffinity(0))} cores; medians of {args.runs} runs")

    from shot_model import ShotClassifier

    classifier = ShotClassifier.from_pretrained(args.model)
    for height in args.heights:
        video, truth = build(height, args.minutes)
        duration = truth["num_frames"] / truth["fps"]
        print(f"\n## {video.name}: {duration:.0f} s, {len(truth['shots'])} shots ({len(truth['shots']) / duration * 60:.0f} a minute), "
              f"{height}p", flush=True)  # fmt: skip
        plain = statistics.median(wall_seconds([sys.executable, "-c", PLAIN_DECODE, str(video)]) for _ in range(args.runs))
        with tempfile.TemporaryDirectory() as out:
            command = [str(BIN / "shot-model"), "analyze", str(video), "--out", out, "--format", "json,csv,edl", "--quiet", *model_args]
            runs = [run_measured(command) for _ in range(args.runs)]
        ours = statistics.median(seconds for seconds, _ in runs)
        peak = max(peak for _, peak in runs)
        print(f"plain decode (PyAV, threaded)  {plain:6.1f} s  {duration / plain:5.1f}x realtime")
        print(f"shot-model analyze             {ours:6.1f} s  {duration / ours:5.1f}x realtime  {ours / plain:.2f}x the plain decode  "
              f"peak RSS {peak:.0f} MB")  # fmt: skip
        if args.peers:
            with tempfile.TemporaryDirectory() as out:
                command = [str(BIN / "scenedetect"), "-i", str(video), "-o", out, "-q", "detect-adaptive", "list-scenes"]
                scenedetect_cli = statistics.median(wall_seconds(command) for _ in range(args.runs))
            naive_seconds = statistics.median(timed(lambda: naive(video, classifier)) for _ in range(args.runs))
            print(f"PySceneDetect CLI (split only) {scenedetect_cli:6.1f} s  {duration / scenedetect_cli:5.1f}x realtime")
            print(f"naive split-then-reopen        {naive_seconds:6.1f} s  {duration / naive_seconds:5.1f}x realtime (model loaded)")
        stages = in_process_stages(video, classifier, args.runs)
        print("in-process by stage: " + ", ".join(f"{stage} {stages[stage]:.2f} s" for stage in ("decode", "split", "sample", "classify", "wait"))
              + f"; total {stages['total']:.2f} s; {stages['shots']:.0f} shots classified at {stages['shots'] / stages['classify']:.0f} shots/s",
              flush=True)  # fmt: skip
    help_seconds = statistics.median(wall_seconds([str(BIN / "shot-model"), "--help"]) for _ in range(args.runs))
    with tempfile.TemporaryDirectory() as out:
        first = statistics.median(
            wall_seconds([str(BIN / "shot-model"), "analyze", str(SHORT_CLIP), "--out", out, "--quiet", *model_args]) for _ in range(args.runs)
        )
    print(f"\nstart-up: `shot-model --help` {help_seconds:.2f} s; first result on {SHORT_CLIP.name} "
          f"({av.open(str(SHORT_CLIP)).streams.video[0].frames} frames) {first:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
