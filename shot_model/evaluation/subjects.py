"""Finding people in frames: faces (Haar frontal + profile, with a skin and persistence check) and bodies (HOG).

One implementation for the generator (framing a virtual camera on a subject) and the rule baseline.
"""

from dataclasses import dataclass

import cv2
import numpy as np

# Faces and bodies are searched on frames with this short side: small faces still found, detection stays cheap.
DETECT_SHORT_SIDE = 360
MIN_FACE_PIXELS = 20  # at DETECT_SHORT_SIDE
# Haar cascades fire on texture (cabinets, foliage); a real face shows this much skin-coloured area.
MIN_SKIN_FRACTION = 0.25

_CASCADES: dict[str, cv2.CascadeClassifier] = {}
_HOG: list[cv2.HOGDescriptor] = []


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in source-frame pixels: centre, width, height, and the detector's name."""

    cx: float
    cy: float
    w: float
    h: float
    kind: str = "face"
    confirmed: bool = True  # a second cascade also saw a face here (see `_confirmed`)

    @property
    def top(self) -> float:
        return self.cy - self.h / 2

    @property
    def bottom(self) -> float:
        return self.cy + self.h / 2

    def scaled(self, factor: float) -> "Box":
        return Box(self.cx * factor, self.cy * factor, self.w * factor, self.h * factor, self.kind, self.confirmed)


def _cascade(name: str) -> cv2.CascadeClassifier:
    if name not in _CASCADES:
        cascade = cv2.CascadeClassifier(cv2.data.haarcascades + name)
        if cascade.empty():
            raise RuntimeError(f"OpenCV Haar cascade {name} did not load from {cv2.data.haarcascades}")
        _CASCADES[name] = cascade
    return _CASCADES[name]


def _people_detector() -> cv2.HOGDescriptor:
    if not _HOG:
        hog = cv2.HOGDescriptor()
        hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
        _HOG.append(hog)
    return _HOG[0]


def _detection_scale(bgr: np.ndarray) -> float:
    return min(1.0, DETECT_SHORT_SIDE / min(bgr.shape[:2]))


def _skin_fraction(bgr: np.ndarray, x: int, y: int, w: int, h: int) -> float:
    """Share of the box's central part whose colour is skin-like in YCrCb (a loose rule that spans skin tones)."""
    patch = bgr[y + h // 5 : y + h - h // 5, x + w // 5 : x + w - w // 5]
    if patch.size == 0:
        return 0.0
    ycrcb = cv2.cvtColor(patch, cv2.COLOR_BGR2YCrCb)
    skin = (ycrcb[..., 1] >= 133) & (ycrcb[..., 1] <= 180) & (ycrcb[..., 2] >= 75) & (ycrcb[..., 2] <= 130)
    return float(skin.mean())


def _overlaps(a: tuple, b: tuple) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    inter = max(0, min(ax + aw, bx + bw) - max(ax, bx)) * max(0, min(ay + ah, by + bh) - max(ay, by))
    return inter > 0.3 * min(aw * ah, bw * bh)


def _confirmed(gray: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
    """Whether a second opinion (the alt2 frontal cascade, or the profile cascade either way) finds a face in the box.

    The region is enlarged to ~80 px faces, where the cascades are surest. Drum skins and lamps that fool one
    cascade in a few frames rarely fool a differently trained one in most of them (`link_tracks` counts).
    """
    x0, y0 = max(0, x - w // 2), max(0, y - h // 2)
    crop = gray[y0 : y + h + h // 2, x0 : x + w + w // 2]
    crop = cv2.resize(crop, None, fx=80 / h, fy=80 / h, interpolation=cv2.INTER_LINEAR)
    size = (50, 50)
    if len(_cascade("haarcascade_frontalface_alt2.xml").detectMultiScale(crop, 1.1, 3, minSize=size)):
        return True
    profile = _cascade("haarcascade_profileface.xml")
    return bool(len(profile.detectMultiScale(crop, 1.1, 3, minSize=size)) or len(profile.detectMultiScale(cv2.flip(crop, 1), 1.1, 3, minSize=size)))


def detect_faces(bgr: np.ndarray) -> list[Box]:
    """Faces in one BGR frame, frontal and profile (both ways), in the frame's pixels, largest first.

    Overlapping hits are merged (the frontal one kept) and hits without enough skin colour dropped.
    """
    factor = _detection_scale(bgr)
    small = cv2.resize(bgr, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA) if factor < 1 else bgr
    gray = cv2.equalizeHist(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY))
    size = (MIN_FACE_PIXELS, MIN_FACE_PIXELS)
    hits = [tuple(map(int, box)) for box in _cascade("haarcascade_frontalface_default.xml").detectMultiScale(gray, 1.15, 6, minSize=size)]
    profile = _cascade("haarcascade_profileface.xml")
    width = gray.shape[1]
    # The profile cascade only knows faces turned one way; run it on the mirror image for the other.
    candidates = [tuple(map(int, box)) for box in profile.detectMultiScale(gray, 1.15, 6, minSize=size)]
    candidates += [(width - x - w, y, w, h) for x, y, w, h in profile.detectMultiScale(cv2.flip(gray, 1), 1.15, 6, minSize=size)]
    for box in candidates:
        if not any(_overlaps(box, kept) for kept in hits):
            hits.append(box)
    faces = [
        Box(x + w / 2, y + h / 2, w, h, "face", _confirmed(gray, x, y, w, h)).scaled(1 / factor)
        for x, y, w, h in hits
        if _skin_fraction(small, x, y, w, h) >= MIN_SKIN_FRACTION
    ]
    return sorted(faces, key=lambda box: -box.h)


def detect_people(bgr: np.ndarray, min_weight: float = 0.5) -> list[Box]:
    """Standing people (HOG) in one BGR frame, in the frame's pixels, tallest first.

    The HOG window pads the body; the boxes returned are shrunk to roughly head-to-feet.
    """
    factor = min(1.0, 400 / min(bgr.shape[:2]))
    small = cv2.resize(bgr, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA) if factor < 1 else bgr
    boxes, weights = _people_detector().detectMultiScale(small, winStride=(8, 8), padding=(8, 8), scale=1.05)
    people = []
    for (x, y, w, h), weight in zip(boxes, np.ravel(weights)):
        if weight >= min_weight:
            # The default detector's 64x128 window holds a ~96 px tall person, centred: keep ~80% of it.
            people.append(Box(x + w / 2, y + h / 2, w * 0.6, h * 0.8, "person").scaled(1 / factor))
    return sorted(people, key=lambda box: -box.h)


@dataclass
class Track:
    """One subject seen across sampled frames: the frame index of each sighting and its box."""

    frames: list[int]
    boxes: list[Box]

    def within(self, first: int, last: int) -> list[Box]:
        return [box for frame, box in zip(self.frames, self.boxes) if first <= frame <= last]


def link_tracks(detections: dict[int, list[Box]], min_sightings: int = 3, min_confirmed: float = 0.5) -> list[Track]:
    """Group per-frame detections into tracks of the same subject; keep tracks seen at least `min_sightings` times
    and confirmed by a second detector in at least `min_confirmed` of them.

    A detection joins the track whose last box is nearest (centre within 0.6 of its height, size within 1.5x).
    A false hit rarely repeats at one place and size, and rarely fools two detectors: that is the sanity check.
    """
    tracks: list[Track] = []
    for frame in sorted(detections):
        for box in detections[frame]:
            best, best_distance = None, None
            for track in tracks:
                last = track.boxes[-1]
                if track.frames[-1] == frame:
                    continue
                distance = np.hypot(box.cx - last.cx, box.cy - last.cy) / last.h
                ratio = max(box.h, last.h) / min(box.h, last.h)
                if distance < 0.6 and ratio < 1.5 and (best_distance is None or distance < best_distance):
                    best, best_distance = track, distance
            if best is None:
                tracks.append(Track([frame], [box]))
            else:
                best.frames.append(frame)
                best.boxes.append(box)
    return [
        track
        for track in tracks
        if len(track.frames) >= min_sightings and np.mean([box.confirmed for box in track.boxes]) >= min_confirmed
    ]


def subject_mask(shape: tuple[int, int], boxes: list[Box], factor: float) -> np.ndarray | None:
    """A uint8 mask (255 = background) of a frame of `shape` with each subject's head-and-body area blanked.

    `factor` maps the boxes' pixels to the mask's. Faces are widened to cover the head, shoulders and torso below
    them, since those move with the person.
    """
    if not boxes:
        return None
    mask = np.full(shape, 255, np.uint8)
    for box in boxes:
        if box.kind == "face":
            x0, x1 = box.cx - 1.6 * box.w, box.cx + 1.6 * box.w
            y0, y1 = box.top - 0.6 * box.h, box.bottom + 4.0 * box.h
        else:
            x0, x1 = box.cx - 0.7 * box.w, box.cx + 0.7 * box.w
            y0, y1 = box.top - 0.1 * box.h, box.bottom + 0.1 * box.h
        mask[max(0, int(y0 * factor)) : max(0, int(y1 * factor)), max(0, int(x0 * factor)) : max(0, int(x1 * factor))] = 0
    return mask
