"""`shot-model batch`: a folder or list of videos into one table; resumable, and shared across `accelerate launch`
processes."""

import argparse
from pathlib import Path

from ..loading import quiet_transformers
from .options import add_model_arguments, add_split_arguments, analysis_settings, report_failure


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "batch", help="analyze a folder or list of videos into one table; resumable, and splits across `accelerate launch` processes"
    )
    parser.add_argument("inputs", type=Path, help="a folder of videos, or a text file with one video path per line")
    parser.add_argument("--out", type=Path, required=True, help="output folder: per-video JSON plus shots.parquet and shots.csv")
    add_model_arguments(parser)
    add_split_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..batch import run_batch

    quiet_transformers()
    return run_batch(
        args.inputs, args.out, analysis_settings(args), model=args.model, allow_pickle=args.allow_pickle, quiet=args.quiet,
        on_failure=report_failure,
    )
