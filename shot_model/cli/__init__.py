"""The `shot-model` command: analyze videos into shots, classify single clips, run a resumable batch, or prepare
labelled data for training. One module a command; the library never imports this package.

Exit code 0 when every input succeeded, 1 when any failed (one line per failure on stderr), 2 on bad usage.
Heavy modules (torch, transformers) load only once a command runs, so `--help` and usage errors answer at once.
"""

import argparse
import sys

from . import analyze, batch, classify, prepare


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ..loading import ModelLoadError

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
    for command in (analyze, classify, batch, prepare):
        command.add_parser(commands)
    return parser


if __name__ == "__main__":
    sys.exit(main())
