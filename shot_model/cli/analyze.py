"""`shot-model analyze`: split videos into shots, classify each one, and write the chosen formats per video."""

import argparse
import sys
from pathlib import Path

from ..output.exports import FORMATS
from .options import ProgressBars, add_model_arguments, add_split_arguments, analysis_settings, report_failure


def add_parser(commands) -> None:
    parser = commands.add_parser("analyze", help="split videos into shots and classify each shot")
    parser.add_argument("videos", nargs="+", type=Path, help="video files")
    parser.add_argument("--out", type=Path, default=Path("shot-model-results"), help="output folder (default: %(default)s)")
    parser.add_argument(
        "--format", default="json,csv,edl", type=formats, help=f"comma-separated, from {','.join(FORMATS)} (default: %(default)s)"
    )
    parser.add_argument("--clips", action="store_true", help="also cut every shot into its own MP4 (in OUT/VIDEO-shots/)")
    add_model_arguments(parser)
    add_split_arguments(parser)
    parser.set_defaults(run=run)


def formats(text: str) -> list[str]:
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [part for part in chosen if part not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"unknown format {', '.join(unknown) or text!r}: choose from {', '.join(FORMATS)}")
    return chosen


def run(args: argparse.Namespace) -> int:
    from ..classifier import ShotClassifier
    from ..loading import quiet_transformers
    from ..output.exports import write_exports
    from ..output.files import IncrementalShotLog
    from ..output.shot_clips import ClipExportError, export_shot_clips
    from ..pipeline import analyze_video
    from ..video import VideoError, failure_reason, probe_video

    settings = analysis_settings(args)
    quiet_transformers()
    classifier = ShotClassifier.from_pretrained(args.model, allow_pickle=args.allow_pickle)
    failures = 0
    for path in args.videos:
        log = None
        try:
            info = probe_video(path)
            log = IncrementalShotLog(args.out, path, info.fps)
            with ProgressBars(path, args.quiet) as progress:
                analysis = analyze_video(path, classifier, settings, progress=progress, on_shot=log.add, info=info)
            for warning in analysis.warnings:
                report_failure(path, f"warning: {warning}")
            written = write_exports(analysis, args.out, args.format)
            if args.clips:
                clip_dir = args.out / f"{path.stem}-shots"
                written["clips"] = export_shot_clips(path, [p.shot for p in analysis.shots], analysis.fps, clip_dir)[0].parent
            log.finish()
        except (VideoError, OSError, ClipExportError) as error:
            failures += 1
            report_failure(path, failure_reason(error))
            if log is not None:
                log.abandon()
            continue
        if not args.quiet:
            files = ", ".join(str(p) for p in written.values())
            print(f"{path}: {len(analysis.shots)} shots, {analysis.duration:.1f}s -> {files}", file=sys.stderr)
    return 1 if failures else 0
