"""Virtual shots whose scale is set by a real person pasted, at a chosen size, onto another source's still scene.

Over 25 sources a model learns which scene goes with which scale instead of how much of the body is in frame
(98% right on training sources, 7-32% on held-out ones). Here the person and the scene are taken apart: the pose
teacher's segmentation mask cuts a real person (with their own real motion over 16 frames) out of one source, and
they are laid over a still stretch of another source, seen through a fixed window that the teacher's person mask
covers at most 1% of. (MediaPipe Pose finds one person a frame, so other people in a crowd are not masked.) The
class comes from the body, never from the scene:

- ECS, CS, MS (and some FS): a window that follows the person (their nose and size, smoothed), which
  `pose_scale.window_scale` reads as that class in all 16 frames. Following them lets a dancer give close-ups too,
  so every person gives every class their frames allow and no person stands for one class.
- FS and LS: the whole body, scaled to 55-90% (FS) or 12-30% (LS) of the frame height (never enlarged), with the
  feet in the lower part of the frame.

Both sources' cameras hold still and the background window is fixed, so the camera is Static; but the clips carry
no movement label (scale only). With "Static" on them, 2000 composites took the Static share of the data from 30%
to 45%, and a model trained on it called 50 of 57 dev shots Static.

With `--follow-share F` the composites carry movement labels too, Static and Motion in equal numbers by default
(F = 0.5): a share F are **follow shots**, the camera panning across the background while the person stays where
the framing puts them (Motion: LABELING.md lists "follows"), and the rest keep the fixed window (Static). Virtual
pans over still stretches move everything in the picture, subject included; in a real follow shot the subject
holds still in the frame and only the scene behind slides, which the renders never show (docs/benchmarks.md,
section 13: tried in stages 1 and 3, not shipped).

    python -m tools.starter_data.composites cache/pose --out cache/composites --count 2000 --with cache/starter-data-windows/labels.csv

writes OUT/clips/cNNNNNN.mp4 and OUT/labels.csv (with `--with`, that file's rows too, paths made relative to OUT),
so `data.source: cache/composites/labels.csv` trains on both.
"""

import argparse
import csv
import math
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from shot_model.data.synthetic import write_video
from shot_model.evaluation.framing import largest_window_height
from shot_model.evaluation.global_motion import count_corners, motion_gray
from shot_model.models.shot_videomae.configuration_shot_videomae import SCALE_LABELS

from .build import LABEL_COLUMNS
from .planning import FRAMES_PER_CLIP, MIN_MOVE_CORNERS, MIN_WINDOW_HEIGHT
from .pose_scale import Body, clear_framings, same_person
from .pose_windows import class_counts, frame_picture, read_teacher_folder, stretch_bodies
from .realism import degrade, sample_degradation
from .render import CLIP_FPS
from .virtual_camera import EASINGS, OUTPUT_HEIGHT, OUTPUT_WIDTH, CameraMove, Window, reduce_for, render_window, window_fits

ASPECT = OUTPUT_WIDTH / OUTPUT_HEIGHT
# Whole-body height as a share of the frame for pasted whole bodies (LABELING.md: FS fills about half or more; LS is
# small in a wide setting). The gap between them is never generated.
WHOLE_BODY_SHARE = {"FS": (0.55, 0.9), "LS": (0.12, 0.3)}
# Of the FS clips, this share is a pasted whole body; the rest are FS framings (where a source has them).
FS_PASTED = 0.6
BACKGROUND_HEIGHT_SHARE = (0.3, 1.0)  # the background's window, of the largest that fits
BACKGROUND_TRIES = 40  # random windows tried on one background stretch
BACKGROUND_PICKS = 20  # background stretches tried for one composite
# A background window may show this much of a person (the teacher's mask): a scene is rarely quite empty, and a
# second person as large as the pasted one would make the class ambiguous.
MAX_PERSON_IN_BACKGROUND = 0.01
# Follow shots: the background window pans this far (a share of its width, well past the guide's 5% Static line;
# the build's pans travel 10-50%), mostly sideways as a camera following someone walking does.
FOLLOW_TRAVEL = (0.12, 0.4)
FOLLOW_SIDEWAYS_SHARE = 0.7  # the rest go in any direction (tilts, diagonals)
FOLLOW_HEIGHT_SHARE = (0.3, 0.75)  # of the largest window: room for the pan inside the source frame


@dataclass(frozen=True)
class Stretch:
    """A still stretch of a source as the pose teacher saw it: 16 frames, and the person in each (or None)."""

    source: str
    first: int
    last: int
    frames: tuple[int, ...]
    width: int
    height: int
    bodies: tuple[Body | None, ...]
    people_seen: tuple[bool, ...]  # the teacher found a person (upright or not) in this frame, so it has a mask

    @property
    def whole_body(self) -> bool:
        """One person, head to feet, in every frame."""
        return same_person(list(self.bodies)) and all(body.foot_y is not None for body in self.bodies)


def read_stretches(folder: Path) -> list[Stretch]:
    """The teacher's 16-frame stretches (the `pose` kind) in `folder`."""
    rows, landmarks = read_teacher_folder(folder)
    return [Stretch(row["source"], int(row["first"]), int(row["last"]), tuple(int(i) for i in row["frames"].split()),
                    int(row["width"]), int(row["height"]), tuple(stretch_bodies(row, landmarks)),
                    tuple(landmarks[frame_picture(row["source"], int(i))] is not None for i in row["frames"].split()))
            for row in rows if row["kind"] == "pose" and len(row["frames"].split()) == FRAMES_PER_CLIP]


class Pictures:
    """The teacher folder's frames and masks, each read once and kept (about 1.8 GB for the 59 stretches here)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._frames: dict[tuple[str, int], np.ndarray] = {}
        self._masks: dict[tuple[str, int], np.ndarray] = {}
        self._covers: dict[tuple[str, tuple[int, ...]], np.ndarray | None] = {}

    def frame(self, source: str, index: int) -> np.ndarray:
        if (source, index) not in self._frames:
            path = self.folder / "frames" / frame_picture(source, index)
            picture = cv2.imread(str(path))
            if picture is None:
                raise SystemExit(f"{path}: missing; rerun `python -m tools.starter_data.pose_windows frames --out {self.folder}`")
            self._frames[(source, index)] = picture
        return self._frames[(source, index)]

    def mask(self, source: str, index: int) -> np.ndarray:
        """The person's mask, 0..255 (bytes: a float copy of every mask would take 4x the memory)."""
        if (source, index) not in self._masks:
            path = self.folder / "masks" / (Path(frame_picture(source, index)).stem + ".png")
            mask = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
            if mask is None:
                raise SystemExit(f"{path}: missing; rerun tools/starter_data/pose_teacher.py on {self.folder}")
            self._masks[(source, index)] = mask
        return self._masks[(source, index)]

    def person_cover(self, stretch: "Stretch") -> np.ndarray | None:
        """Where the teacher's person is in any of the stretch's frames (the masks' maximum; None if nobody is).

        Worked out once per stretch: a stretch is tried as a background by many composites.
        """
        key = (stretch.source, stretch.frames)
        if key not in self._covers:
            masks = [self.mask(stretch.source, index) for index, seen in zip(stretch.frames, stretch.people_seen) if seen]
            self._covers[key] = np.max(masks, axis=0) if masks else None
        return self._covers[key]


def _nobody_in(covered: np.ndarray | None, window: Window) -> bool:
    """Whether the teacher's person mask (`covered`, or None: nobody) covers at most MAX_PERSON_IN_BACKGROUND of the window."""
    if covered is None:
        return True
    half_w = window.h * ASPECT / 2
    left, top = int(window.cx - half_w), int(window.cy - window.h / 2)
    inside = covered[max(top, 0):int(top + window.h), max(left, 0):int(left + 2 * half_w)]
    return bool(inside.size) and (inside > 127).mean() <= MAX_PERSON_IN_BACKGROUND


def background_window(pictures: Pictures, stretch: Stretch, rng: np.random.Generator) -> Window | None:
    """A random fixed window on the stretch that the teacher's person mask covers at most MAX_PERSON_IN_BACKGROUND of,
    in every frame (None if no such window was found)."""
    largest = largest_window_height(stretch.width, stretch.height, ASPECT)
    covered = pictures.person_cover(stretch)
    for _ in range(BACKGROUND_TRIES):
        height = largest * rng.uniform(*BACKGROUND_HEIGHT_SHARE)
        half_w, half_h = height * ASPECT / 2, height / 2
        window = Window(rng.uniform(half_w, stretch.width - half_w + 1e-6), rng.uniform(half_h, stretch.height - half_h + 1e-6), height)
        if _nobody_in(covered, window):
            return window
    return None


def background_pan(pictures: Pictures, stretch: Stretch, rng: np.random.Generator) -> list[Window] | None:
    """A camera panning across the stretch: one window per frame, eased from a start to an end FOLLOW_TRAVEL of its
    width away, every window inside the frame and free of the teacher's person, and the scene textured enough
    (MIN_MOVE_CORNERS) for the pan to be visible: over a plain wall it would look like a still camera (None if no
    such pan was found)."""
    largest = largest_window_height(stretch.width, stretch.height, ASPECT)
    covered = pictures.person_cover(stretch)
    middle_gray = motion_gray(pictures.frame(stretch.source, stretch.frames[len(stretch.frames) // 2]))
    factor = middle_gray.shape[1] / stretch.width
    for _ in range(BACKGROUND_TRIES):
        height = largest * rng.uniform(*FOLLOW_HEIGHT_SHARE)
        angle = rng.choice([0.0, math.pi]) + rng.uniform(-0.25, 0.25) if rng.random() < FOLLOW_SIDEWAYS_SHARE else rng.uniform(0, 2 * math.pi)
        travel = rng.uniform(*FOLLOW_TRAVEL) * height * ASPECT
        dx, dy = travel * math.cos(angle), travel * math.sin(angle)
        half_w, half_h = height * ASPECT / 2, height / 2
        low_x, high_x = half_w + max(0.0, -dx), stretch.width - half_w - max(0.0, dx)
        low_y, high_y = half_h + max(0.0, -dy), stretch.height - half_h - max(0.0, dy)
        if low_x > high_x or low_y > high_y:
            continue
        # Both ends inside the frame by construction, so every window of the straight path between them is too.
        start = Window(rng.uniform(low_x, high_x), rng.uniform(low_y, high_y), height)
        pan = CameraMove("pan", start, Window(start.cx + dx, start.cy + dy, height), ASPECT, EASINGS[rng.integers(len(EASINGS))])
        windows = pan.windows(len(stretch.frames))
        if not all(_nobody_in(covered, window) for window in windows):
            continue
        middle = windows[len(windows) // 2]
        if count_corners(middle_gray, factor, middle.cx, middle.cy, middle.h, ASPECT) >= MIN_MOVE_CORNERS:
            return windows
    return None


def background_frames(pictures: Pictures, stretch: Stretch, windows: list[Window], flip: bool) -> list[np.ndarray]:
    """The stretch's 16 frames, each through its window: a scene with nobody in it, seen by a still camera (one
    window for all) or a panning one."""
    frames = [render_window(pictures.frame(stretch.source, index), window, ASPECT) for index, window in zip(stretch.frames, windows)]
    return [frame[:, ::-1].copy() if flip else frame for frame in frames]


def smoothed(values: list[float]) -> np.ndarray:
    """A [1, 2, 1] moving average: the teacher's landmarks shake by a few pixels from frame to frame."""
    padded = np.pad(np.asarray(values, dtype=np.float64), 1, mode="edge")
    return (padded[:-2] + 2 * padded[1:-1] + padded[2:]) / 4


def following_framings(stretch: Stretch, rng: np.random.Generator) -> list[tuple[str, list[Window]]]:
    """Framings that follow the person: each keeps them where a random window around the middle frame's body put
    them (offset and height in units of their nose-to-shoulder drop), with one class in every frame."""
    bodies = list(stretch.bodies)
    if not same_person(bodies):
        return []  # nobody in some frame, or the teacher jumped to another person
    nose_x, nose_y, unit = (smoothed([getattr(body, name) for body in bodies]) for name in ("nose_x", "nose_y", "unit"))
    middle = len(bodies) // 2

    def follow(drawn: Window) -> list[Window] | None:
        dx, dy, size = ((drawn.cx - nose_x[middle]) / unit[middle], (drawn.cy - nose_y[middle]) / unit[middle], drawn.h / unit[middle])
        windows = [Window(x + dx * u, y + dy * u, size * u) for x, y, u in zip(nose_x, nose_y, unit)]
        fits = all(window.h >= MIN_WINDOW_HEIGHT and window_fits(window, ASPECT, stretch.width, stretch.height) for window in windows)
        return windows if fits else None

    return clear_framings(bodies, stretch.width, stretch.height, ASPECT, rng, follow)


def framed_person(pictures: Pictures, stretch: Stretch, windows: list[Window]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The person's frames and masks, each seen through its frame's window."""
    frames = [render_window(pictures.frame(stretch.source, index), window, ASPECT) for index, window in zip(stretch.frames, windows)]
    masks = [render_window(pictures.mask(stretch.source, index), window, ASPECT) for index, window in zip(stretch.frames, windows)]
    return frames, masks


def whole_body_height(stretch: Stretch) -> float:
    """Head to feet of the middle frame's person, in source pixels."""
    middle = stretch.bodies[len(stretch.bodies) // 2]
    return middle.foot_y - middle.crown_y


def pasted_whole_body(pictures: Pictures, stretch: Stretch, share: float, rng: np.random.Generator) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The whole person scaled so head-to-feet is `share` of the frame height, near the middle of the frame with the
    feet in its lower part: frames and masks on an empty OUTPUT_WIDTH x OUTPUT_HEIGHT canvas."""
    middle = stretch.bodies[len(stretch.bodies) // 2]
    scale = share * OUTPUT_HEIGHT / whole_body_height(stretch)
    feet_at = rng.uniform(max(0.6, share + 0.04), 0.97) * OUTPUT_HEIGHT
    # Near the middle: the model sees only the centre square (the middle 56% of the width).
    centre_x = rng.uniform(0.35, 0.65) * OUTPUT_WIDTH
    # Source pixel (x, y) lands at scale * (x - nose_x) + centre_x, scale * (y - foot_y) + feet_at.
    transform = np.float32([[scale, 0, centre_x - scale * middle.nose_x], [0, scale, feet_at - scale * middle.foot_y]])
    frames, masks = [], []
    for index in stretch.frames:
        frame, factor = reduce_for(pictures.frame(stretch.source, index), scale)
        mask, _ = reduce_for(pictures.mask(stretch.source, index), scale)
        reduced = transform.copy()
        reduced[:, :2] /= factor
        size = (OUTPUT_WIDTH, OUTPUT_HEIGHT)
        frames.append(cv2.warpAffine(frame, reduced, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT))
        masks.append(cv2.warpAffine(mask, reduced, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0))
    return frames, masks


def blend(people: list[np.ndarray], masks: list[np.ndarray], backgrounds: list[np.ndarray]) -> list[np.ndarray]:
    """Each person frame over its background frame, through its 0..255 mask."""
    blended = []
    for person, mask, background in zip(people, masks, backgrounds):
        alpha = (mask.astype(np.float32) / 255)[:, :, None]
        blended.append((alpha * person + (1 - alpha) * background).round().clip(0, 255).astype(np.uint8))
    return blended


@dataclass(frozen=True)
class Composite:
    """One planned clip: a person (through following `windows`, or pasted whole at `share` of the height) over a
    background stretch seen through `background_windows`, one per frame (all the same for a still camera)."""

    label: str
    person: Stretch
    background: Stretch
    background_windows: list[Window]
    flip: bool
    windows: list[Window] | None  # None: pasted whole body
    share: float | None
    seed: int
    movement: str = ""  # "" (unlabelled), "Static" or "Motion" (a follow shot)

    def describe(self) -> str:
        placed = f"whole body {self.share:.2f} of the height" if self.windows is None else f"following window h={self.windows[len(self.windows) // 2].h:.0f}"
        shot = "follow-shot " if self.movement == "Motion" else ""
        return f"composite {self.label} {shot}{placed} on {self.background.source}[{self.background.first}:{self.background.last + 1}]"


def plan_composites(pictures: Pictures, stretches: list[Stretch], count: int, seed: int, follow_share: float | None = None) -> list[Composite]:
    """`count` composites, the classes in turn; for each, a person source drawn evenly among those that can give the
    class (so no person stands for a class), and a background from another source.

    With `follow_share` every composite has a movement label: that share are follow shots (Motion), the rest
    Static. Without it (None) the plans, random draws included, are exactly those of before follow shots existed.

    Raises:
        SystemExit: the stretches come from fewer than two sources (no background apart from the person).
    """
    if len({stretch.source for stretch in stretches}) < 2:
        raise SystemExit("composites need stretches from at least two sources (a person and another scene)")
    rng = np.random.default_rng(seed)
    framings: dict[str, dict[str, list]] = {label: {} for label in SCALE_LABELS}
    for number, stretch in enumerate(stretches):
        for label, windows in following_framings(stretch, np.random.default_rng([seed, number])):
            framings[label].setdefault(stretch.source, []).append((stretch, windows))
    # Whole bodies tall enough for each pasted class: a person is never enlarged (a blown-up small person looks
    # like no real shot), so the class's smallest share must fit their size.
    whole: dict[str, dict[str, list[Stretch]]] = {label: {} for label in WHOLE_BODY_SHARE}
    for stretch in stretches:
        for label, (low, _) in WHOLE_BODY_SHARE.items():
            if stretch.whole_body and whole_body_height(stretch) >= low * OUTPUT_HEIGHT:
                whole[label].setdefault(stretch.source, []).append(stretch)

    def pick(by_source: dict[str, list]):
        sources = sorted(by_source)
        options = by_source[sources[rng.integers(len(sources))]]
        return options[rng.integers(len(options))]

    plans = []
    for index in range(count):
        label = SCALE_LABELS[index % len(SCALE_LABELS)]
        if label == "LS" or (label == "FS" and (rng.random() < FS_PASTED or not framings["FS"])):
            low, high = WHOLE_BODY_SHARE[label]
            if not whole[label]:
                continue
            person = pick(whole[label])
            windows, share = None, float(rng.uniform(low, min(high, whole_body_height(person) / OUTPUT_HEIGHT)))
        else:
            if not framings[label]:
                continue
            (person, windows), share = pick(framings[label]), None
        others = [stretch for stretch in stretches if stretch.source != person.source]
        following = follow_share is not None and rng.random() < follow_share
        for _ in range(BACKGROUND_PICKS):
            background = others[rng.integers(len(others))]
            if following:
                background_at = background_pan(pictures, background, rng)
            else:
                fixed = background_window(pictures, background, rng)
                background_at = None if fixed is None else [fixed] * len(background.frames)
            if background_at is not None:
                break
        else:
            continue
        movement = "" if follow_share is None else ("Motion" if following else "Static")
        plans.append(Composite(label, person, background, background_at, bool(rng.random() < 0.5), windows, share, int(rng.integers(2**31)), movement))
    return plans


def render_composite(pictures: Pictures, plan: Composite) -> list[np.ndarray]:
    """The clip's 16 BGR frames: the person over the background, then (for about half the clips) a mild degradation."""
    rng = np.random.default_rng(plan.seed)
    if plan.windows is None:
        person = pasted_whole_body(pictures, plan.person, plan.share, rng)
    else:
        person = framed_person(pictures, plan.person, plan.windows)
    frames = blend(*person, background_frames(pictures, plan.background, plan.background_windows, plan.flip))
    return degrade(frames, sample_degradation(rng), rng)


def write_composites(folder: Path, out: Path, count: int, seed: int, other_labels: Path | None, follow_share: float | None = None) -> None:
    """Plan, render and write `count` composites from the teacher folder, and OUT/labels.csv (plus `other_labels`' rows)."""
    stretches = read_stretches(folder)
    pictures = Pictures(folder)
    plans = plan_composites(pictures, stretches, count, seed, follow_share)
    (out / "clips").mkdir(parents=True, exist_ok=True)
    rows = []
    for index, plan in enumerate(plans):
        relative = f"clips/c{index:06d}.mp4"
        write_video(render_composite(pictures, plan), out / relative, fps=CLIP_FPS)
        rows.append({"video": relative, "start": "", "end": "", "scale": plan.label, "movement": plan.movement,
                     "source": f"{plan.person.source}[{plan.person.first}:{plan.person.last + 1}]", "recipe": plan.describe(),
                     "group": plan.person.source})
        if len(rows) % 250 == 0:
            print(f"{len(rows)} composites", flush=True)
    print(f"{len(rows)} composites ({class_counts([row['scale'] for row in rows])}) from {len({row['group'] for row in rows})} "
          f"people's sources on {len({plan.background.source for plan in plans})} backgrounds' sources")
    if other_labels is not None:
        with open(other_labels, newline="") as handle:
            for row in csv.DictReader(handle):
                rows.append({**row, "video": os.path.relpath(other_labels.parent / row["video"], out)})
    with open(out / "labels.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, LABEL_COLUMNS)  # the build's labels.csv columns, so both train together
        writer.writeheader()
        writer.writerows(rows)
    print(f"{out / 'labels.csv'}: {len(rows)} rows")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the pose teacher's folder (pose_windows frames + pose_teacher.py)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--with", dest="other_labels", type=Path, help="another labels.csv to include (e.g. the build's)")
    parser.add_argument("--follow-share", type=float, default=None,
                        help="give every composite a movement label: this share are follow shots (Motion), the rest Static")
    args = parser.parse_args(argv)
    if args.follow_share is not None and not 0 <= args.follow_share <= 1:
        parser.error(f"--follow-share must be between 0 and 1, got {args.follow_share}")
    write_composites(args.folder, args.out, args.count, args.seed, args.other_labels, args.follow_share)


if __name__ == "__main__":
    main()
