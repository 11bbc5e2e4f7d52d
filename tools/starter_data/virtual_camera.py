"""A virtual camera over real footage: a crop window that holds, pans, pushes in or pulls out, and its rendering.

A move is a start and an end window plus an easing curve, so the window at any moment is known exactly: the
movement label is true by construction, and the scale label is read off the window in the middle of the shot.
"""

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

# Output clip geometry: 16:9, and the model later takes the centre 144x144 square of it.
OUTPUT_WIDTH, OUTPUT_HEIGHT = 256, 144
EASINGS = ("cosine", "smoothstep", "linear")  # all symmetric: the middle of the shot is the middle of the move


@dataclass(frozen=True)
class Window:
    """A crop window in source pixels: its centre and height (its width is height x the move's aspect)."""

    cx: float
    cy: float
    h: float


@dataclass
class CameraMove:
    """A camera path: `start` eased to `end` over the shot, plus per-frame shake (fractions of window height).

    `kind` names the recipe ("static", "push", "pull", "pan", "handheld"); `aspect` is the window's width/height.
    """

    kind: str
    start: Window
    end: Window
    aspect: float
    easing: str = "cosine"
    shake: list[tuple[float, float]] = field(default_factory=list)  # (dx, dy) per output frame

    def window_at(self, progress: float, frame: int | None = None) -> Window:
        """The window at `progress` (0 = first frame, 1 = last), with the shake of output frame `frame` if given."""
        eased = ease(progress, self.easing)
        # Size changes geometrically, as a zoom does: equal ratios per unit time, so the middle size is the
        # geometric mean of the ends.
        height = math.exp((1 - eased) * math.log(self.start.h) + eased * math.log(self.end.h))
        cx = self.start.cx + eased * (self.end.cx - self.start.cx)
        cy = self.start.cy + eased * (self.end.cy - self.start.cy)
        if frame is not None and self.shake:
            dx, dy = self.shake[frame]
            cx, cy = cx + dx * height, cy + dy * height
        return Window(cx, cy, height)

    def windows(self, count: int) -> list[Window]:
        """The window of each of `count` evenly spaced output frames."""
        return [self.window_at(index / max(1, count - 1), index) for index in range(count)]

    @property
    def middle(self) -> Window:
        return self.window_at(0.5)

    @property
    def zoom(self) -> float:
        """How much the content grows over the move (>1 pushes in)."""
        return self.start.h / self.end.h


def ease(progress: float, easing: str) -> float:
    """Map linear progress 0..1 onto a camera operator's curve (slow in and out, or constant speed)."""
    if easing == "cosine":
        return 0.5 - 0.5 * math.cos(math.pi * progress)
    if easing == "smoothstep":
        return progress * progress * (3 - 2 * progress)
    if easing == "linear":
        return progress
    raise ValueError(f"Unknown easing {easing!r}: expected one of {', '.join(EASINGS)}")


def window_fits(window: Window, aspect: float, frame_width: int, frame_height: int) -> bool:
    """Whether the window lies wholly inside the frame (no borders ever enter the picture)."""
    half_w, half_h = window.h * aspect / 2, window.h / 2
    return (
        window.cx - half_w >= -0.5
        and window.cx + half_w <= frame_width + 0.5
        and window.cy - half_h >= -0.5
        and window.cy + half_h <= frame_height + 0.5
    )


def content_size(aspect: float) -> tuple[int, int]:
    """(width, height) of the rendered picture for a window of `aspect`: OUTPUT_HEIGHT tall, even width."""
    return min(OUTPUT_WIDTH, 2 * round(OUTPUT_HEIGHT * aspect / 2)), OUTPUT_HEIGHT


def reduce_for(picture: np.ndarray, scale: float) -> tuple[np.ndarray, float]:
    """The picture halved (image pyramid) until resampling it by `scale` reduces at most 2x, and the factor applied.

    Resampling 720 lines straight to 144 would alias; each pyramid level low-passes before it halves.
    """
    factor = 1.0
    while scale / factor < 0.5 and min(picture.shape[:2]) > 32:
        picture = cv2.pyrDown(picture)
        factor *= 0.5
    return picture, factor


def render_window(frame: np.ndarray, window: Window, aspect: float) -> np.ndarray:
    """The window's view of a BGR frame, resampled to `content_size(aspect)`, at sub-pixel precision.

    Large reductions go through an image pyramid first: resampling 720 lines straight to 144 would alias.
    """
    width, height = content_size(aspect)
    scale = height / window.h
    source, factor = reduce_for(frame, scale)
    scale_in_source = scale / factor
    left = (window.cx - window.h * aspect / 2) * factor
    top = (window.cy - window.h / 2) * factor
    transform = np.float32([[scale_in_source, 0, -left * scale_in_source], [0, scale_in_source, -top * scale_in_source]])
    return cv2.warpAffine(source, transform, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def on_canvas(picture: np.ndarray) -> np.ndarray:
    """Centre a picture narrower than 16:9 on a black OUTPUT_WIDTH x OUTPUT_HEIGHT canvas (pillarbox).

    The model only ever sees the centre square, so for pictures at least square the bars stay out of its view.
    """
    height, width = picture.shape[:2]
    if (width, height) == (OUTPUT_WIDTH, OUTPUT_HEIGHT):
        return picture
    canvas = np.zeros((OUTPUT_HEIGHT, OUTPUT_WIDTH, 3), np.uint8)
    left = (OUTPUT_WIDTH - width) // 2
    canvas[:, left : left + width] = picture
    return canvas


def random_walk_shake(rng: np.random.Generator, count: int, amplitude: float, smoothness: int = 3) -> list[tuple[float, float]]:
    """Handheld shake: a smoothed random walk, scaled so its largest excursion is `amplitude` of the window height."""
    steps = rng.normal(size=(count + smoothness, 2)).cumsum(axis=0)
    kernel = np.ones(smoothness) / smoothness
    smooth = np.stack([np.convolve(steps[:, axis], kernel, mode="valid")[:count] for axis in range(2)], axis=1)
    smooth -= smooth.mean(axis=0)
    peak = np.abs(smooth).max()
    smooth = smooth * (amplitude / peak) if peak > 0 else smooth
    return [(float(dx), float(dy)) for dx, dy in smooth]
