"""Labelling sheets: what two people look at to label a shot's scale and camera movement independently.

    python -m tools.labelling.sheets shots ../shared/media/train/a.mp4 ... --out cache/label-sheets
    python -m tools.labelling.sheets frames ../shared/media/train/a.mp4 40 120 --count 12 --out cache/label-sheets

`shots` splits each video (minimum shot 0.2 s, so short shots get a sheet of their own) and writes, per shot, two
rows of six frames across it, then its first and last frame side by side, large, with a 4x4 guide grid to compare
the background against (for movement, watch the background, not the people); plus `shots.csv` listing them.
`frames` writes COUNT evenly spaced frames of one range, for a closer look at a slow move or a boundary.
"""

import argparse
import csv
from pathlib import Path

import av
import cv2
import numpy as np

from shot_model.output.files import write_atomically
from shot_model.shots import SplitSettings, detect_shots


def video_frames(path: Path) -> list[np.ndarray]:
    """Every frame at full size, BGR (labelling clips are short)."""
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="bgr24") for frame in container.decode(video=0)]


def tile(frame: np.ndarray, height: int, caption: str, grid: bool = False) -> np.ndarray:
    scale = height / frame.shape[0]
    image = cv2.resize(frame, (max(1, round(frame.shape[1] * scale)), height), interpolation=cv2.INTER_AREA)
    if grid:
        rows, columns = image.shape[:2]
        for k in (1, 2, 3):
            cv2.line(image, (columns * k // 4, 0), (columns * k // 4, rows), (0, 255, 255), 1)
            cv2.line(image, (0, rows * k // 4), (columns, rows * k // 4), (0, 255, 255), 1)
    cv2.putText(image, caption, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3)
    cv2.putText(image, caption, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1)
    return np.pad(image, ((2, 2), (2, 2), (0, 0)))


def stack(rows: list[list[np.ndarray]]) -> np.ndarray:
    """Rows of tiles, left-aligned on a black sheet."""
    strips = [np.hstack(row) for row in rows if row]
    width = max(strip.shape[1] for strip in strips)
    return np.vstack([np.pad(strip, ((0, 0), (0, width - strip.shape[1]), (0, 0))) for strip in strips])


def evenly(first: int, last: int, count: int) -> list[int]:
    return sorted({first + round(k * (last - first) / max(1, count - 1)) for k in range(count)})


def write_pages(tiles: list[np.ndarray], out: Path, per_page: int, columns: int = 4) -> int:
    """Tiles on numbered sheets (sheet_000.png, ...) of `per_page` each, `columns` a row; returns how many sheets."""
    for start in range(0, len(tiles), per_page):
        page = tiles[start : start + per_page]
        write_png(out / f"sheet_{start // per_page:03d}.png", stack([page[k : k + columns] for k in range(0, len(page), columns)]))
    return -(-len(tiles) // per_page)


def write_png(path: Path, image: np.ndarray) -> Path:
    encoded, png = cv2.imencode(".png", image)
    if not encoded:
        raise SystemExit(f"could not encode {path} as PNG")
    return write_atomically(path, png.tobytes())


def shot_sheets(videos: list[Path], out: Path) -> list[dict]:
    out.mkdir(parents=True, exist_ok=True)
    listed = []
    for video in videos:
        frames = video_frames(video)
        wide = frames[0].shape[1] / frames[0].shape[0] >= 2
        for shot in detect_shots(video, SplitSettings(min_shot_seconds=0.2)):
            first, last = shot.start_frame, shot.end_frame - 1
            picks = evenly(first, last, 6)
            small = 160 if wide else 200
            sheet = stack([
                [tile(frames[i], small, f"f{i}") for i in picks[:3]],
                [tile(frames[i], small, f"f{i}") for i in picks[3:]],
                [tile(frames[first], 300, f"FIRST f{first}", grid=True), tile(frames[last], 300, f"LAST f{last}", grid=True)],
            ])
            name = f"{video.stem}__shot{shot.index}.png"
            write_png(out / name, sheet)
            listed.append({"sheet": name, "video": video.name, "shot": shot.index, "start_frame": shot.start_frame,
                           "end_frame": shot.end_frame, "frames": shot.num_frames, "seconds": round(shot.duration, 2)})
        print(f"{video}: {listed[-1]['shot'] + 1} shots", flush=True)
    with open(out / "shots.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(listed[0]))
        writer.writeheader()
        writer.writerows(listed)
    return listed


def frame_sheet(video: Path, first: int, end: int, count: int, out: Path) -> Path:
    frames = video_frames(video)
    tiles = [tile(frames[i], 180, f"f{i}", grid=True) for i in evenly(first, min(end, len(frames)) - 1, count)]
    out.mkdir(parents=True, exist_ok=True)
    return write_png(out / f"{video.stem}_{first}_{end}.png", stack([tiles[k : k + 4] for k in range(0, len(tiles), 4)]))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    shots = commands.add_parser("shots", help="a sheet per detected shot, and shots.csv")
    shots.add_argument("videos", nargs="+", type=Path)
    frames = commands.add_parser("frames", help="COUNT evenly spaced frames of frames [FIRST, END) of one video")
    frames.add_argument("video", type=Path)
    frames.add_argument("first", type=int)
    frames.add_argument("end", type=int)
    frames.add_argument("--count", type=int, default=12)
    for command in (shots, frames):
        command.add_argument("--out", type=Path, required=True, help="folder for the sheets")
    args = parser.parse_args(argv)
    if args.command == "shots":
        shot_sheets(args.videos, args.out)
    else:
        print(frame_sheet(args.video, args.first, args.end, args.count, args.out))


if __name__ == "__main__":
    main()
