"""How the camera moved between frames: global similarity motion from tracked corners, accumulated along a shot.

One implementation for the generator (finding still stretches and real camera moves) and the rule baseline.
"""

import math
from dataclasses import dataclass

import cv2
import numpy as np

# Motion is measured on small greyscale frames: fast, and enough corners survive for a reliable fit.
MOTION_WIDTH = 320
# Fewer RANSAC inliers than this and the fit is noise (plain walls, blur, a face filling the frame).
MIN_INLIERS = 12
MIN_CORNER_STRENGTH = 0.002


@dataclass(frozen=True)
class PathSummary:
    """How far the picture content moved over a run of frames, relative to its first frame.

    `shift` is the largest displacement of the frame centre seen at any frame, as a fraction of the frame
    (x over width, y over height, the larger of the two); `zoom` is the content's scale at the last frame
    (>1: content grew, the camera pushed in); `max_zoom_change` the largest |log zoom| at any frame;
    `reliable` the fraction of frame pairs whose motion could be measured.
    """

    shift: float
    zoom: float
    max_zoom_change: float
    reliable: float


def motion_gray(bgr: np.ndarray) -> np.ndarray:
    """The greyscale frame motion is measured on: MOTION_WIDTH wide, aspect kept."""
    height, width = bgr.shape[:2]
    small = cv2.resize(bgr, (MOTION_WIDTH, max(2, round(height * MOTION_WIDTH / width))), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)


def count_corners(gray: np.ndarray, factor: float, cx: float, cy: float, h: float, aspect: float) -> int:
    """Trackable corners inside a window of a `motion_gray` frame; the window is in pixels `factor` times larger.

    The window is brought to about 112 lines first, the size the model sees, so tight and wide windows compare.
    """
    height, width = gray.shape
    x0, x1 = int(max(0, (cx - h * aspect / 2) * factor)), int(min(width, (cx + h * aspect / 2) * factor))
    y0, y1 = int(max(0, (cy - h / 2) * factor)), int(min(height, (cy + h / 2) * factor))
    crop = gray[y0:y1, x0:x1]
    if crop.shape[0] < 8 or crop.shape[1] < 8:
        return 0
    scale = 112 / crop.shape[0]
    crop = cv2.resize(crop, (max(8, round(crop.shape[1] * scale)), 112), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    # An absolute corner strength (goodFeaturesToTrack's is relative to the strongest, so it finds "corners" in
    # the noise of a clear sky): local maxima of the smaller structure-tensor eigenvalue above MIN_CORNER_STRENGTH.
    strength = cv2.cornerMinEigenVal(crop.astype(np.float32) / 255, blockSize=3)
    peaks = (strength > MIN_CORNER_STRENGTH) & (strength == cv2.dilate(strength, np.ones((5, 5), np.uint8)))
    return int(peaks.sum())


def pair_motion(previous: np.ndarray, current: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray | None:
    """The 3x3 similarity mapping `previous` pixel coordinates to `current` ones, or None when unmeasurable.

    Arguments:
        previous, current: greyscale frames from `motion_gray`.
        mask: optional uint8 mask (nonzero = use) of where to look for corners; moving subjects are masked
            out so their motion is not taken for the camera's.
    """
    corners = cv2.goodFeaturesToTrack(previous, maxCorners=300, qualityLevel=0.01, minDistance=7, mask=mask, blockSize=7)
    if corners is None or len(corners) < MIN_INLIERS:
        return None
    tracked, status, _ = cv2.calcOpticalFlowPyrLK(previous, current, corners, None, winSize=(21, 21), maxLevel=3)
    # Forward-backward check: a corner that does not track back to where it started was lost.
    back, back_status, _ = cv2.calcOpticalFlowPyrLK(current, previous, tracked, None, winSize=(21, 21), maxLevel=3)
    good = (status[:, 0] == 1) & (back_status[:, 0] == 1) & (np.linalg.norm(back - corners, axis=2)[:, 0] < 1.0)
    if good.sum() < MIN_INLIERS:
        return None
    matrix, inliers = cv2.estimateAffinePartial2D(corners[good], tracked[good], method=cv2.RANSAC, ransacReprojThreshold=1.0)
    if matrix is None or inliers is None or inliers.sum() < MIN_INLIERS or inliers.mean() < 0.4:
        return None
    return np.vstack([matrix, [0.0, 0.0, 1.0]])


def cumulative_motion(grays: list[np.ndarray], masks: list[np.ndarray | None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Frame-0-to-frame-k transforms along a run of frames, and which steps were measured.

    Each frame is matched to a keyframe, not to the frame before it: chaining hundreds of tiny per-pair estimates
    adds up their errors into a drift a still camera does not have. The keyframe moves on when the match fails
    or the view has moved far from it. An unmeasurable step counts as no motion; callers decide, from the
    `measured` flags, whether to trust that.

    Returns:
        transforms: (frames, 3, 3), transforms[k] maps frame-0 coordinates to frame-k coordinates.
        measured: (frames - 1,) bool, whether frame k+1 was measured (against its keyframe).
    """
    transforms = [np.eye(3)]
    measured = []
    key = 0
    for index in range(1, len(grays)):
        from_key = pair_motion(grays[key], grays[index], masks[key] if masks is not None else None)
        if (from_key is None or _far(from_key, grays[index].shape)) and key != index - 1:
            key = index - 1
            from_key = pair_motion(grays[key], grays[index], masks[key] if masks is not None else None)
        measured.append(from_key is not None)
        if from_key is None:
            # Unmeasurable: assume the camera held still, and start afresh from this frame.
            transforms.append(transforms[-1].copy())
            key = index
        else:
            transforms.append(from_key @ transforms[key])
    return np.stack(transforms), np.asarray(measured, dtype=bool)


def _far(transform: np.ndarray, shape: tuple[int, int]) -> bool:
    """Whether a keyframe match has drifted far enough (10% of the frame, 10% zoom) to pick a newer keyframe."""
    height, width = shape
    scale = math.sqrt(abs(np.linalg.det(transform[:2, :2])))
    return abs(transform[0, 2]) > 0.1 * width or abs(transform[1, 2]) > 0.1 * height or abs(math.log(scale)) > 0.1


def summarize_path(transforms: np.ndarray, measured: np.ndarray, frame_size: tuple[int, int], first: int, last: int) -> PathSummary:
    """Summarise the motion from frame `first` to frame `last` (inclusive) of a `cumulative_motion` result.

    `frame_size` is the (width, height) the transforms were measured at.
    """
    width, height = frame_size
    centre = np.array([width / 2, height / 2, 1.0])
    relative = transforms[first : last + 1] @ np.linalg.inv(transforms[first])  # (frames, 3, 3)
    moved = relative @ centre - centre
    shift = float(max(np.abs(moved[:, 0]).max() / width, np.abs(moved[:, 1]).max() / height))
    log_zooms = 0.5 * np.log(np.abs(np.linalg.det(relative[:, :2, :2])))
    steps = measured[first:last]
    return PathSummary(shift, float(math.exp(log_zooms[-1])), float(np.abs(log_zooms).max()), float(steps.mean()) if len(steps) else 1.0)


def movement_from_motion(summary: PathSummary, shift_threshold: float = 0.05, zoom_threshold: float = 1.10, margin: float = 1.0) -> str | None:
    """The camera-movement class a measured path shows, or None when it sits in the band `margin` leaves open.

    With `margin` 1 every path gets a class (the rule baseline). A larger margin keeps only clear cases (the
    generator labelling real camera moves): Push/Pull need a zoom past `zoom_threshold ** margin`, Motion a shift
    past `shift_threshold * margin` with almost no zoom, Static a shift under `shift_threshold / margin`.
    """
    log_zoom, log_threshold = math.log(summary.zoom), math.log(zoom_threshold)
    if log_zoom >= log_threshold * margin:
        return "Push"
    if log_zoom <= -log_threshold * margin:
        return "Pull"
    if summary.max_zoom_change > log_threshold / margin:
        return None
    if summary.shift >= shift_threshold * margin:
        return "Motion"
    if summary.shift <= shift_threshold / margin:
        return "Static"
    return None
