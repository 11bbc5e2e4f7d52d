"""The shot table: one labelled shot a row (a video file, an optional start/end inside it, a scale and/or movement
label), read from CSV and split into train/val/test. Every data source is prepared into it.
"""

import csv
import os
import random
from pathlib import Path

# The label of a head a shot has no answer for; the model's losses ignore it (cross-entropy's ignore_index).
MISSING_LABEL = -100
# One shot per row. `start`/`end` are seconds, or frames when `unit` is "frames"; -1 means the file's own edge.
SHOT_COLUMNS = {"video": "string", "start": "float64", "end": "float64", "unit": "string", "scale": "int64", "movement": "int64"}


def shot_features():
    """The `datasets` Features of a shot table (datasets is imported only when a table is built)."""
    from datasets import Features, Value

    return Features({name: Value(kind) for name, kind in SHOT_COLUMNS.items()})


def shot_table(rows: list[dict]):
    """A `datasets.Dataset` of shot rows with the standard features; empty splits included."""
    from datasets import Dataset

    return Dataset.from_dict({name: [row[name] for row in rows] for name in SHOT_COLUMNS}, features=shot_features())


class DataFormatError(ValueError):
    """A label file or folder that does not follow the documented format; the message says where and how."""


def label_index(labels: list[str], name: str | None, head: str, where: str) -> int:
    """The class index of a label name (MISSING_LABEL for an empty one); a clear error for an unknown name."""
    name = (name or "").strip()
    if not name:
        return MISSING_LABEL
    if name not in labels:
        raise DataFormatError(f"{where}: unknown {head} label {name!r}; expected one of {', '.join(labels)} or empty")
    return labels.index(name)


def parse_time(text: str | None, where: str) -> tuple[float, str]:
    """`12.5` or `12.5s` -> seconds; `300f` -> frame 300; empty -> -1 (the edge of the file)."""
    text = (text or "").strip().lower()
    if not text:
        return -1.0, ""
    try:
        if text.endswith("f"):
            return float(int(text[:-1])), "frames"
        return float(text.removesuffix("s")), "seconds"
    except ValueError:
        raise DataFormatError(f"{where}: cannot read the time {text!r}: write seconds (12.5) or frames (300f)") from None


def read_shot_csv(path: str | os.PathLike, scale_labels, movement_labels, labelled: bool = True) -> list[dict]:
    """Rows of a `video,start,end,scale,movement[,split][,group]` CSV as table rows; video paths are relative to the
    CSV. `group` names shots that must stay in one split (e.g. clips cut from the same source); it defaults to
    the video. With `labelled=False` (footage for self-supervised pretraining) only `video` is required and rows
    may have no label.

    Raises:
        DataFormatError: a missing column, an unknown label, an unreadable time, or a labelled row with neither label.
    """
    path = Path(path)
    rows = []
    with open(path, newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        required = {"video", "start", "end", "scale", "movement"} if labelled else {"video"}
        missing = required - set(reader.fieldnames or [])
        if missing:
            header = "video,start,end,scale,movement" if labelled else "video[,start,end]"
            raise DataFormatError(f"{path}: missing column(s) {', '.join(sorted(missing))}; the header must be {header}")
        for line_number, line in enumerate(reader, start=2):
            where = f"{path}:{line_number}"
            start, start_unit = parse_time(line.get("start"), where)
            end, end_unit = parse_time(line.get("end"), where)
            if start_unit and end_unit and start_unit != end_unit:
                raise DataFormatError(f"{where}: start and end must use the same unit (both seconds or both frames)")
            if start >= 0 and end >= 0 and end <= start:
                raise DataFormatError(f"{where}: end ({line['end']}) must come after start ({line['start']})")
            row = {
                "video": str((path.parent / line["video"].strip()).resolve()),
                "start": start,
                "end": end,
                "unit": start_unit or end_unit or "seconds",
                "scale": label_index(scale_labels, line.get("scale"), "scale", where),
                "movement": label_index(movement_labels, line.get("movement"), "movement", where),
            }
            if labelled and row["scale"] == MISSING_LABEL and row["movement"] == MISSING_LABEL:
                raise DataFormatError(f"{where}: the row has neither a scale nor a movement label")
            row["split"] = (line.get("split") or "").strip()
            row["group"] = (line.get("group") or "").strip() or row["video"]
            rows.append(row)
    return rows


def split_by_video(rows: list[dict], val_fraction: float, test_fraction: float, seed: int):
    """A DatasetDict of train/val/test, honouring a row's `split` where given, else assigning whole groups.

    A group (a row's `group`, else its video) never straddles two splits, so validation is honest.
    """
    from datasets import DatasetDict

    groups = sorted({row.get("group") or row["video"] for row in rows if not row.get("split")})
    random.Random(seed).shuffle(groups)
    num_val, num_test = round(len(groups) * val_fraction), round(len(groups) * test_fraction)
    assigned = {group: "val" for group in groups[:num_val]}
    assigned.update({group: "test" for group in groups[num_val : num_val + num_test]})
    splits = {"train": [], "val": [], "test": []}
    for row in rows:
        split = row.get("split") or assigned.get(row.get("group") or row["video"], "train")
        if split not in splits:
            raise DataFormatError(f"Unknown split {split!r} for {row['video']}: use train, val or test")
        splits[split].append(row)
    return DatasetDict({name: shot_table(items) for name, items in splits.items()})
