"""The `shot-model` command: analyze videos into shots, classify single clips, or run a resumable batch.

Exit code 0 when every input succeeded, 1 when any failed (one line per failure on stderr), 2 on bad usage.
"""

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm
from transformers.utils import logging as transformers_logging

from .classifier import ModelLoadError, ShotClassifier
from .exports import FORMATS, IncrementalShotLog, write_exports
from .pipeline import AnalysisSettings, analyze_video
from .shot_clips import ClipExportError, export_shot_clips
from .shots import DETECTORS, SplitSettings
from .video import VideoError, probe_video


def main(argv: list[str] | None = None) -> int:
    # The command draws its own progress; transformers' weight-loading bars would only interleave with it.
    transformers_logging.disable_progress_bar()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except ModelLoadError as error:
        print(f"shot-model: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("shot-model: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shot-model", description="Shot scale and camera movement for every shot of a video.")
    commands = parser.add_subparsers(dest="command", required=True)

    analyze = commands.add_parser("analyze", help="split videos into shots and classify each shot")
    analyze.add_argument("videos", nargs="+", type=Path, help="video files")
    analyze.add_argument("--out", type=Path, default=Path("shot-model-results"), help="output folder (default: %(default)s)")
    analyze.add_argument(
        "--format", default="json,csv,edl", type=_formats, help=f"comma-separated, from {','.join(FORMATS)} (default: %(default)s)"
    )
    analyze.add_argument("--clips", action="store_true", help="also cut every shot into its own MP4 (in OUT/VIDEO-shots/)")
    _add_model_arguments(analyze)
    _add_split_arguments(analyze)
    analyze.set_defaults(run=run_analyze)

    classify = commands.add_parser("classify", help="classify each file as one shot; prints one JSON line per file")
    classify.add_argument("clips", nargs="+", type=Path, help="video files, each one shot")
    _add_model_arguments(classify)
    classify.set_defaults(run=run_classify)

    batch = commands.add_parser(
        "batch", help="analyze a folder or list of videos into one table; resumable, and splits across `accelerate launch` processes"
    )
    batch.add_argument("inputs", type=Path, help="a folder of videos, or a text file with one video path per line")
    batch.add_argument("--out", type=Path, required=True, help="output folder: per-video JSON plus shots.parquet and shots.csv")
    _add_model_arguments(batch)
    _add_split_arguments(batch)
    batch.set_defaults(run=_run_batch)
    return parser


def _add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=None, help="model folder or Hub id (default: the starter checkpoint in the repo)")
    parser.add_argument("--allow-pickle", action="store_true", help="also load pickled .bin weights (they can run code: only from sources you trust)")
    parser.add_argument("--clips-per-shot", type=int, default=1, help="clips per shot, each over an equal part of it, softmax averaged (default: 1; more steadies the scale answer, but each clip sees only its part of a camera move)")
    parser.add_argument("--batch-size", type=int, default=16, help="clips per forward pass (default: 16)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def _add_split_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = SplitSettings()
    parser.add_argument("--detector", choices=list(DETECTORS), default=defaults.detector, help="shot detector (default: %(default)s)")
    parser.add_argument("--threshold", type=float, default=defaults.threshold, help="detector sensitivity (default: the detector's own)")
    parser.add_argument(
        "--min-shot-seconds", type=float, default=defaults.min_shot_seconds, help="least time between cuts (default: %(default)s)"
    )
    parser.add_argument("--fades", action="store_true", help="also cut in the middle of fades through black")


def _formats(text: str) -> list[str]:
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [part for part in chosen if part not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"unknown format {', '.join(unknown) or text!r}: choose from {', '.join(FORMATS)}")
    return chosen


def settings_from(args) -> AnalysisSettings:
    split = SplitSettings(
        detector=getattr(args, "detector", "none"),
        threshold=getattr(args, "threshold", None),
        min_shot_seconds=getattr(args, "min_shot_seconds", SplitSettings.min_shot_seconds),
        fades=getattr(args, "fades", False),
    )
    return AnalysisSettings(split=split, clips_per_shot=args.clips_per_shot, batch_size=args.batch_size)


def run_analyze(args) -> int:
    settings = settings_from(args)
    classifier = ShotClassifier.from_pretrained(args.model, allow_pickle=args.allow_pickle)
    config = classifier.config
    failures = 0
    for path in args.videos:
        log = None
        try:
            info = probe_video(path)
            log = IncrementalShotLog(args.out, path)
            with _progress_bar(path, args.quiet) as progress:
                analysis = analyze_video(path, classifier, settings, progress=progress, on_shot=lambda shot: log.add(shot, info.fps), info=info)
            written = write_exports(analysis, args.out, args.format, config.scale_labels, config.movement_labels)
            if args.clips:
                clip_dir = args.out / f"{path.stem}-shots"
                written["clips"] = export_shot_clips(path, [p.shot for p in analysis.shots], analysis.fps, clip_dir)[0].parent
            log.finish()
        except (VideoError, OSError, ClipExportError) as error:
            failures += 1
            report_failure(path, error)
            if log is not None:
                log.abandon()
            continue
        if not args.quiet:
            files = ", ".join(str(p) for p in written.values())
            print(f"{path}: {len(analysis.shots)} shots, {analysis.duration:.1f}s -> {files}", file=sys.stderr)
    return 1 if failures else 0


def run_classify(args) -> int:
    settings = settings_from(args)
    classifier = ShotClassifier.from_pretrained(args.model, allow_pickle=args.allow_pickle)
    failures = 0
    for path in tqdm(args.clips, desc="classifying", unit="clip", disable=args.quiet or len(args.clips) < 2):
        try:
            analysis = analyze_video(path, classifier, settings)
        except (VideoError, OSError) as error:
            failures += 1
            report_failure(path, error)
            continue
        prediction = analysis.shots[0]
        line = {
            "file": str(path),
            "scale": prediction.scale,
            "scale_probs": _rounded(prediction.scale_probs),
            "movement": prediction.movement,
            "movement_probs": _rounded(prediction.movement_probs),
        }
        print(json.dumps(line), flush=True)
    return 1 if failures else 0


def _run_batch(args) -> int:
    from .batch import run_batch  # accelerate and datasets load only for batch work

    return run_batch(args)


class _progress_bar:
    """tqdm bars for an analysis: frames decoded and split, then shots classified."""

    def __init__(self, path: Path, quiet: bool):
        self.path, self.quiet = path, quiet
        self.bars = {}

    def __enter__(self):
        return self

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.quiet:
            return
        if stage not in self.bars:
            unit = "frame" if stage == "frames" else "shot"
            self.bars[stage] = tqdm(total=total or None, desc=f"{self.path.name} {stage}", unit=unit, leave=False)
        bar = self.bars[stage]
        bar.update(done - bar.n)

    def __exit__(self, *exc):
        for bar in self.bars.values():
            bar.close()


def report_failure(path, error: Exception) -> None:
    """One line on stderr: the file, then what went wrong (a VideoError already names its file)."""
    reason = error.reason if isinstance(error, VideoError) else str(error)
    print(f"shot-model: {path}: {reason}", file=sys.stderr)


def _rounded(probabilities: dict[str, float]) -> dict[str, float]:
    return {label: round(value, 4) for label, value in probabilities.items()}


if __name__ == "__main__":
    sys.exit(main())
