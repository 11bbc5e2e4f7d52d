"""What several commands share: the model and splitting options, the settings they make, progress bars, and the
one-line failure report."""

import argparse
import sys
from pathlib import Path

from ..shots import DETECTORS, SplitSettings


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=None, help="model folder or Hub id (default: the starter checkpoint in the repo)")
    parser.add_argument("--allow-pickle", action="store_true", help="also load pickled .bin weights (they can run code: only from sources you trust)")
    parser.add_argument("--clips-per-shot", type=int, default=1, help="clips per shot, each over an equal part of it, softmax averaged (default: 1; more steadies the scale answer, but each clip sees only its part of a camera move)")
    parser.add_argument("--batch-size", type=int, default=16, help="clips per forward pass (default: 16)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def add_split_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = SplitSettings()
    parser.add_argument("--detector", choices=list(DETECTORS), default=defaults.detector, help="shot detector (default: %(default)s)")
    parser.add_argument("--threshold", type=float, default=defaults.threshold, help="detector sensitivity (default: the detector's own)")
    parser.add_argument(
        "--min-shot-seconds", type=float, default=defaults.min_shot_seconds, help="least time between cuts (default: %(default)s)"
    )
    parser.add_argument("--fades", action="store_true", help="also cut in the middle of fades through black")
    parser.add_argument(
        "--no-long-dissolves", dest="long_dissolves", action="store_false",
        help="hybrid: skip the search for 2-3 s cross-dissolves (4-7%% faster end to end on ad-paced 720p, by CPU; misses most of them)",
    )
    parser.add_argument(
        "--no-jump-cuts", dest="jump_cuts", action="store_false",
        help="hybrid: skip the test for cuts between two takes of one scene (a sudden change over a large part of the frame)",
    )


def analysis_settings(args: argparse.Namespace):
    """The typed settings the library takes, from the parsed options (a command without split options: no cuts)."""
    from ..pipeline import AnalysisSettings

    split = SplitSettings(
        detector=getattr(args, "detector", "none"),
        threshold=getattr(args, "threshold", None),
        min_shot_seconds=getattr(args, "min_shot_seconds", SplitSettings.min_shot_seconds),
        fades=getattr(args, "fades", False),
        long_dissolves=getattr(args, "long_dissolves", SplitSettings.long_dissolves),
        jump_cuts=getattr(args, "jump_cuts", SplitSettings.jump_cuts),
    )
    return AnalysisSettings(split=split, clips_per_shot=args.clips_per_shot, batch_size=args.batch_size)


class ProgressBars:
    """tqdm bars for an analysis: frames decoded and split, then shots classified."""

    def __init__(self, path: Path, quiet: bool):
        self.path, self.quiet = path, quiet
        self.bars = {}

    def __enter__(self):
        return self

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.quiet:
            return
        from tqdm import tqdm

        if stage not in self.bars:
            unit = "frame" if stage == "frames" else "shot"
            self.bars[stage] = tqdm(total=total or None, desc=f"{self.path.name} {stage}", unit=unit, leave=False)
        bar = self.bars[stage]
        bar.update(done - bar.n)

    def __exit__(self, *exc):
        for bar in self.bars.values():
            bar.close()


def report_failure(path, reason: str) -> None:
    """One line on stderr: the file, then what went wrong (or a warning about it)."""
    print(f"shot-model: {path}: {reason}", file=sys.stderr)

