"""`shot-model classify`: each file is one shot; prints one JSON line per file."""

import argparse
import json
from pathlib import Path

from .options import add_model_arguments, analysis_settings, report_failure


def add_parser(commands) -> None:
    parser = commands.add_parser("classify", help="classify each file as one shot; prints one JSON line per file")
    parser.add_argument("clips", nargs="+", type=Path, help="video files, each one shot")
    add_model_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ..classifier import ShotClassifier
    from ..loading import quiet_transformers
    from ..pipeline import analyze_video
    from ..video import VideoError, failure_reason

    settings = analysis_settings(args)
    quiet_transformers()
    classifier = ShotClassifier.from_pretrained(args.model, allow_pickle=args.allow_pickle)
    failures = 0
    for path in tqdm(args.clips, desc="classifying", unit="clip", disable=args.quiet or len(args.clips) < 2):
        try:
            analysis = analyze_video(path, classifier, settings)
        except (VideoError, OSError) as error:
            failures += 1
            report_failure(path, failure_reason(error))
            continue
        for warning in analysis.warnings:
            report_failure(path, f"warning: {warning}")
        prediction = analysis.shots[0]
        line = {
            "file": str(path),
            "scale": prediction.scale,
            "scale_probs": rounded(prediction.scale_probs),
            "movement": prediction.movement,
            "movement_probs": rounded(prediction.movement_probs),
        }
        print(json.dumps(line), flush=True)
    return 1 if failures else 0


def rounded(probabilities: dict[str, float]) -> dict[str, float]:
    return {label: round(value, 4) for label, value in probabilities.items()}
