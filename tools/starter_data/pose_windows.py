"""Crop windows labelled with a shot scale by the pose teacher, in `data/window_labels.csv`'s format.

MediaPipe Pose (`pose_teacher.py`, its own environment) gives the body landmarks; `pose_scale` reads a class off
them for any window. Here windows are drawn over short still stretches of every source and kept when their class is
clear and the same in all 16 frames a clip of the stretch shows, so `build --window-labels` can cut clips from them
like from the hand-labelled windows. The frames exported here also feed `composites`.

    python -m tools.starter_data.pose_windows frames --out cache/pose           # still stretches, 16 frames each, as JPEG
    make pose-teacher                                                     # the teacher's environment, once
    cache/pose-venv/bin/python tools/starter_data/pose_teacher.py cache/pose     # landmarks.json and masks/
    python -m tools.starter_data.pose_windows windows cache/pose --out cache/pose/pose_windows.csv

`windows` also reports how often the teacher agrees with the hand-labelled windows (their stretches' first, middle
and last frames are exported too).
"""

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

from shot_model.models.shot_videomae.configuration_shot_videomae import SCALE_LABELS

from .planning import FRAMES_PER_CLIP, clip_aspect, frame_indices
from .pose_scale import Body, body_from_landmarks, clear_framings, one_class, steady
from .source_analysis import cached_analysis
from .sources import DEFAULT_MEDIA_DIR, decode_source, source_shots
from .virtual_camera import Window
from .window_labels import DEFAULT_WINDOW_LABELS, FIELDS, agreed_windows
from .window_sheets import still_stretches

# Short stretches, many per source: a person holds one framing over 2.5 s far more often than over 4 s, and the
# planner's shortest clips (2 s) still fit inside.
POSE_STRETCHES_PER_SOURCE = 12
POSE_STRETCH_SECONDS = 2.5


def pose_windows(stretch: dict, bodies: list[Body | None], rng: np.random.Generator) -> list[tuple[Window, str]]:
    """Up to KEEP_PER_CLASS fixed windows per class over one stretch, each of one clear class in every frame."""

    def fixed(window: Window) -> list[Window] | None:
        return [window] * len(bodies) if steady(bodies, window) else None

    framings = clear_framings(bodies, int(stretch["width"]), int(stretch["height"]), float(stretch["aspect"]), rng, fixed)
    return [(windows[0], label) for label, windows in framings]


def frame_picture(source: str, frame: int) -> str:
    """The file name of a source frame in a teacher folder's frames/ (and, as .png, in masks/)."""
    return f"{Path(source).stem}__{frame:06d}.jpg"


def export_frames(out: Path, media_dir: Path, analysis_cache: Path, window_labels: Path) -> None:
    """JPEGs of the frames of each still stretch (the 16 a clip of it shows; the first, middle and last of each
    hand-labelled window's stretch), and stretches.csv listing them."""
    (out / "frames").mkdir(parents=True, exist_ok=True)
    hand = agreed_windows(window_labels)
    rows = []
    for source in source_shots(media_dir):
        analysis = cached_analysis(source, analysis_cache)
        stretches = [(first, last, "pose", frame_indices(analysis.times, first, last, FRAMES_PER_CLIP))
                     for first, last in still_stretches(analysis, POSE_STRETCHES_PER_SOURCE, POSE_STRETCH_SECONDS)]
        stretches += [(first, last, "hand", [first, (first + last) // 2, last])
                      for first, last in sorted({(labelled.first, labelled.last) for labelled in hand.get(source.name, [])})]
        if not stretches:
            continue
        frames = decode_source(source).frames
        for first, last, kind, indices in stretches:
            for index in indices:
                path = out / "frames" / frame_picture(source.name, index)
                if not path.exists():
                    cv2.imwrite(str(path), frames[index], [cv2.IMWRITE_JPEG_QUALITY, 95])
            rows.append({"source": source.name, "first": first, "last": last, "kind": kind, "frames": " ".join(map(str, indices)),
                         "width": analysis.width, "height": analysis.height, "aspect": f"{clip_aspect(analysis):.4f}"})
        print(f"{source.name}: {len(stretches)} stretches", flush=True)
    if not rows:
        raise SystemExit(f"no still stretch in any source of {media_dir}: nothing to export")
    with open(out / "stretches.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def read_teacher_folder(folder: Path) -> tuple[list[dict], dict]:
    """stretches.csv and landmarks.json of a teacher folder, or a message saying which step to run.

    Raises:
        SystemExit: a file is missing.
    """
    stretches_path, landmarks_path = folder / "stretches.csv", folder / "landmarks.json"
    if not stretches_path.exists():
        raise SystemExit(f"{stretches_path} is missing: run python -m tools.starter_data.pose_windows frames --out {folder}")
    if not landmarks_path.exists():
        raise SystemExit(f"{landmarks_path} is missing: run cache/pose-venv/bin/python tools/starter_data/pose_teacher.py {folder}")
    with open(stretches_path, newline="") as handle:
        stretches = list(csv.DictReader(handle))
    return stretches, json.loads(landmarks_path.read_text())


def stretch_bodies(stretch: dict, landmarks: dict) -> list[Body | None]:
    """The person in each exported frame of the stretch (None where the teacher saw nobody upright)."""
    names = [frame_picture(stretch["source"], int(index)) for index in stretch["frames"].split()]
    missing = [name for name in names if name not in landmarks]
    if missing:
        raise SystemExit(f"landmarks.json has no entry for {missing[0]}: rerun tools/starter_data/pose_teacher.py on this folder")
    return [body_from_landmarks(landmarks[name], int(stretch["width"]), int(stretch["height"])) for name in names]


def class_counts(labels: list[str]) -> str:
    return ", ".join(f"{label} {labels.count(label)}" for label in SCALE_LABELS)


def label_windows(folder: Path, out: Path, window_labels: Path, seed: int) -> None:
    """Write the pose windows (window_labels.csv format) and print the teacher's agreement with the hand labels."""
    stretches, landmarks = read_teacher_folder(folder)
    rows = []
    for number, stretch in enumerate(s for s in stretches if s["kind"] == "pose"):
        rng = np.random.default_rng([seed, number])
        for index, (window, label) in enumerate(pose_windows(stretch, stretch_bodies(stretch, landmarks), rng)):
            rows.append({"id": f"pose-{number:03d}-{index:02d}", "source": stretch["source"], "first": stretch["first"], "last": stretch["last"],
                         "cx": f"{window.cx:.1f}", "cy": f"{window.cy:.1f}", "h": f"{window.h:.1f}", "aspect": stretch["aspect"],
                         "labeller_a": label, "labeller_b": label, "confidence_a": "pose", "confidence_b": "pose",
                         "notes_a": "MediaPipe Pose teacher (tools/starter_data/pose_windows.py)", "notes_b": "", "scale": label})
    with open(out, "w", newline="") as handle:
        writer = csv.DictWriter(handle, FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"{out}: {len(rows)} pose windows from {len({row['source'] for row in rows})} sources ({class_counts([row['scale'] for row in rows])})")
    report_agreement(stretches, landmarks, window_labels)


def report_agreement(stretches: list[dict], landmarks: dict, window_labels: Path) -> None:
    """How the teacher's class compares with the two labellers' agreed class on the hand-labelled windows."""
    geometry = {(s["source"], int(s["first"]), int(s["last"])): s for s in stretches if s["kind"] == "hand"}
    answered = agreed = 0
    pairs = Counter()
    for source, labelled_windows in agreed_windows(window_labels).items():
        for labelled in labelled_windows:
            stretch = geometry.get((source, labelled.first, labelled.last))
            if stretch is None:
                raise SystemExit(f"window {labelled.id} of {window_labels} was not exported: rerun `frames` with the same --window-labels")
            bodies = stretch_bodies(stretch, landmarks)
            teacher = one_class(bodies, [labelled.window] * len(bodies), float(stretch["aspect"]))
            pairs[(labelled.scale, str(teacher))] += 1
            if teacher is not None:
                answered += 1
                agreed += teacher == labelled.scale
    print(f"hand-labelled windows: the teacher gives a class for {answered} of {sum(pairs.values())} and agrees on {agreed} of those")
    print("  (people's class, teacher's class): " + ", ".join(f"{k[0]}/{k[1]} {v}" for k, v in sorted(pairs.items())))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    frames = commands.add_parser("frames", help="export the stretches' frames for the teacher")
    frames.add_argument("--out", type=Path, required=True)
    frames.add_argument("--media-dir", type=Path, default=DEFAULT_MEDIA_DIR)
    frames.add_argument("--analysis-cache", type=Path, default=Path("cache/starter-analysis"))
    windows = commands.add_parser("windows", help="draw labelled windows from the teacher's landmarks")
    windows.add_argument("folder", type=Path)
    windows.add_argument("--out", type=Path, required=True)
    windows.add_argument("--seed", type=int, default=0)
    for command in (frames, windows):
        command.add_argument("--window-labels", type=Path, default=DEFAULT_WINDOW_LABELS)
    args = parser.parse_args(argv)
    if args.command == "frames":
        export_frames(args.out, args.media_dir, args.analysis_cache, args.window_labels)
    else:
        label_windows(args.folder, args.out, args.window_labels, args.seed)


if __name__ == "__main__":
    main()
