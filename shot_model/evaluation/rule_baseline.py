"""A non-learned baseline for shot scale and camera movement, to compare the model against.

Movement: thresholds on the global motion measured across the shot's frames (the generator's own estimator).
Scale: thresholds on the largest face's height relative to the frame (the generator's own face detector and
framing ratios). With no face, a detected standing person decides FS (at least half the frame tall) or LS;
with neither, the answer is LS — faceless shots in trailers and ads are mostly wide views (landscapes,
establishing shots), and a close object detail is the case this rule gets wrong.
"""

import cv2
import numpy as np

from .framing import scale_from_face_ratio
from .global_motion import cumulative_motion, motion_gray, movement_from_motion, summarize_path
from .subjects import DETECT_SHORT_SIDE, detect_faces, detect_people, subject_mask

# Faces must be seen in at least this share of the frames searched: one stray hit does not make a close-up.
MIN_FACE_SHARE = 0.3
FACE_SEARCH_FRAMES = 5  # faces are searched on this many evenly spaced frames (detection is the slow part)
NO_FACE_SCALE = "LS"


def classify_shot(frames_rgb: list[np.ndarray]) -> tuple[str, str]:
    """(scale, movement) for one shot given ~8-16 RGB frames (HxWx3 uint8) evenly spaced across it.

    Raises:
        ValueError: fewer than two frames, or frames of different sizes.
    """
    if len(frames_rgb) < 2:
        raise ValueError(f"Need at least 2 frames of a shot, got {len(frames_rgb)}")
    if len({frame.shape for frame in frames_rgb}) != 1:
        raise ValueError(f"All frames of a shot must have one size, got {sorted({frame.shape for frame in frames_rgb})}")
    frames = [_detector_sized(np.ascontiguousarray(frame[:, :, ::-1])) for frame in frames_rgb]  # detectors work in BGR
    searched = np.linspace(0, len(frames) - 1, min(FACE_SEARCH_FRAMES, len(frames))).round().astype(int)
    faces = {int(index): detect_faces(frames[index]) for index in searched}
    return shot_scale(frames, faces), camera_movement(frames, faces)


def _detector_sized(bgr: np.ndarray) -> np.ndarray:
    """Small frames brought up to the face detector's working size: a medium shot's face in a 144-line frame is
    ~25 px, too close to the cascade's smallest window to be found."""
    short = min(bgr.shape[:2])
    if short >= DETECT_SHORT_SIDE:
        return bgr
    factor = DETECT_SHORT_SIDE / short
    return cv2.resize(bgr, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)


def camera_movement(frames: list[np.ndarray], faces: dict[int, list]) -> str:
    """Static / Motion / Push / Pull from the content's motion over the shot, people masked out.

    Zoom in past 10% -> Push, out past 10% -> Pull, else a shift past 5% of the frame -> Motion, else Static.
    """
    grays = [motion_gray(frame) for frame in frames]
    factor = grays[0].shape[1] / frames[0].shape[1]
    searched = sorted(faces)
    # Each frame takes the faces of the nearest searched frame: people move little between neighbours.
    masks = [subject_mask(grays[0].shape, faces[min(searched, key=lambda s: abs(s - index))], factor) for index in range(len(frames))]
    transforms, measured = cumulative_motion(grays, masks)
    summary = summarize_path(transforms, measured, (grays[0].shape[1], grays[0].shape[0]), 0, len(frames) - 1)
    return movement_from_motion(summary)


def shot_scale(frames: list[np.ndarray], faces: dict[int, list]) -> str:
    """The scale class from the largest face (median over frames where one was seen), else from a person, else LS."""
    largest = [found[0].h for found in faces.values() if found]
    height = frames[0].shape[0]
    if len(largest) >= max(1, MIN_FACE_SHARE * len(faces)):
        return scale_from_face_ratio(height / float(np.median(largest)))
    people = detect_people(frames[len(frames) // 2])
    if people:
        return "FS" if people[0].h >= 0.5 * height else "LS"
    return NO_FACE_SCALE
