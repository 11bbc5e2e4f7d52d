"""Prepare labelled shots for `train.py`: MovieShots, a `video,start,end,scale,movement` CSV, or class folders.

Each command writes a `datasets` DatasetDict (train/val/test) of shot rows to --out and prints what it found,
including what it had to leave out and why.

    python -m data.prepare movieshots --annotations v1_split_trailer.json --clips movieshots/clips --out cache/movieshots
    python -m data.prepare csv my_trailers.csv --out cache/my-trailers
    python -m data.prepare folders my_clips/ --out cache/my-clips
"""

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

from datasets import DatasetDict

from shot_model.configuration_shot_videomae import MOVEMENT_LABELS, SCALE_LABELS
from shot_model.shot_dataset import MISSING_LABEL, DataFormatError, label_index, read_shot_csv, shot_table, split_by_video

VIDEO_SUFFIXES = {".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v"}
# MovieShots' numeric values, as its annotation files define them; Multi_movement folds into Motion.
MOVIESHOTS_SCALE = {0: "ECS", 1: "CS", 2: "MS", 3: "FS", 4: "LS"}
MOVIESHOTS_MOVEMENT = {0: "Motion", 1: "Push", 2: "Pull", 3: "Motion", 4: "Static"}
MOVIESHOTS_CLIP_NAME = re.compile(r"^(?P<trailer>.+?)(?:/|_)shot_(?P<shot>\d+)$")


def movieshots_clip_index(clips_dir: Path) -> dict[tuple[str, str], Path]:
    """(trailer id, shot id) -> clip file, for both layouts seen in the wild: `{trailer}/shot_{id}.mp4` and
    `{trailer}_shot_{id}.mp4`. Shot ids are compared as numbers, so "14" and "0014" are the same shot."""
    index = {}
    for path in sorted(clips_dir.rglob("*")):
        if path.suffix.lower() not in VIDEO_SUFFIXES:
            continue
        match = MOVIESHOTS_CLIP_NAME.match(path.relative_to(clips_dir).with_suffix("").as_posix())
        if match:
            index[(match["trailer"], str(int(match["shot"])))] = path
    return index


def prepare_movieshots(annotations: Path, clips_dir: Path) -> tuple[DatasetDict, dict]:
    """Rows for every annotated shot that has a clip, in MovieShots' own train/val/test split.

    Returns:
        The DatasetDict and a report: shots per split, annotated shots without a clip, clips without an annotation.
    """
    try:
        document = json.loads(annotations.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise DataFormatError(f"{annotations}: not a readable JSON file ({error})") from error
    splits = {name: document[name] for name in ("train", "val", "test") if name in document}
    if not splits:
        raise DataFormatError(f"{annotations}: expected top-level keys train/val/test (v1_split_trailer.json); found {', '.join(document)[:200]}")
    clips = movieshots_clip_index(clips_dir)
    used, missing_clip, rows_by_split = set(), [], {}
    for split, trailers in splits.items():
        rows = []
        for trailer, shots in trailers.items():
            for shot_id, labels in shots.items():
                key = (trailer, str(int(shot_id)))
                if key not in clips:
                    missing_clip.append(f"{trailer}/{shot_id}")
                    continue
                used.add(key)
                where = f"{annotations}: {split}/{trailer}/{shot_id}"
                rows.append(
                    {
                        "video": str(clips[key].resolve()),
                        "start": -1.0,
                        "end": -1.0,
                        "unit": "seconds",
                        "scale": _movieshots_label(labels, "scale", MOVIESHOTS_SCALE, SCALE_LABELS, where),
                        "movement": _movieshots_label(labels, "movement", MOVIESHOTS_MOVEMENT, MOVEMENT_LABELS, where),
                    }
                )
        rows_by_split[split] = rows
    dataset = DatasetDict({split: shot_table(rows) for split, rows in rows_by_split.items()})
    unannotated = sorted(f"{trailer}/{shot}" for trailer, shot in set(clips) - used)
    report = {
        "shots": {split: len(rows) for split, rows in rows_by_split.items()},
        "annotated_without_clip": len(missing_clip),
        "clips_without_annotation": len(unannotated),
        "examples_without_clip": missing_clip[:10],
        "examples_without_annotation": unannotated[:10],
    }
    return dataset, report


def _movieshots_label(labels: dict, head: str, values: dict, names, where: str) -> int:
    entry = labels.get(head)
    if not entry:
        return MISSING_LABEL
    if entry.get("value") not in values:
        raise DataFormatError(f"{where}: {head} value {entry.get('value')!r} is not one of MovieShots' {sorted(values)}")
    return label_index(list(names), values[entry["value"]], head, where)


def prepare_folders(root: Path) -> list[dict]:
    """Rows from `root/scale/<CLASS>/*.mp4` and `root/movement/<CLASS>/*.mp4`; a file under both gets both labels."""
    rows: dict[str, dict] = {}
    for head, names in (("scale", SCALE_LABELS), ("movement", MOVEMENT_LABELS)):
        head_dir = root / head
        if not head_dir.is_dir():
            continue
        for class_dir in sorted(p for p in head_dir.iterdir() if p.is_dir()):
            index = label_index(list(names), class_dir.name, head, str(class_dir))
            for path in sorted(class_dir.iterdir()):
                if path.suffix.lower() in VIDEO_SUFFIXES:
                    key = str(path.resolve())
                    row = rows.setdefault(path.name, {"video": key, "start": -1.0, "end": -1.0, "unit": "seconds", "scale": MISSING_LABEL, "movement": MISSING_LABEL, "split": ""})
                    row[head] = index
    if not rows:
        raise DataFormatError(f"{root}: found no videos under {root}/scale/<CLASS>/ or {root}/movement/<CLASS>/")
    return list(rows.values())


def describe(dataset: DatasetDict) -> dict:
    """Shots per split and per class of each head: what a person checks before training."""
    summary = {}
    for split, table in dataset.items():
        summary[split] = {
            "shots": len(table),
            "scale": dict(Counter(SCALE_LABELS[i] if i >= 0 else "(none)" for i in table["scale"])),
            "movement": dict(Counter(MOVEMENT_LABELS[i] if i >= 0 else "(none)" for i in table["movement"])),
        }
    return summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data.prepare", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="source", required=True)
    movieshots = commands.add_parser("movieshots", help="MovieShots annotations + per-shot clips")
    movieshots.add_argument("--annotations", type=Path, required=True, help="v1_split_trailer.json")
    movieshots.add_argument("--clips", type=Path, required=True, help="folder of {trailer}/shot_{id}.mp4 or {trailer}_shot_{id}.mp4")
    table = commands.add_parser("csv", help="a video,start,end,scale,movement[,split] CSV pointing into your videos")
    table.add_argument("csv", type=Path)
    folders = commands.add_parser("folders", help="ROOT/scale/<CLASS>/*.mp4 and ROOT/movement/<CLASS>/*.mp4")
    folders.add_argument("root", type=Path)
    for command in (table, folders):
        command.add_argument("--val", type=float, default=0.1, help="fraction of videos for validation (default: %(default)s)")
        command.add_argument("--test", type=float, default=0.1, help="fraction of videos for test (default: %(default)s)")
        command.add_argument("--seed", type=int, default=0)
    for command in (movieshots, table, folders):
        command.add_argument("--out", type=Path, required=True, help="where to save the DatasetDict")
    args = parser.parse_args(argv)

    try:
        report = {}
        if args.source == "movieshots":
            dataset, report = prepare_movieshots(args.annotations, args.clips)
        elif args.source == "csv":
            dataset = split_by_video(read_shot_csv(args.csv, SCALE_LABELS, MOVEMENT_LABELS), args.val, args.test, args.seed)
        else:
            dataset = split_by_video(prepare_folders(args.root), args.val, args.test, args.seed)
    except (DataFormatError, OSError) as error:
        print(f"data.prepare: {error}", file=sys.stderr)
        return 1
    dataset.save_to_disk(str(args.out))
    print(json.dumps({**report, "classes": describe(dataset), "saved_to": str(args.out)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
