"""The trailer-like benchmark video with known cuts (30 stretches of the shared train clips, generated pans and zooms,
a fade through black and a dissolve), cached under cache/bench/, never committed. Its generator is
bench/transitions_montage.py's `build_trailer`; this name stays for the benchmarks that import it.

    python bench/montage.py --height 720      # -> cache/bench/montage-720p.mp4 and .transitions.tsv

The ground truth has the shared boundaries file's columns: type (cut, fade, dissolve), start_frame, end_frame
(for a cut both are the first frame of the new shot).
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from transitions_montage import build_trailer as build  # noqa: E402

__all__ = ["build"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--height", type=int, default=720, choices=[360, 720, 1080])
    args = parser.parse_args()
    print(*build(args.height))


if __name__ == "__main__":
    main()
