"""Deciding every clip before rendering any: which source and moment, which camera move, which framing, which labels.

Planning is cheap and sequential (so class balance can steer it and a seed fixes it); rendering is parallel.
"""

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from shot_model.evaluation.framing import (
    FACE_RATIO_RANGES,
    LIGHT_CROP,
    MAX_UPSCALE,
    body_box,
    face_position_in_window,
    face_window_centre,
    is_light_crop,
    largest_window_height,
)
from shot_model.evaluation.global_motion import PathSummary, movement_from_motion
from shot_model.evaluation.subjects import Box

from .realism import Degradation, sample_degradation
from .source_analysis import FACE_SAMPLES_PER_SECOND, SourceAnalysis
from .virtual_camera import EASINGS, OUTPUT_HEIGHT, CameraMove, Window, random_walk_shake, window_fits
from .window_labels import LabelledWindow

FRAMES_PER_CLIP = 16
MIN_SECONDS, MAX_SECONDS = 2.0, 6.0
# "Still": the real camera's content drifts less than this (fraction of the frame) and zooms less than this.
STILL_SHIFT, STILL_ZOOM = 0.02, 0.02
# Below this share of measured frame pairs, a path is not trusted either way.
MIN_RELIABLE = 0.7
# The most real drift (in window units, see `residual_drift`) a virtual shot may carry on top of its own move:
# a Static shot must look still, and a pan must not be cancelled out by a drift the other way.
RESIDUAL_DRIFT = {"Static": 0.04, "Motion": 0.03, "Push": 0.05, "Pull": 0.05}
# Corners a moving window must show (at ~112 lines, see `count_corners`) for its move to be visible.
MIN_MOVE_CORNERS = 12
MOVEMENT_SHARES = {"Static": 0.3, "Motion": 0.3, "Push": 0.2, "Pull": 0.2}
# Of the moving clips of a source whose real camera clearly moves that way (and that also has still stretches for
# virtual moves), this share shows the real move.
REAL_MOVE_SHARE = 0.35
# Sources whose agreed label is LS get more clips: they are the only way to long shots.
LS_SOURCE_WEIGHT = 2
MIN_WINDOW_HEIGHT = OUTPUT_HEIGHT / MAX_UPSCALE
PUSH_ZOOM = (1.2, 1.8)
PAN_DISTANCE = (0.10, 0.50)  # of the window width, over the shot (the shortest is a build option, `--min-travel`)
HANDHELD_DISTANCE = (0.12, 0.30)  # a handheld drift's; with `--min-travel` its shortest stays 0.02 above a pan's
# Of a source's still clips, this share is taken from stretches with hand-labelled windows (when it has any), so the
# windows' framings (the only scale labels that vary within most sources) are not left to chance.
LABELLED_STRETCH_SHARE = 0.6
# A labelled window is cut at its own size within this ratio, its push or pull zooms at most this much, and its
# pan travels at most this share of its width: the middle of the shot keeps the framing the labellers saw.
WINDOW_SIZE_JITTER = 1.08
WINDOW_PUSH_ZOOM = (1.2, 1.5)
WINDOW_PAN_TRAVEL = 0.3


@dataclass
class ClipPlan:
    """Everything needed to render one clip and write its label row."""

    index: int
    source: str
    first: int  # source frame range [first, last] the shot spans
    last: int
    frame_indices: list[int]  # the FRAMES_PER_CLIP source frames, evenly spaced in time
    move: CameraMove
    scale: str | None
    movement: str
    recipe: str
    degradation: Degradation | None
    seed: int


@dataclass
class SourceSpans:
    """Where in a source the real camera is still, and where it clearly pans / pushes / pulls."""

    still: list[tuple[int, int]]
    moving: dict[str, list[tuple[int, int]]]
    labelled: list[tuple[int, int]] = field(default_factory=list)  # still spans inside a labelled window's stretch


@dataclass(frozen=True)
class Subject:
    """A face followed through a span: its median box and how much it wanders (pixels, and size ratio)."""

    face: Box
    spread_x: float
    spread_y: float
    size_ratio: float


def is_still(analysis: SourceAnalysis, first: int, last: int) -> bool:
    """Whether the real camera holds still over [first, last].

    Where motion cannot be measured (a plain wall, a face filling the frame and masked out) the agreed hand label
    decides: the labellers watched the whole shot.
    """
    path = analysis.path(first, last)
    if path.reliable >= MIN_RELIABLE:
        return path.shift <= STILL_SHIFT and path.max_zoom_change <= STILL_ZOOM
    return analysis.hand_movement == "Static"


def residual_drift(analysis: SourceAnalysis, path: PathSummary, move: CameraMove) -> float:
    """The real camera's drift over the span in units of the move's tightest window (a 2% drift of the frame is 5%
    of a 0.4 crop); 0 where the path could not be measured and the hand label vouches for a still camera."""
    if path.reliable < MIN_RELIABLE:
        return 0.0
    tightest = min(move.start.h, move.end.h)
    return path.shift * max(analysis.width / (tightest * move.aspect), analysis.height / tightest)


def move_visible(analysis: SourceAnalysis, path: PathSummary, move: CameraMove, movement: str, middle_frame: int) -> bool:
    """Whether a virtual shot shows its movement class and nothing else: the real drift under it is small, and a
    moving window has texture to move over in its centre square (no virtual pan across a clear sky)."""
    if residual_drift(analysis, path, move) > RESIDUAL_DRIFT[movement]:
        return False
    if movement == "Static":
        return True
    middle = move.middle
    # Counted in the centre square: that is all the model sees of the window.
    return analysis.corners_in(middle_frame, middle.cx, middle.cy, middle.h, min(1.0, move.aspect)) >= MIN_MOVE_CORNERS


def real_movement(analysis: SourceAnalysis, first: int, last: int) -> str | None:
    """The real camera's move over [first, last] when the measurement is clear and trustworthy, else None.

    The measurement must agree with the labellers: never on sources both called Static (measured "motion" there
    is the subject's), only their class where they agreed on a move, and only Motion where they disagreed (a
    subject walking closer looks like a zoom to a global-motion fit; a pan rarely looks like anything else).
    """
    allowed = {"Static": (), None: ("Motion",)}.get(analysis.hand_movement, (analysis.hand_movement,))
    if not allowed:
        return None
    path = analysis.path(first, last)
    if path.reliable < 0.9:
        return None
    label = movement_from_motion(path, margin=2.0)
    return label if label in allowed else None


def find_spans(analysis: SourceAnalysis, start_step: int = 3) -> SourceSpans:
    """Every span on a grid (starts every `start_step` frames, lengths 2-6 s by 0.5 s) that is still or clearly moving."""
    still, moving = [], {"Motion": [], "Push": [], "Pull": []}
    times = analysis.times
    for range_first, range_end in analysis.clean_ranges:
        for first in range(range_first, range_end, start_step):
            for seconds in np.arange(MIN_SECONDS, MAX_SECONDS + 1e-6, 0.5):
                last = int(np.searchsorted(times, times[first] + seconds))
                if last >= range_end:
                    break
                if is_still(analysis, first, last):
                    still.append((first, last))
                label = real_movement(analysis, first, last)
                if label:
                    moving[label].append((first, last))
    return SourceSpans(still, moving)


def frame_indices(times: np.ndarray, first: int, last: int, count: int = FRAMES_PER_CLIP) -> list[int]:
    """The source frames nearest to `count` instants evenly spaced in time from frame `first` to frame `last`."""
    wanted = np.linspace(times[first], times[last], count)
    indices = np.clip(np.searchsorted(times, wanted), 1, len(times) - 1)
    nearer_before = np.abs(times[indices - 1] - wanted) <= np.abs(times[indices] - wanted)
    chosen = np.where(nearer_before, indices - 1, indices)
    return [int(np.clip(index, first, last)) for index in chosen]


def subjects_in(analysis: SourceAnalysis, first: int, last: int) -> list[Subject]:
    """Faces seen in at least 40% of the detection samples of [first, last] (and at least 3 times)."""
    expected = (analysis.times[last] - analysis.times[first]) * FACE_SAMPLES_PER_SECOND + 1
    subjects = []
    for track in analysis.face_tracks:
        boxes = track.within(first, last)
        if len(boxes) < max(3, 0.4 * expected):
            continue
        xs, ys, hs = (np.array([getattr(box, name) for box in boxes]) for name in ("cx", "cy", "h"))
        face = Box(float(np.median(xs)), float(np.median(ys)), float(np.median(hs)), float(np.median(hs)), "face")
        subjects.append(Subject(face, float(np.ptp(xs)), float(np.ptp(ys)), float(hs.max() / hs.min())))
    return subjects


class ClipPlanner:
    """Plans clips one at a time, keeping count of the scale classes so far to steer towards balance."""

    def __init__(self, analyses: list[SourceAnalysis], seed: int, windows: dict[str, list[LabelledWindow]] | None = None, min_travel: float = PAN_DISTANCE[0]):
        if not 0.0 < min_travel < PAN_DISTANCE[1]:
            raise ValueError(f"min_travel must be between 0 and {PAN_DISTANCE[1]} of the window width, got {min_travel}")
        self.min_travel = min_travel
        self.analyses = {analysis.name: analysis for analysis in analyses}
        self.windows = windows or {}
        self.spans = {analysis.name: find_spans(analysis) for analysis in analyses}
        for name, spans in self.spans.items():
            windows = self.windows.get(name, [])
            spans.labelled = [(first, last) for first, last in spans.still if any(window.covers(first, last) for window in windows)]
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.scale_counts: Counter = Counter()

    def plan(self, count: int) -> list[ClipPlan]:
        """`count` clips: movements in MOVEMENT_SHARES proportions, sources taken in turn (LS ones more often)."""
        movements = [label for label, share in MOVEMENT_SHARES.items() for _ in range(round(share * count))]
        movements = (movements + ["Static"] * count)[:count]
        self.rng.shuffle(movements)
        names = sorted(self.analyses)
        turns = [name for name in names for _ in range(LS_SOURCE_WEIGHT if self.analyses[name].hand_scale == "LS" else 1)]
        plans = []
        for index, movement in enumerate(movements):
            if index % len(turns) == 0:
                self.rng.shuffle(turns)
            start = index % len(turns)
            for attempt in range(len(turns)):
                plan = self._plan_clip(index, turns[(start + attempt) % len(turns)], movement)
                if plan is not None:
                    break
            else:
                raise RuntimeError(f"No source can give a {movement} clip: check the sources and their analysis")
            self.scale_counts[plan.scale] += 1
            plans.append(plan)
        return plans

    def _plan_clip(self, index: int, name: str, movement: str) -> ClipPlan | None:
        analysis, spans = self.analyses[name], self.spans[name]
        # A source with no still stretch can only give its real moves: take them whenever it is its turn.
        real_share = REAL_MOVE_SHARE if spans.still else 1.0
        if movement != "Static" and spans.moving[movement] and self.rng.random() < real_share:
            first, last = spans.moving[movement][self.rng.integers(len(spans.moving[movement]))]
            made = self._real_move_clip(analysis, first, last, movement)
        elif spans.still:
            pool = spans.labelled if spans.labelled and self.rng.random() < LABELLED_STRETCH_SHARE else spans.still
            first, last = pool[self.rng.integers(len(pool))]
            made = self._virtual_clip(analysis, first, last, movement)
        else:
            return None
        if made is None:
            return None
        move, scale, recipe = made
        clip_seed = int(self.rng.integers(2**31))
        degradation = sample_degradation(np.random.default_rng(clip_seed))
        if degradation is not None:
            recipe += f" aug={degradation.describe()}"
        return ClipPlan(
            index=index,
            source=name,
            first=first,
            last=last,
            frame_indices=frame_indices(analysis.times, first, last),
            move=move,
            scale=scale,
            movement=movement,
            recipe=recipe,
            degradation=degradation,
            seed=clip_seed,
        )

    def _real_move_clip(self, analysis: SourceAnalysis, first: int, last: int, movement: str):
        """The real camera's move seen through a plain, fixed, light crop: the hand scale label still holds."""
        aspect = clip_aspect(analysis)
        largest = largest_window_height(analysis.width, analysis.height, aspect)
        height = largest * self.rng.uniform(0.9, 1.0)
        window = self._random_placement(analysis, height, aspect)
        move = CameraMove("static", window, window, aspect)
        scale = analysis.hand_scale if is_light_crop(height, aspect, analysis.width, analysis.height) else None
        path = analysis.path(first, last)
        recipe = f"real {movement.lower()} (measured shift={path.shift:.2f} zoom={path.zoom:.2f}) plain crop {height / largest:.2f}"
        return move, scale, recipe + (f" hand-label {scale}" if scale else "")

    def _virtual_clip(self, analysis: SourceAnalysis, first: int, last: int, movement: str):
        """A virtual camera move over a still stretch, framed for a scale class chosen to even out the counts."""
        aspect = clip_aspect(analysis)
        subjects = subjects_in(analysis, first, last)
        options = []  # (scale, how) pairs to try; how is "face", "hand" or a LabelledWindow
        if subjects:
            options += [(scale, "face") for scale in FACE_RATIO_RANGES]
        if analysis.hand_scale is not None:
            options.append((analysis.hand_scale, "hand"))
        options += [(window.scale, window) for window in self.windows.get(analysis.name, []) if window.covers(first, last)]
        # Classes seen least so far are tried first (a weighted draw without replacement).
        # A light crop leaves room only for short pans: for Motion, face framings (any pan length) go first more often.
        weights = np.array([(0.4 if how == "hand" and movement == "Motion" else 1.0) / (self.scale_counts[scale] + 20) for scale, how in options])
        order = self.rng.choice(len(options), len(options), replace=False, p=weights / weights.sum()) if options else []
        path = analysis.path(first, last)
        if movement == "Motion" and path.reliable < 0.5:
            # A pan over a plain backdrop looks exactly like the subject sliding across a locked-off frame
            # (which is Static): nobody, model or labeller, could tell. Such spans only give other moves.
            return None
        for option in order:
            scale, how = options[option]
            for _ in range(3):
                if how == "face":
                    subject = subjects[self.rng.integers(len(subjects))]
                    made = self._face_framed(analysis, subject, scale, movement, aspect)
                elif how == "hand":
                    made = self._light_crop(analysis, movement, aspect, scale)
                else:
                    made = self._labelled_window(analysis, how, movement, aspect)
                if made is not None and move_visible(analysis, path, made[0], movement, (first + last) // 2):
                    return made
        for _ in range(3):
            made = self._unlabelled_crop(analysis, movement, aspect)
            if made is not None and move_visible(analysis, path, made[0], movement, (first + last) // 2):
                return made
        return None

    def _face_framed(self, analysis: SourceAnalysis, subject: Subject, scale: str, movement: str, aspect: float):
        low, high = FACE_RATIO_RANGES[scale]
        face = subject.face
        middle_height = face.h * math.exp(self.rng.uniform(math.log(low), math.log(high)))
        # The subject must stay put enough for the framing to hold through the shot.
        if max(subject.spread_x, subject.spread_y) > 0.3 * middle_height or subject.size_ratio > 1.35:
            return None
        if scale == "FS":
            body = body_box(face)
            if body.top < 0 or body.bottom > analysis.height:
                return None  # the whole body would not be in the source frame
        offset_x = self.rng.uniform(-0.12, 0.12)
        offset_y = self.rng.uniform(-0.15, 0.1) if scale == "ECS" else self.rng.uniform(-0.04, 0.04)

        def centre_for(height: float) -> tuple[float, float]:
            return face_window_centre(face, height, offset_x, offset_y)

        move = self._move(movement, middle_height, centre_for, aspect, analysis)
        if move is None or not framing_holds(move, face, scale):
            return None
        ratio = move.middle.h / face.h
        return move, scale, f"{describe_move(move)} face-framed {scale} ratio={ratio:.2f}"

    def _light_crop(self, analysis: SourceAnalysis, movement: str, aspect: float, scale: str):
        largest = largest_window_height(analysis.width, analysis.height, aspect)
        if not is_light_crop(largest, aspect, analysis.width, analysis.height):
            return None  # even the largest window (e.g. a square out of a portrait frame) changes the framing
        zoom, max_travel = None, None
        if movement in ("Push", "Pull"):
            # The wide end is at most the whole frame and the middle must stay a light crop: zoom <= 1/0.85^2.
            zoom = self.rng.uniform(PUSH_ZOOM[0], 1 / LIGHT_CROP**2)
            middle_height = largest / math.sqrt(zoom) * self.rng.uniform(0.985, 1.0)
        elif movement == "Motion":
            middle_height = largest * self.rng.uniform(LIGHT_CROP, LIGHT_CROP + 0.03)
            # A light crop leaves little room: pan sideways, at most as far as the frame allows.
            max_travel = 0.95 * (analysis.width / (middle_height * aspect) - 1)
        else:
            middle_height = largest * self.rng.uniform(LIGHT_CROP, 1.0)
        if not is_light_crop(middle_height, aspect, analysis.width, analysis.height):
            return None
        target = self._random_placement(analysis, middle_height, aspect)
        move = self._move(movement, middle_height, lambda height: (target.cx, target.cy), aspect, analysis, zoom, max_travel)
        if move is None:
            return None
        return move, scale, f"{describe_move(move)} light crop {move.middle.h / largest:.2f} hand-label {scale}"

    def _labelled_window(self, analysis: SourceAnalysis, labelled: LabelledWindow, movement: str, aspect: float):
        """A move whose middle window is a hand-labelled window, a little resized and shifted: its label holds."""
        window = labelled.window
        middle_height = window.h * math.exp(self.rng.uniform(-1, 1) * math.log(WINDOW_SIZE_JITTER))
        target = (window.cx + self.rng.normal(0, 0.03) * window.h, window.cy + self.rng.normal(0, 0.03) * window.h)
        zoom = math.exp(self.rng.uniform(*np.log(WINDOW_PUSH_ZOOM))) if movement in ("Push", "Pull") else None
        max_travel = WINDOW_PAN_TRAVEL if movement == "Motion" else None
        move = self._move(movement, middle_height, lambda height: target, aspect, analysis, zoom, max_travel)
        if move is None:
            return None
        return move, labelled.scale, f"{describe_move(move)} labelled window {labelled.id} {labelled.scale}"

    def _unlabelled_crop(self, analysis: SourceAnalysis, movement: str, aspect: float):
        """A crop of no known scale (no reliable face, no agreed label, or too tight for the label): movement only."""
        largest = largest_window_height(analysis.width, analysis.height, aspect)
        for _ in range(10):
            middle_height = largest * self.rng.uniform(0.4, 0.8)
            target = self._random_placement(analysis, middle_height, aspect)
            move = self._move(movement, middle_height, lambda height: (target.cx, target.cy), aspect, analysis)
            if move is not None:
                return move, None, f"{describe_move(move)} crop {middle_height / largest:.2f} scale unknown"
        return None

    def _random_placement(self, analysis: SourceAnalysis, height: float, aspect: float) -> Window:
        half_w, half_h = height * aspect / 2, height / 2
        cx = self.rng.uniform(half_w, max(half_w, analysis.width - half_w))
        cy = self.rng.uniform(half_h, max(half_h, analysis.height - half_h))
        return Window(cx, cy, height)

    def _move(self, movement: str, middle_height: float, centre_for, aspect: float, analysis: SourceAnalysis, zoom: float | None = None, max_travel: float | None = None) -> CameraMove | None:
        """A camera move whose middle window is `middle_height` tall and framed by `centre_for(height)`.

        `zoom` fixes a push or pull's total zoom, `max_travel` limits a pan to sideways moves of at most that
        fraction of the window width (both drawn at random otherwise).

        The whole path is slid as a unit into the frame when it pokes out; None when it cannot fit, or would
        need more than MAX_UPSCALE enlargement.
        """
        rng = self.rng
        easing = EASINGS[rng.integers(len(EASINGS))]
        if movement == "Static":
            shake = random_walk_shake(rng, FRAMES_PER_CLIP, rng.uniform(0.0, 0.004)) if rng.random() < 0.5 else []
            window = Window(*centre_for(middle_height), middle_height)
            move = CameraMove("static", window, window, aspect, easing, shake)
        elif movement in ("Push", "Pull"):
            zoom = zoom or math.exp(rng.uniform(math.log(PUSH_ZOOM[0]), math.log(PUSH_ZOOM[1])))
            wide, tight = middle_height * math.sqrt(zoom), middle_height / math.sqrt(zoom)
            wide_window, tight_window = Window(*centre_for(wide), wide), Window(*centre_for(tight), tight)
            start, end = (wide_window, tight_window) if movement == "Push" else (tight_window, wide_window)
            move = CameraMove(movement.lower(), start, end, aspect, easing)
        else:
            if max_travel is not None and max_travel < self.min_travel:
                return None
            move = self._pan(middle_height, centre_for(middle_height), aspect, easing, max_travel)
        move = slid_into_frame(move, analysis.width, analysis.height)
        if move is None or min(move.start.h, move.end.h) < MIN_WINDOW_HEIGHT:
            return None
        return move

    def _pan(self, height: float, centre: tuple[float, float], aspect: float, easing: str, max_travel: float | None = None) -> CameraMove:
        """A pan, tilt or diagonal (eased or linear), or a handheld drift with shake; centred on `centre` mid-shot.

        With `max_travel` (fraction of the window width) the move is sideways and no longer than that.
        """
        rng = self.rng
        width = height * aspect
        handheld = rng.random() < 0.3
        sideways = max_travel is not None
        if handheld:
            shortest = HANDHELD_DISTANCE[0] + (self.min_travel - PAN_DISTANCE[0])  # exactly 0.12 by default
            distance = rng.uniform(shortest, min(HANDHELD_DISTANCE[1], max_travel or HANDHELD_DISTANCE[1])) * width
            angle = (rng.normal(0, 0.1 if sideways else 0.5)) + (math.pi if rng.random() < 0.5 else 0)  # mostly sideways
            easing = "linear"
            shake = random_walk_shake(rng, FRAMES_PER_CLIP, rng.uniform(0.008, 0.02))
        else:
            distance = rng.uniform(self.min_travel, min(PAN_DISTANCE[1], max_travel or PAN_DISTANCE[1])) * width
            kind = "pan" if sideways else rng.choice(["pan", "pan", "tilt", "diagonal"])
            angle = {"pan": 0.0, "tilt": math.pi / 2, "diagonal": math.pi / 4 + (math.pi / 2) * rng.integers(2)}[kind]
            angle += math.pi if rng.random() < 0.5 else 0
            shake = []
        dx, dy = 0.5 * distance * math.cos(angle), 0.5 * distance * math.sin(angle)
        start = Window(centre[0] - dx, centre[1] - dy, height)
        end = Window(centre[0] + dx, centre[1] + dy, height)
        return CameraMove("handheld" if handheld else "pan", start, end, aspect, easing, shake)


def clip_aspect(analysis: SourceAnalysis) -> float:
    """The window's width/height: the source's own, between 3:4 and 16:9 (so light crops can keep the whole frame)."""
    return float(np.clip(analysis.aspect, 0.75, 16 / 9))


def slid_into_frame(move: CameraMove, frame_width: int, frame_height: int) -> CameraMove | None:
    """The move shifted by the smallest offset that keeps every window (shake included) inside the frame, or None."""
    windows = move.windows(FRAMES_PER_CLIP)
    low_x = max(window.h * move.aspect / 2 - window.cx for window in windows)
    high_x = min(frame_width - window.h * move.aspect / 2 - window.cx for window in windows)
    low_y = max(window.h / 2 - window.cy for window in windows)
    high_y = min(frame_height - window.h / 2 - window.cy for window in windows)
    if low_x > high_x or low_y > high_y:
        return None
    shift_x, shift_y = float(np.clip(0.0, low_x, high_x)), float(np.clip(0.0, low_y, high_y))
    moved = CameraMove(
        move.kind,
        Window(move.start.cx + shift_x, move.start.cy + shift_y, move.start.h),
        Window(move.end.cx + shift_x, move.end.cy + shift_y, move.end.h),
        move.aspect,
        move.easing,
        move.shake,
    )
    return moved if all(window_fits(window, moved.aspect, frame_width, frame_height) for window in moved.windows(FRAMES_PER_CLIP)) else None


def framing_holds(move: CameraMove, face: Box, scale: str) -> bool:
    """Whether, after sliding into the frame, the middle window still frames `face` as `scale` intends.

    The face must stay in the centre square the model sees, near its intended height in the window; for FS the
    whole implied body must be inside the window.
    """
    middle = move.middle
    if abs(face.cx - middle.cx) > 0.3 * middle.h:
        return False
    from_top = (face.cy - (middle.cy - middle.h / 2)) / middle.h
    intended = face_position_in_window(middle.h / face.h)
    if abs(from_top - intended) > (0.3 if scale == "ECS" else 0.12):
        return False
    if scale == "FS":
        body = body_box(face)
        return body.top >= middle.cy - middle.h / 2 and body.bottom <= middle.cy + middle.h / 2
    return True


def describe_move(move: CameraMove) -> str:
    """A short recipe text for a move, e.g. "push zoom=1.45 cosine" or "pan 0.32w linear"."""
    if move.kind in ("push", "pull"):
        zoom = move.zoom if move.kind == "push" else 1 / move.zoom
        return f"{move.kind} zoom={zoom:.2f} {move.easing}"
    if move.kind in ("pan", "handheld"):
        travel = math.hypot(move.end.cx - move.start.cx, move.end.cy - move.start.cy) / (move.start.h * move.aspect)
        direction = "pan" if abs(move.end.cx - move.start.cx) > 2 * abs(move.end.cy - move.start.cy) else (
            "tilt" if abs(move.end.cy - move.start.cy) > 2 * abs(move.end.cx - move.start.cx) else "diagonal")
        name = "handheld" if move.kind == "handheld" else direction
        return f"{name} {travel:.2f}w {move.easing}"
    return "static" + (" jitter" if move.shake else "")

