"""A second labelling pass over the film stills on the close-up/medium border, where one labeller's first pass and
the shot labellers' practice part ways (a chest-up "medium close-up": the shot labellers call it CS).

    python -m tools.labelling.still_sheets sheets --out cache/still-sheets
    python -m tools.labelling.still_sheets merge cache/still-sheets/stills.csv answers_a.csv answers_b.csv

`sheets` picks the people stills whose source class or first-pass label sits on that border (HOHA's MCU, HOHA's and
CinemaNet's CU called MS, CinemaNet's Medium called CS or MS) and writes `stills.csv` and sheets of 16 numbered
stills. Two people label each independently (`id,scale,confidence`) with the border made precise in their brief
(data/README.md). `merge` writes both answers to `data/stills_border_labels.csv` and sets each still's scale in
`data/stills_labels.csv` to the majority of the three answers (the first pass and the two new ones); a still all
three answer differently gets no scale, so it is left out of training.
"""

import argparse
import csv
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

from .crop_sheets import SCALES, read_answers, write_csv
from .sheets import tile, write_pages

REPO = Path(__file__).resolve().parents[2]
STILLS = REPO.parent / "shared" / "stills"
STILLS_LABELS = REPO / "data" / "stills_labels.csv"
BORDER_LABELS = REPO / "data" / "stills_border_labels.csv"
STILLS_PER_SHEET = 16
SHEET_TILE_HEIGHT = 180
BORDER_FIELDS = ("image", "first_pass", "labeller_a", "labeller_b", "confidence_a", "confidence_b", "scale")


def on_the_border(row: dict) -> bool:
    """A people still whose source class or first-pass label sits on the close-up/medium border."""
    if row["subject"] != "person":
        return False
    source, label, scale = row["source"], row["source_label"], row["scale"]
    return (
        (source == "hoha" and label == "MCU")
        or (label == "CU" and scale == "MS")
        or (source == "cinemanet" and label == "Medium" and scale in ("CS", "MS"))
    )


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def first_pass_rows(stills_labels: Path = STILLS_LABELS, border_labels: Path = BORDER_LABELS) -> list[dict]:
    """The stills' rows with their first-pass scales: once a pass is merged, its record holds what they were."""
    rows = read_rows(stills_labels)
    if border_labels.exists():
        first = {row["image"]: row["first_pass"] for row in read_rows(border_labels)}
        rows = [{**row, "scale": first.get(row["image"], row["scale"])} for row in rows]
    return rows


def write_sheets(out: Path, seed: int) -> None:
    rows = [row for row in first_pass_rows() if on_the_border(row)]
    # Shuffled, so neighbours on a sheet do not share a source class that might pull the labels.
    rows = [rows[index] for index in np.random.default_rng(seed).permutation(len(rows))]
    out.mkdir(parents=True, exist_ok=True)
    listed = [{"id": f"s{index:03d}", "image": row["image"]} for index, row in enumerate(rows)]
    tiles = []
    for still in listed:
        image = cv2.imread(str(STILLS / still["image"]))
        if image is None:
            raise SystemExit(f"{STILLS / still['image']}: not a readable image")
        tiles.append(tile(image, SHEET_TILE_HEIGHT, still["id"]))
    sheets = write_pages(tiles, out, STILLS_PER_SHEET)
    write_csv(out / "stills.csv", ("id", "image"), listed)
    print(f"{len(listed)} stills on {sheets} sheets in {out}")


def majority(answers: list[str]) -> str:
    """The class at least two of the three answers give, else none ('')."""
    counts = Counter(answer for answer in answers if answer in SCALES)
    label, count = counts.most_common(1)[0] if counts else ("", 0)
    return label if count >= 2 else ""


def merge(listing: Path, answers_a: Path, answers_b: Path, stills_labels: Path = STILLS_LABELS, border_labels: Path = BORDER_LABELS) -> None:
    if border_labels.exists():
        raise SystemExit(f"{border_labels} exists: this pass has been merged into {stills_labels} already")
    listed = read_rows(listing)
    a, b = (read_answers(path, {still["id"] for still in listed}) for path in (answers_a, answers_b))
    stills = read_rows(stills_labels)
    by_image = {row["image"]: row for row in stills}
    border = []
    for still in listed:
        row, first, second = by_image[still["image"]], a[still["id"]], b[still["id"]]
        scale = majority([row["scale"], first["scale"], second["scale"]])
        border.append({"image": still["image"], "first_pass": row["scale"], "labeller_a": first["scale"], "labeller_b": second["scale"],
                       "confidence_a": first["confidence"], "confidence_b": second["confidence"], "scale": scale})  # fmt: skip
        row["scale"] = scale
    # The record first: should writing the stills' labels fail, it says what they were, and a rerun is refused.
    write_csv(border_labels, BORDER_FIELDS, border)
    write_csv(stills_labels, tuple(stills[0].keys()), stills)
    agree = sum(row["labeller_a"] == row["labeller_b"] for row in border)
    changed = Counter((row["first_pass"], row["scale"] or "dropped") for row in border if row["scale"] != row["first_pass"])
    print(f"{len(border)} stills: the two new labellers agree on {agree} ({agree / len(border):.0%}); changed from the first pass: "
          + ", ".join(f"{old} -> {new} {count}" for (old, new), count in changed.most_common()))  # fmt: skip


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sheets = commands.add_parser("sheets", help="pick the border stills and write their sheets")
    sheets.add_argument("--out", type=Path, required=True)
    sheets.add_argument("--seed", type=int, default=3)
    merging = commands.add_parser("merge", help="record both answers and set each still's scale to the majority of three")
    merging.add_argument("listing", type=Path, help="stills.csv written by `sheets`")
    merging.add_argument("answers_a", type=Path)
    merging.add_argument("answers_b", type=Path)
    args = parser.parse_args(argv)
    write_sheets(args.out, args.seed) if args.command == "sheets" else merge(args.listing, args.answers_a, args.answers_b)


if __name__ == "__main__":
    main()
