"""Contact sheets for checking generated clips by eye: first, middle and last frame of each clip, with its labels.

`python -m tools.starter_data.contact_sheet cache/starter-data --count 20 --sheet cache/starter-data/sheet.png`
"""

import argparse
import csv
import random
from pathlib import Path

import av
import cv2
import numpy as np

from shot_model.output.exports import write_atomically


def clip_frames(path: Path) -> list[np.ndarray]:
    """Every frame of a clip, as BGR arrays."""
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="bgr24") for frame in container.decode(video=0)]


def sheet_row(path: Path, caption: str) -> np.ndarray:
    """First | middle | last frame side by side, the model's centre square outlined, the caption underneath."""
    frames = clip_frames(path)
    picks = [frames[0], frames[len(frames) // 2], frames[-1]]
    tiles = []
    for frame in picks:
        tile = frame.copy()
        height, width = tile.shape[:2]
        left = (width - height) // 2
        cv2.rectangle(tile, (left, 0), (left + height - 1, height - 1), (0, 200, 255), 1)
        tiles.append(tile)
    strip = np.hstack([np.pad(tile, ((0, 0), (0, 4), (0, 0))) for tile in tiles])
    text = np.zeros((30, strip.shape[1], 3), np.uint8)
    cv2.putText(text, caption[:110], (3, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.36, (255, 255, 255), 1)
    cv2.putText(text, caption[110:220], (3, 26), cv2.FONT_HERSHEY_SIMPLEX, 0.36, (200, 200, 200), 1)
    return np.vstack([strip, text])


def contact_sheet(out_dir: Path, count: int, seed: int, movement: str | None = None, scale: str | None = None) -> np.ndarray:
    """Rows for `count` random clips of a built set (optionally only one movement or scale class)."""
    with open(out_dir / "labels.csv", newline="") as handle:
        rows = [row for row in csv.DictReader(handle)]
    rows = [row for row in rows if (movement is None or row["movement"] == movement) and (scale is None or row["scale"] == scale)]
    chosen = random.Random(seed).sample(rows, min(count, len(rows)))
    return np.vstack([
        sheet_row(out_dir / row["video"], f"{row['video'][6:]} {row['scale'] or '?'} {row['movement']} | {row['recipe']} | {row['source']}")
        for row in chosen
    ])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="a folder written by tools.starter_data.build")
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--movement", default=None, help="only clips of this movement class")
    parser.add_argument("--scale", default=None, help="only clips of this scale class")
    parser.add_argument("--sheet", type=Path, required=True, help="PNG to write")
    args = parser.parse_args(argv)
    encoded, png = cv2.imencode(".png", contact_sheet(args.out_dir, args.count, args.seed, args.movement, args.scale))
    if not encoded:
        raise SystemExit(f"could not encode the contact sheet as PNG for {args.sheet}")
    write_atomically(args.sheet, png.tobytes())  # a stopped run leaves no half-written sheet
    print(args.sheet)


if __name__ == "__main__":
    main()
