"""Shot scale as framing geometry: how tall a window is, relative to the subject's face, for each scale class.

The ratios follow `../shared/LABELING.md` (beside the checkout) (window height over Haar face-box height); they are used forwards
by the generator (frame a class) and backwards by the rule baseline (read a class off a face).
"""

import math

import numpy as np

from .subjects import Box

# Window height / face height, per class. The gaps between ranges are never generated, so every generated
# clip sits clearly inside its class. LS (>= 16) is never cut from a face: only from sources whose agreed hand
# label is LS, as a light crop.
FACE_RATIO_RANGES = {
    "ECS": (0.45, 0.75),  # part of the face (eyes to mouth at most): a whole face filling the frame is CS
    "CS": (1.8, 3.0),  # head, or head and shoulders (the Haar box is ~0.7 of a head)
    "MS": (4.5, 7.0),  # waist or knees up
    "FS": (8.7, 11.0),  # whole body (about 8.3 face boxes, head to feet) with a little room
}
LS_MIN_RATIO = 16.0
# Feet sit about this many Haar face boxes below the top of the face box (7.5 head heights; the box is ~0.9 head).
BODY_IN_FACE_HEIGHTS = 8.0
# Never enlarge a source more than this: a window shorter than output_height / MAX_UPSCALE is refused.
MAX_UPSCALE = 4.0
# A crop keeps the source shot's hand-labelled scale only when it is at least this large in both directions.
LIGHT_CROP = 0.85


def scale_from_face_ratio(ratio: float) -> str:
    """The scale class of a frame whose height is `ratio` times the largest face's height.

    The boundaries are the geometric midpoints between the generator's ranges (and LS_MIN_RATIO's).
    """
    ranges = list(FACE_RATIO_RANGES.items())
    for (label, (_, upper)), (_, (next_lower, _)) in zip(ranges, ranges[1:] + [("LS", (LS_MIN_RATIO, None))]):
        if ratio < math.sqrt(upper * next_lower):
            return label
    return "LS"


def face_position_in_window(ratio: float) -> float:
    """Where the face centre sits, as a fraction of the window height from its top, for a window `ratio` faces tall.

    A close-up centres the face a little high (head-and-shoulders); a medium shot leaves a quarter above it;
    a full shot puts the head near the top so the feet fit. Interpolated in log ratio so push-ins move smoothly.
    """
    ratios = np.log([1.0, 2.4, 5.0, 9.5])
    positions = [0.5, 0.42, 0.25, 0.12]
    return float(np.interp(math.log(max(ratio, 1e-3)), ratios, positions))


def face_window_centre(face: Box, window_height: float, offset_x: float = 0.0, offset_y: float = 0.0) -> tuple[float, float]:
    """The window centre that frames `face` at the usual place for a window `window_height` tall.

    `offset_x`/`offset_y` move the window by that fraction of its height (composition variety; for an ECS,
    which part of the face).
    """
    ratio = window_height / face.h
    centre_y = face.cy + (0.5 - face_position_in_window(ratio)) * window_height
    return face.cx + offset_x * window_height, centre_y + offset_y * window_height


def body_box(face: Box) -> Box:
    """The whole body implied by a face: from a little above the face box to the feet, BODY_IN_FACE_HEIGHTS below."""
    top = face.top - 0.3 * face.h
    bottom = face.top + BODY_IN_FACE_HEIGHTS * face.h
    return Box(face.cx, (top + bottom) / 2, face.h * 2.5, bottom - top, "body")


def largest_window_height(frame_width: int, frame_height: int, aspect: float) -> float:
    """The tallest window of `aspect` (width/height) that fits in the frame."""
    return min(frame_height, frame_width / aspect)


def is_light_crop(window_height: float, aspect: float, frame_width: int, frame_height: int) -> bool:
    """Whether a window keeps at least LIGHT_CROP of the frame's height and width (so its scale class holds)."""
    return window_height >= LIGHT_CROP * frame_height - 1e-6 and window_height * aspect >= LIGHT_CROP * frame_width - 1e-6
