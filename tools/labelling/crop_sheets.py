"""Crop-window sheets: tight framings of real train frames, for labelling shot scale where the footage has few close-ups.

    python -m tools.labelling.crop_sheets windows ../shared/media/train/sam2__04_coffee.mp4 ... --out cache/crop-sheets
    python -m tools.labelling.crop_sheets merge cache/crop-sheets/windows.csv answers_a.csv answers_b.csv --out data/crop_labels.csv

`windows` picks frames spread over each video and, on each, windows of the frame's aspect ratio, 12-45% of its
height, centred where the frame has detail (hands, objects and faces have texture; walls and sky do not), and writes
`windows.csv` and sheets of 16 numbered windows. Two people label every window independently by
`../shared/LABELING.md` into a CSV `id,scale,subject,confidence` (`none` where the window holds nothing to judge
framing by). `merge` appends the windows to the crop labels, `scale` set only where both gave the same class.
"""

import argparse
import csv
import io
from pathlib import Path

import av
import cv2
import numpy as np

from shot_model.output.files import write_atomically

from .sheets import tile, write_pages

HEIGHT_SHARES = (0.12, 0.45)
WINDOWS_PER_SHEET = 16
SHEET_TILE_HEIGHT = 200
WINDOW_FIELDS = ("id", "source", "frame", "x", "y", "w", "h")
LABEL_FIELDS = ("source", "frame", "x", "y", "w", "h", "labeller_a", "labeller_b", "subject_a", "subject_b", "confidence_a", "confidence_b", "scale")
SCALES = ("ECS", "CS", "MS", "FS", "LS")


def spread_frames(path: Path, count: int) -> dict[int, np.ndarray]:
    """`count` frames evenly spread over the video, BGR at full size, by index (only those are kept in memory)."""
    with av.open(str(path)) as container:
        total = sum(1 for packet in container.demux(video=0) if packet.size)  # one packet a frame: counted without decoding
    wanted = {round((k + 0.5) * total / count) for k in range(count)}
    with av.open(str(path)) as container:
        frames = {index: frame.to_ndarray(format="bgr24") for index, frame in enumerate(container.decode(video=0)) if index in wanted}
    if not frames:
        raise SystemExit(f"{path}: no frames decode")
    return frames


def detail_map(frame: np.ndarray) -> np.ndarray:
    """Where the frame has texture: blurred gradient magnitude, as sampling weights over pixels (even on a flat frame)."""
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(np.float32)
    magnitude = cv2.magnitude(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    smooth = cv2.GaussianBlur(magnitude, (0, 0), sigmaX=max(2.0, frame.shape[0] / 40))
    total = smooth.sum()
    return smooth / total if total > 0 else np.full_like(smooth, 1.0 / smooth.size)


def random_windows(frame: np.ndarray, count: int, rng: np.random.Generator) -> list[tuple[int, int, int, int]]:
    """`count` windows (x, y, w, h) of the frame's aspect, inside it, centred on detail."""
    rows, columns = frame.shape[:2]
    weights = detail_map(frame).ravel()
    windows = []
    for centre in rng.choice(weights.size, size=count, p=weights):
        h = round(rows * rng.uniform(*HEIGHT_SHARES))
        w = round(h * columns / rows)
        cy, cx = divmod(int(centre), columns)
        x = int(np.clip(cx - w // 2, 0, columns - w))
        y = int(np.clip(cy - h // 2, 0, rows - h))
        windows.append((x, y, w, h))
    return windows


def write_windows(videos: list[Path], out: Path, frames_per_video: int, windows_per_frame: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    rows, tiles = [], []
    for video in videos:
        for index, frame in spread_frames(video, frames_per_video).items():
            for x, y, w, h in random_windows(frame, windows_per_frame, rng):
                window_id = f"w{len(rows):04d}"
                rows.append({"id": window_id, "source": video.name, "frame": index, "x": x, "y": y, "w": w, "h": h})
                tiles.append(tile(frame[y : y + h, x : x + w], SHEET_TILE_HEIGHT, window_id))
    # Shuffled across videos, so a sheet's neighbours do not pull a label towards one source's.
    order = rng.permutation(len(rows))
    rows, tiles = [rows[i] for i in order], [tiles[i] for i in order]
    sheets = write_pages(tiles, out, WINDOWS_PER_SHEET)
    write_csv(out / "windows.csv", WINDOW_FIELDS, rows)
    print(f"{len(rows)} windows of {len(videos)} videos on {sheets} sheets in {out}")


def write_csv(path: Path, fields: tuple[str, ...], rows: list[dict]) -> None:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)
    write_atomically(path, text.getvalue().encode())


def read_answers(path: Path, ids: set[str]) -> dict[str, dict]:
    """One labeller's answers by id; every id must be answered once, with a known class or `none`."""
    with open(path, newline="", encoding="utf-8-sig") as handle:  # a spreadsheet's byte-order mark is not part of "id"
        rows = list(csv.DictReader(handle))
    if rows and "id" not in rows[0]:
        raise SystemExit(f"{path}: no `id` column; the header must be `id,scale,...`")
    answered = [row["id"].strip() for row in rows]
    repeated = sorted({answer for answer in answered if answered.count(answer) > 1})
    unknown_ids = sorted(set(answered) - ids)
    missing = sorted(ids - set(answered))
    for problem, names in (("answers more than once", repeated), ("answers ids that are not listed", unknown_ids), ("has no answer for", missing)):
        if names:
            raise SystemExit(f"{path} {problem} {len(names)} of them ({', '.join(names[:5])}{' ...' if len(names) > 5 else ''})")
    answers = {row["id"].strip(): row for row in rows}
    unknown = {row["scale"] for row in answers.values()} - {*SCALES, "none"}
    if unknown:
        raise SystemExit(f"{path}: unknown scale answers {sorted(unknown)}; use {', '.join(SCALES)} or none")
    return answers


def merge(windows_csv: Path, answers_a: Path, answers_b: Path, out: Path) -> None:
    """Append the windows with both answers to `out`; `scale` only where both labellers gave the same class."""
    with open(windows_csv, newline="") as handle:
        windows = list(csv.DictReader(handle))
    ids = {window["id"] for window in windows}
    a, b = read_answers(answers_a, ids), read_answers(answers_b, ids)
    with open(out, newline="") as handle:
        existing = list(csv.DictReader(handle))
    place = ("source", "frame", "x", "y", "w", "h")
    known = {tuple(row[key] for key in place) for row in existing}
    again = [window["id"] for window in windows if tuple(window[key] for key in place) in known]
    if again:
        raise SystemExit(f"{out} already holds {len(again)} of these windows ({', '.join(again[:5])} ...): were they merged before?")
    added = []
    for window in windows:
        first, second = a[window["id"]], b[window["id"]]
        agreed = first["scale"] if first["scale"] == second["scale"] and first["scale"] in SCALES else ""
        added.append({**{key: window[key] for key in ("source", "frame", "x", "y", "w", "h")},
                      "labeller_a": first["scale"], "labeller_b": second["scale"], "subject_a": first["subject"],
                      "subject_b": second["subject"], "confidence_a": first["confidence"],
                      "confidence_b": second["confidence"], "scale": agreed})  # fmt: skip
    write_csv(out, LABEL_FIELDS, existing + added)
    same = sum(row["labeller_a"] == row["labeller_b"] for row in added)
    classed = [row for row in added if row["labeller_a"] in SCALES and row["labeller_b"] in SCALES]
    print(f"{len(added)} windows appended to {out}: labellers agree on {same} ({same / len(added):.0%}); "
          f"of the {len(classed)} both gave a class, on {sum(row['scale'] != '' for row in classed)}")  # fmt: skip


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    windows = commands.add_parser("windows", help="pick crop windows and write their sheets")
    windows.add_argument("videos", type=Path, nargs="+")
    windows.add_argument("--out", type=Path, required=True)
    windows.add_argument("--frames", type=int, default=6, help="frames per video")
    windows.add_argument("--windows", type=int, default=4, help="windows per frame")
    windows.add_argument("--seed", type=int, default=0)
    merging = commands.add_parser("merge", help="append two labellers' answers to the crop labels")
    merging.add_argument("windows_csv", type=Path)
    merging.add_argument("answers_a", type=Path)
    merging.add_argument("answers_b", type=Path)
    merging.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[2] / "data" / "crop_labels.csv")
    args = parser.parse_args(argv)
    if args.command == "windows":
        write_windows(args.videos, args.out, args.frames, args.windows, args.seed)
    else:
        merge(args.windows_csv, args.answers_a, args.answers_b, args.out)


if __name__ == "__main__":
    main()
