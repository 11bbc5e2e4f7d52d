"""Shot-scale labels for crop windows from a body-pose teacher, so scale varies within every source with a person.

The shot scale is defined by how much of the body is in frame (`../shared/LABELING.md`). MediaPipe Pose, whose
wheel carries its model (nothing is downloaded), finds a person's nose, shoulders, hips, knees and feet even when
the Haar face cascades do not (backs, profiles, small people). `scale_in_window` reads a class off those points
for any window, and `pose_windows` draws windows over still stretches and keeps those whose class is clear and
stays the same at the stretch's first, middle and last frame. The result is in `data/window_labels.csv`'s format,
so `build --window-labels` cuts clips from it like from the hand-labelled windows.

    python -m data.starter.pose_windows frames --out cache/pose           # still stretches, 3 frames each, as JPEG
    make pose-teacher                                                     # the teacher's environment, once
    cache/pose-venv/bin/python data/starter/pose_teacher.py cache/pose     # landmarks.json
    python -m data.starter.pose_windows windows cache/pose --out cache/pose/pose_windows.csv

`windows` also reports how often the teacher agrees with the hand-labelled windows (their frames are exported too).
"""

import argparse
import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .framing import largest_window_height
from .planning import FRAMES_PER_CLIP, MIN_WINDOW_HEIGHT, clip_aspect
from .source_analysis import cached_analysis
from .sources import DEFAULT_MEDIA_DIR, decode_source, source_shots
from .virtual_camera import Window, window_fits
from .window_labels import DEFAULT_WINDOW_LABELS, FIELDS
from .window_sheets import still_stretches

# Short stretches, many per source: a person holds one framing over 2.5 s far more often than over 4 s, and the
# planner's shortest clips (2 s) still fit inside.
STRETCHES_PER_SOURCE = 12
STRETCH_SECONDS = 2.5
TRIES_PER_STRETCH = 1500
KEEP_PER_CLASS = 6  # windows per class and stretch: many stretches rather than many near-copies of one framing
MIN_VISIBILITY = 0.5
MIN_NOSE_VISIBILITY = 0.2
# Where the frame's bottom edge cuts the body, in nose-to-shoulder drops below the shoulder line: at most this is CS
# (mid-chest), at least this is MS (lower chest to knees); between, no class.
CS_LOWEST_CUT = 1.2
MS_HIGHEST_CUT = 1.5
# Every frame must give the window the same class; on top of that, the person may move at most this much (in window
# heights, or as a change of head size) from the middle frame: a bigger jump is the teacher switching to another
# person, not the same person moving.
MAX_NOSE_SHIFT = 0.35
MAX_SIZE_CHANGE = 0.35

# MediaPipe Pose landmark indices.
NOSE, LEFT_EYE, RIGHT_EYE, MOUTH_LEFT, MOUTH_RIGHT = 0, 2, 5, 9, 10
SHOULDERS, HIPS, KNEES, ANKLES, HEELS, TOES = (11, 12), (23, 24), (25, 26), (27, 28), (29, 30), (31, 32)


@dataclass(frozen=True)
class Body:
    """One upright person's key heights (frame pixels, y down), from pose landmarks.

    The head is measured from the nose-to-shoulder-line drop `unit`: a head (crown to chin) is about 1.1 units,
    with the nose 0.6 of the way down it. Levels that the teacher could not see are None.
    """

    nose_x: float
    nose_y: float
    unit: float
    shoulder_y: float
    hip_y: float | None
    knee_y: float | None
    foot_y: float | None
    face_seen: bool

    @property
    def head_height(self) -> float:
        return 1.1 * self.unit

    @property
    def crown_y(self) -> float:
        return self.nose_y - 0.66 * self.unit

    @property
    def chin_y(self) -> float:
        return self.nose_y + 0.44 * self.unit

    @property
    def chest_y(self) -> float:
        """The lowest cut of a head-and-shoulders framing."""
        return self.shoulder_y + 1.2 * self.unit

    @property
    def waist_y(self) -> float | None:
        return None if self.hip_y is None else self.hip_y - 0.25 * (self.hip_y - self.shoulder_y)


def body_from_landmarks(points: list[list[float]] | None, width: int, height: int) -> Body | None:
    """The Body of MediaPipe's 33 [x, y, visibility] fractions, or None if there is none or it is not upright."""
    if points is None:
        return None
    xy = np.array([[x * width, y * height] for x, y, _ in points])
    visible = np.array([v >= MIN_VISIBILITY for _, _, v in points])
    in_frame = (xy[:, 0] >= 0) & (xy[:, 0] < width) & (xy[:, 1] >= 0) & (xy[:, 1] < height)
    seen = visible & in_frame

    def level(indices) -> float | None:
        """The lowest of these points, if one of them is visible inside the frame."""
        shown = [i for i in indices if seen[i]]
        return float(max(xy[i, 1] for i in shown)) if shown else None

    # From behind, the nose is placed (by the body's shape) but not seen: a weaker visibility still fixes its height.
    if not (points[NOSE][2] >= MIN_NOSE_VISIBILITY and all(visible[i] for i in SHOULDERS)):
        return None
    shoulder_y = float(xy[list(SHOULDERS), 1].mean())
    unit = shoulder_y - xy[NOSE, 1]
    if unit <= 0:
        return None  # lying down or upside down: "waist up" means nothing
    hip_y = float(xy[list(HIPS), 1].mean()) if all(visible[i] for i in HIPS) else None
    knee_y = level(KNEES)
    foot_y = level(ANKLES + HEELS + TOES) if level(ANKLES) is not None else None
    face_seen = bool(seen[LEFT_EYE] or seen[RIGHT_EYE])
    return Body(float(xy[NOSE, 0]), float(xy[NOSE, 1]), float(unit), shoulder_y, hip_y, knee_y, foot_y, face_seen)


def scale_in_window(body: Body, top: float, bottom: float, left: float, right: float) -> str | None:
    """The shot scale of this person seen through the window, or None where the class is not clear.

    By how much of the head fills the frame and the lowest part of the body in it: part of a face (ECS), a face or
    head and shoulders (CS), waist or knees up (MS), the whole body filling about half the height or more (FS), or
    small in the frame (LS). Framings between two classes get None, never a guess. The boundaries were set against
    the 129 windows people labelled (train sources; `../shared/LABELING.md`): they called a face filling the frame
    CS up to about a head as tall as the frame and ECS from about 1.2, CS down to a cut at mid-chest and MS from
    a cut at the lower chest.
    """
    height = bottom - top
    if not (left <= body.nose_x <= right and top <= body.nose_y <= bottom):
        return None  # the person is not framed: the window shows something else
    head = body.head_height / height
    if head >= 1.2:
        return "ECS" if body.face_seen else None  # part of a face: the eyes, or the nose and mouth
    if head >= 1.0 or body.crown_y < top - 0.25 * body.head_height:
        return None  # between a whole face and part of one, or the top of the head cut off
    cut = (bottom - body.shoulder_y) / body.unit  # the lowest part in frame, in nose-to-shoulder drops below the shoulders
    if cut <= CS_LOWEST_CUT:
        return "CS" if head >= 0.2 else None  # under 0.2 the head is a small thing at the bottom of a wider view
    if cut < MS_HIGHEST_CUT:
        return None
    if body.foot_y is not None and bottom >= body.foot_y + 0.02 * height:
        whole = (body.foot_y - body.crown_y) / height
        if whole >= 0.5:
            return "FS"
        return "LS" if whole <= 0.33 else None
    if body.knee_y is not None:
        lowest_medium = body.knee_y + 0.15 * (body.foot_y - body.knee_y) if body.foot_y is not None else body.knee_y
    else:
        lowest_medium = body.hip_y + 0.5 * (body.hip_y - body.shoulder_y) if body.hip_y is not None else body.shoulder_y + 3.5 * body.unit
    return "MS" if bottom <= lowest_medium else None


def window_scale(body: Body | None, window: Window, aspect: float) -> str | None:
    """The class of the person in what the model sees of the window: its full height, and the centred square of it
    (the processor crops the centre square; a window narrower than square is pillarboxed, so its full width shows)."""
    if body is None:
        return None
    half_seen = min(window.h, window.h * aspect) / 2
    return scale_in_window(body, window.cy - window.h / 2, window.cy + window.h / 2, window.cx - half_seen, window.cx + half_seen)


def steady(bodies: list[Body | None], window: Window) -> bool:
    """Whether the person is in every frame at about the same place and size as in the middle one (so one class holds)."""
    if any(body is None for body in bodies):
        return False
    middle = bodies[len(bodies) // 2]
    return all(
        math.hypot(body.nose_x - middle.nose_x, body.nose_y - middle.nose_y) <= MAX_NOSE_SHIFT * window.h
        and abs(body.unit / middle.unit - 1) <= MAX_SIZE_CHANGE
        for body in bodies
    )


def draw_window(body: Body, width: int, height: int, aspect: float, rng: np.random.Generator) -> Window | None:
    """A random window around the person: any size from the smallest allowed to the largest, near the head."""
    largest = largest_window_height(width, height, aspect)
    if largest <= MIN_WINDOW_HEIGHT:
        return None
    window_height = math.exp(rng.uniform(math.log(MIN_WINDOW_HEIGHT), math.log(largest)))
    # Headroom like a camera operator's: the crown a little below the top, or for tight windows the face centred.
    cy = body.crown_y - rng.uniform(0.0, 0.15) * window_height + window_height / 2
    if window_height < body.head_height:
        cy = body.nose_y + rng.normal(0, 0.15) * window_height
    cx = body.nose_x + rng.normal(0, 0.12) * min(window_height, window_height * aspect)  # inside the centre square
    half_w, half_h = window_height * aspect / 2, window_height / 2
    window = Window(float(np.clip(cx, half_w, width - half_w)), float(np.clip(cy, half_h, height - half_h)), float(window_height))
    return window if window_fits(window, aspect, width, height) else None


def pose_windows(stretch: dict, bodies: list[Body | None], rng: np.random.Generator) -> list[tuple[Window, str]]:
    """Up to KEEP_PER_CLASS windows per class over one stretch, each of one clear class in every frame."""
    width, height, aspect = int(stretch["width"]), int(stretch["height"]), float(stretch["aspect"])
    middle = bodies[len(bodies) // 2]
    if middle is None:
        return []
    kept: dict[str, list[Window]] = {}
    for _ in range(TRIES_PER_STRETCH):
        window = draw_window(middle, width, height, aspect, rng)
        if window is None or not steady(bodies, window):
            continue
        classes = {window_scale(body, window, aspect) for body in bodies}
        if len(classes) == 1 and None not in classes:
            label = classes.pop()
            if len(kept.setdefault(label, [])) < KEEP_PER_CLASS:
                kept[label].append(window)
    return [(window, label) for label, windows in kept.items() for window in windows]


def frame_picture(source: str, frame: int) -> str:
    return f"{Path(source).stem}__{frame:06d}.jpg"


def stretch_frames(first: int, last: int, count: int) -> list[int]:
    """`count` source frames evenly spread over [first, last]: the frames a 16-frame clip of the stretch shows."""
    return sorted({int(round(index)) for index in np.linspace(first, last, count)})


def export_frames(out: Path, media_dir: Path, analysis_cache: Path, window_labels: Path) -> None:
    """JPEGs of the frames of each still stretch (all 16 a clip shows; first, middle and last of each hand-labelled
    window's stretch), and stretches.csv listing them."""
    (out / "frames").mkdir(parents=True, exist_ok=True)
    with open(window_labels, newline="") as handle:
        hand = [row for row in csv.DictReader(handle) if row["scale"]]
    rows = []
    for source in source_shots(media_dir):
        analysis = cached_analysis(source, analysis_cache)
        stretches = [(first, last, "pose", stretch_frames(first, last, FRAMES_PER_CLIP))
                     for first, last in still_stretches(analysis, STRETCHES_PER_SOURCE, STRETCH_SECONDS)]
        stretches += [(first, last, "hand", [first, (first + last) // 2, last])
                      for first, last in sorted({(int(row["first"]), int(row["last"])) for row in hand if row["source"] == source.name})]
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
    with open(out / "stretches.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def stretch_bodies(stretch: dict, landmarks: dict) -> list[Body | None]:
    """The person in each exported frame of the stretch (None where the teacher saw nobody upright)."""
    names = [frame_picture(stretch["source"], int(index)) for index in stretch["frames"].split()]
    missing = [name for name in names if name not in landmarks]
    if missing:
        raise ValueError(f"landmarks.json has no entry for {missing[0]}: rerun pose_teacher.py on this folder")
    return [body_from_landmarks(landmarks[name], int(stretch["width"]), int(stretch["height"])) for name in names]


def label_windows(folder: Path, out: Path, window_labels: Path, seed: int) -> None:
    """Write the pose windows (window_labels.csv format) and print the teacher's agreement with the hand labels."""
    landmarks_path = folder / "landmarks.json"
    if not landmarks_path.exists():
        raise SystemExit(f"{landmarks_path} is missing: run cache/pose-venv/bin/python data/starter/pose_teacher.py {folder}")
    landmarks = json.loads(landmarks_path.read_text())
    with open(folder / "stretches.csv", newline="") as handle:
        stretches = list(csv.DictReader(handle))
    rows = []
    for number, stretch in enumerate(s for s in stretches if s["kind"] == "pose"):
        rng = np.random.default_rng([seed, number])
        for index, (window, label) in enumerate(pose_windows(stretch, stretch_bodies(stretch, landmarks), rng)):
            rows.append({"id": f"pose-{number:03d}-{index:02d}", "source": stretch["source"], "first": stretch["first"], "last": stretch["last"],
                         "cx": f"{window.cx:.1f}", "cy": f"{window.cy:.1f}", "h": f"{window.h:.1f}", "aspect": stretch["aspect"],
                         "labeller_a": label, "labeller_b": label, "confidence_a": "pose", "confidence_b": "pose",
                         "notes_a": "MediaPipe Pose teacher (data/starter/pose_windows.py)", "notes_b": "", "scale": label})
    with open(out, "w", newline="") as handle:
        writer = csv.DictWriter(handle, FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    counts = {label: sum(row["scale"] == label for row in rows) for label in ("ECS", "CS", "MS", "FS", "LS")}
    sources = len({row["source"] for row in rows})
    print(f"{out}: {len(rows)} pose windows from {sources} sources ({', '.join(f'{k} {v}' for k, v in counts.items())})")
    report_agreement(stretches, landmarks, window_labels)


def report_agreement(stretches: list[dict], landmarks: dict, window_labels: Path) -> None:
    """How the teacher's class compares with the two labellers' agreed class on the hand-labelled windows."""
    geometry = {(s["source"], s["first"], s["last"]): s for s in stretches if s["kind"] == "hand"}
    with open(window_labels, newline="") as handle:
        hand = [row for row in csv.DictReader(handle) if row["scale"]]
    answered = agreed = 0
    pairs: dict[tuple[str, str], int] = {}
    for row in hand:
        stretch = geometry[(row["source"], row["first"], row["last"])]
        bodies = stretch_bodies(stretch, landmarks)
        window = Window(float(row["cx"]), float(row["cy"]), float(row["h"]))
        classes = {window_scale(body, window, float(row["aspect"])) for body in bodies}
        teacher = classes.pop() if len(classes) == 1 else None
        pairs[(row["scale"], str(teacher))] = pairs.get((row["scale"], str(teacher)), 0) + 1
        if teacher is not None:
            answered += 1
            agreed += teacher == row["scale"]
    print(f"hand-labelled windows: the teacher gives a class for {answered} of {len(hand)} and agrees on {agreed} of those")
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
