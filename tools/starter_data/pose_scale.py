"""Shot scale read off a person's body landmarks (MediaPipe Pose, `pose_teacher.py`), for any crop window.

The shot scale is how much of the body is in frame (`../shared/LABELING.md`). The teacher finds a person's nose,
shoulders, hips, knees and feet even where the Haar face cascades do not (backs, profiles, small people), so a
class can be read off those levels for any window of the frame. Used by `pose_windows` (labelled fixed windows) and
`composites` (framings that follow a person).
"""

import math
from dataclasses import dataclass

import numpy as np

from shot_model.evaluation.framing import largest_window_height

from .planning import MIN_WINDOW_HEIGHT
from .virtual_camera import Window, window_fits

MIN_VISIBILITY = 0.5
MIN_NOSE_VISIBILITY = 0.2
# Where the frame's bottom edge cuts the body, in nose-to-shoulder drops below the shoulder line: at most this is CS
# (mid-chest), at least this is MS (lower chest to knees); between, no class.
CS_LOWEST_CUT = 1.2
MS_HIGHEST_CUT = 1.5
# On top of one class in every frame, the person may move at most this much from the middle frame (in window heights,
# or as a change of head size): a bigger jump is the teacher switching to another person, not the same person moving.
MAX_NOSE_SHIFT = 0.35
MAX_SIZE_CHANGE = 0.35
# From one frame to the next (about 0.16 s apart) a person's nose moves less than this many nose-to-shoulder drops.
MAX_NOSE_STEP = 2.0
TRIES_PER_STRETCH = 1500
KEEP_PER_CLASS = 6  # framings per class and stretch: many stretches rather than many near-copies of one framing

# MediaPipe Pose landmark indices.
NOSE, LEFT_EYE, RIGHT_EYE = 0, 2, 5
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
    # Under 0.05 the person is too small to be what the window is about (a wide view with someone in a corner).
    return "MS" if bottom <= lowest_medium and head >= 0.05 else None


def window_scale(body: Body | None, window: Window, aspect: float) -> str | None:
    """The class of the person in what the model sees of the window: its full height, and the centred square of it
    (the processor crops the centre square; a window narrower than square is pillarboxed, so its full width shows)."""
    if body is None:
        return None
    half_seen = min(window.h, window.h * aspect) / 2
    return scale_in_window(body, window.cy - window.h / 2, window.cy + window.h / 2, window.cx - half_seen, window.cx + half_seen)


def one_class(bodies: list[Body | None], windows: list[Window], aspect: float) -> str | None:
    """The class every frame gives its window (one window for all, or one per frame), or None if any differs or has none."""
    classes = {window_scale(body, window, aspect) for body, window in zip(bodies, windows)}
    return classes.pop() if len(classes) == 1 and None not in classes else None


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


def same_person(bodies: list[Body | None]) -> bool:
    """Whether the teacher follows one person through the frames: no frame without them, no jump between frames."""
    if any(body is None for body in bodies):
        return False
    return all(
        math.hypot(after.nose_x - before.nose_x, after.nose_y - before.nose_y) <= MAX_NOSE_STEP * before.unit
        and abs(after.unit / before.unit - 1) <= MAX_SIZE_CHANGE
        for before, after in zip(bodies, bodies[1:])
    )


def clear_framings(bodies: list[Body | None], width: int, height: int, aspect: float, rng: np.random.Generator, place) -> list[tuple[str, list[Window]]]:
    """Up to KEEP_PER_CLASS framings per class over a stretch's frames.

    Each try draws a window around the middle frame's person (`draw_window`); `place(window)` turns it into one window
    per frame (or None to skip it), and the framing is kept when every frame gives its window the same class.
    """
    middle = bodies[len(bodies) // 2]
    if middle is None:
        return []
    kept: dict[str, list[list[Window]]] = {}
    for _ in range(TRIES_PER_STRETCH):
        drawn = draw_window(middle, width, height, aspect, rng)
        windows = None if drawn is None else place(drawn)
        label = None if windows is None else one_class(bodies, windows, aspect)
        if label is not None and len(kept.setdefault(label, [])) < KEEP_PER_CLASS:
            kept[label].append(windows)
    return [(label, windows) for label, framings in kept.items() for windows in framings]
