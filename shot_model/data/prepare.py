"""Labelled shots from every source `train.py` reads: MovieShots, a `video,start,end,scale,movement` CSV, or class
folders, as shot-table rows (`shot-model prepare` is the command).
"""

import json
import re
from collections import Counter
from pathlib import Path

from datasets import DatasetDict

from ..models.shot_videomae.configuration_shot_videomae import MOVEMENT_LABELS, SCALE_LABELS
from .shot_table import MISSING_LABEL, DataFormatError, label_index, read_shot_csv, shot_table

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


def prepare_csv(path: Path) -> list[dict]:
    """Rows of a `video,start,end,scale,movement[,split][,group]` CSV, with the model's class names."""
    return read_shot_csv(path, SCALE_LABELS, MOVEMENT_LABELS)


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
