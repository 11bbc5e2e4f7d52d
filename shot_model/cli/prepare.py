"""`shot-model prepare`: labelled shots from MovieShots, a `video,start,end,scale,movement` CSV, or class folders,
into a `datasets` DatasetDict (train/val/test) for `train.py`, with what was left out and why.

    shot-model prepare movieshots --annotations v1_split_trailer.json --clips movieshots/clips --out cache/movieshots
    shot-model prepare csv my_trailers.csv --out cache/my-trailers
    shot-model prepare folders my_clips/ --out cache/my-clips
"""

import argparse
import json
import sys
from pathlib import Path


def add_parser(commands) -> None:
    parser = commands.add_parser("prepare", help="labelled shots (MovieShots, a CSV, class folders) into a dataset for train.py")
    sources = parser.add_subparsers(dest="source", required=True)
    movieshots = sources.add_parser("movieshots", help="MovieShots annotations + per-shot clips")
    movieshots.add_argument("--annotations", type=Path, required=True, help="v1_split_trailer.json")
    movieshots.add_argument("--clips", type=Path, required=True, help="folder of {trailer}/shot_{id}.mp4 or {trailer}_shot_{id}.mp4")
    table = sources.add_parser("csv", help="a video,start,end,scale,movement[,split] CSV pointing into your videos")
    table.add_argument("csv", type=Path)
    folders = sources.add_parser("folders", help="ROOT/scale/<CLASS>/*.mp4 and ROOT/movement/<CLASS>/*.mp4")
    folders.add_argument("root", type=Path)
    for command in (table, folders):
        command.add_argument("--val", type=float, default=0.1, help="fraction of videos for validation (default: %(default)s)")
        command.add_argument("--test", type=float, default=0.1, help="fraction of videos for test (default: %(default)s)")
        command.add_argument("--seed", type=int, default=0)
    for command in (movieshots, table, folders):
        command.add_argument("--out", type=Path, required=True, help="where to save the DatasetDict")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..data.prepare import describe, prepare_csv, prepare_folders, prepare_movieshots
    from ..data.shot_table import DataFormatError, split_by_video

    try:
        report = {}
        if args.source == "movieshots":
            dataset, report = prepare_movieshots(args.annotations, args.clips)
        elif args.source == "csv":
            dataset = split_by_video(prepare_csv(args.csv), args.val, args.test, args.seed)
        else:
            dataset = split_by_video(prepare_folders(args.root), args.val, args.test, args.seed)
    except (DataFormatError, OSError) as error:
        print(f"shot-model prepare: {error}", file=sys.stderr)
        return 1
    dataset.save_to_disk(str(args.out))
    print(json.dumps({**report, "classes": describe(dataset), "saved_to": str(args.out)}, indent=2))
    return 0
