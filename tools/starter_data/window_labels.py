"""Crop windows whose shot scale two labellers gave independently, as framings the generator may cut clips from.

`python -m tools.starter_data.window_labels CANDIDATES.csv A.csv B.csv --out data/window_labels.csv` merges the
candidates written by `window_sheets` with the two labellers' answers (`id,scale,confidence,notes` each). Every
candidate is kept in the file with both answers; only those where both gave the same class become training
framings (`agreed_windows`), the same rule as for the source shots' hand labels.
"""

import argparse
import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from shot_model.models.shot_videomae.configuration_shot_videomae import SCALE_LABELS

from .virtual_camera import Window

DEFAULT_WINDOW_LABELS = Path(__file__).resolve().parents[2] / "data" / "window_labels.csv"
FIELDS = ("id", "source", "first", "last", "cx", "cy", "h", "aspect", "labeller_a", "labeller_b", "confidence_a", "confidence_b", "notes_a", "notes_b", "scale")
NO_SCALE = "none"  # a labeller's answer when no class applies or the framing changes over the stretch


@dataclass(frozen=True)
class LabelledWindow:
    """A fixed window over source frames [first, last] and the scale class both labellers gave it."""

    id: str
    first: int
    last: int
    window: Window
    scale: str

    def covers(self, first: int, last: int) -> bool:
        """Whether source frames [first, last] lie inside the stretch the labellers saw this window over."""
        return self.first <= first and last <= self.last


def read_answers(path: Path) -> dict[str, dict]:
    """One labeller's answers by window id.

    Raises:
        ValueError: an answer is outside the taxonomy (or `none`), or an id is answered twice.
    """
    answers = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            scale = row["scale"].strip()
            if scale not in SCALE_LABELS and scale != NO_SCALE:
                raise ValueError(f"{path}: window {row['id']} has scale {scale!r}; expected one of {', '.join(SCALE_LABELS)} or {NO_SCALE}")
            if row["id"] in answers:
                raise ValueError(f"{path}: window {row['id']} is answered twice")
            answers[row["id"]] = row
    return answers


def merge(candidates: Path, labeller_a: Path, labeller_b: Path) -> list[dict]:
    """Every candidate with both answers and the agreed scale (empty unless both gave the same class).

    Raises:
        ValueError: a labeller skipped a candidate or answered one that does not exist.
    """
    with open(candidates, newline="") as handle:
        rows = list(csv.DictReader(handle))
    ids = {row["id"] for row in rows}
    answers = {"a": read_answers(labeller_a), "b": read_answers(labeller_b)}
    for who, given in answers.items():
        missing, unknown = ids - set(given), set(given) - ids
        if missing or unknown:
            raise ValueError(f"labeller {who}: {len(missing)} candidates unanswered ({', '.join(sorted(missing)[:5])}), {len(unknown)} unknown ids ({', '.join(sorted(unknown)[:5])})")
    merged = []
    for row in rows:
        a, b = answers["a"][row["id"]], answers["b"][row["id"]]
        agreed = a["scale"].strip() if a["scale"].strip() == b["scale"].strip() and a["scale"].strip() != NO_SCALE else ""
        merged.append({
            **{field: row[field] for field in ("id", "source", "first", "last", "cx", "cy", "h", "aspect")},
            "labeller_a": a["scale"].strip(), "labeller_b": b["scale"].strip(),
            "confidence_a": a["confidence"].strip(), "confidence_b": b["confidence"].strip(),
            "notes_a": a["notes"].strip(), "notes_b": b["notes"].strip(),
            "scale": agreed,
        })
    return merged


def agreed_windows(path: Path = DEFAULT_WINDOW_LABELS) -> dict[str, list[LabelledWindow]]:
    """{source video: windows both labellers gave the same scale class}."""
    windows = defaultdict(list)
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            if row["scale"]:
                window = Window(float(row["cx"]), float(row["cy"]), float(row["h"]))
                windows[row["source"]].append(LabelledWindow(row["id"], int(row["first"]), int(row["last"]), window, row["scale"]))
    return dict(windows)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("candidates", type=Path, help="candidates.csv written by tools.starter_data.window_sheets")
    parser.add_argument("labeller_a", type=Path)
    parser.add_argument("labeller_b", type=Path)
    parser.add_argument("--out", type=Path, default=DEFAULT_WINDOW_LABELS)
    args = parser.parse_args(argv)
    merged = merge(args.candidates, args.labeller_a, args.labeller_b)
    with open(args.out, "w", newline="") as handle:
        writer = csv.DictWriter(handle, FIELDS)
        writer.writeheader()
        writer.writerows(merged)
    agreed = [row["scale"] for row in merged if row["scale"]]
    print(f"{args.out}: {len(merged)} windows, both labellers agree on {len(agreed)} "
          f"({', '.join(f'{label} {agreed.count(label)}' for label in SCALE_LABELS)})")


if __name__ == "__main__":
    main()
