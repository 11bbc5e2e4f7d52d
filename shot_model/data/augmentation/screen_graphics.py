"""Graphics fixed to the screen over a clip: a lower-third bar (still, or scrolling like a news ticker), a corner
logo, a subtitle. Neither label changes: graphics do not move the camera or reframe the scene.

Ads, trailers and news put text and logos over the picture; the training renders have none. Such graphics stay
put while the camera moves (a pan with a logo is still a pan), and a ticker scrolls while the camera stands
still (a news desk with a ticker is still Static). The dev set's news clip, whose 14-second still shot of a man
at a podium under a scrolling ticker was called Motion, showed the second. Opt-in: tried in stage 1 and in stage 3
of the starter, it fixed that shot in stage 1 but did not raise dev movement overall (docs/benchmarks.md, section 12).
"""

import string

import cv2
import numpy as np

TICKER_SHARE = 0.6  # of clips with graphics: a lower-third bar with text, half of those scrolling; a clip given none of the three gets one
LOGO_SHARE = 0.5
SUBTITLE_SHARE = 0.3
SCROLL = (0.01, 0.08)  # ticker text travel per sampled frame, as a share of the frame width
_CHARACTERS = string.ascii_uppercase + string.digits + "     "


def _random_text(rng: np.random.Generator, length: int) -> str:
    return "".join(rng.choice(list(_CHARACTERS), size=length))


def _colour(rng: np.random.Generator) -> tuple[int, int, int]:
    return tuple(int(c) for c in rng.integers(0, 256, size=3))


def _text_strip(text: str, height: int, colour: tuple[int, int, int], background: tuple[int, int, int] | None) -> np.ndarray:
    """An RGBA strip of `text`, `height` pixels tall: on a solid bar when `background` is given, else on a transparent one."""
    scale = max(0.2, height / 40)
    thickness = max(1, round(height / 14))
    (width, text_height), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    strip = np.zeros((height, width + 4, 4), np.uint8)
    if background is not None:
        strip[..., :3], strip[..., 3] = background, 255
    baseline = (height + text_height) // 2
    cv2.putText(strip, text, (2, baseline), cv2.FONT_HERSHEY_SIMPLEX, scale, (*colour, 255), thickness, cv2.LINE_AA)
    return strip


def _blend(frame: np.ndarray, overlay: np.ndarray, top: int, left: int, opacity: float) -> None:
    """Draw the RGBA `overlay` onto `frame` in place, clipped to the frame."""
    height, width = frame.shape[:2]
    y0, x0 = max(0, top), max(0, left)
    y1, x1 = min(height, top + overlay.shape[0]), min(width, left + overlay.shape[1])
    if y1 <= y0 or x1 <= x0:
        return
    piece = overlay[y0 - top : y1 - top, x0 - left : x1 - left]
    alpha = piece[..., 3:4].astype(np.float32) / 255 * opacity
    region = frame[y0:y1, x0:x1].astype(np.float32)
    frame[y0:y1, x0:x1] = (region * (1 - alpha) + piece[..., :3] * alpha).astype(np.uint8)


def _draw_ticker(frames: np.ndarray, rng: np.random.Generator) -> None:
    """A coloured bar across the lower third with text on it; half the time the text scrolls."""
    height, width = frames.shape[1:3]
    bar_height = max(6, int(height * rng.uniform(0.07, 0.16)))
    top = int(height * rng.uniform(0.72, 0.93)) - bar_height // 2
    bar = np.zeros((bar_height, width, 4), np.uint8)
    bar[..., :3], bar[..., 3] = _colour(rng), 255
    text = _text_strip(_random_text(rng, int(rng.integers(20, 60))), bar_height, _colour(rng), _colour(rng))
    speed = rng.uniform(*SCROLL) * width if rng.random() < 0.5 else 0.0
    start = int(rng.integers(-text.shape[1] // 2, width // 2))
    opacity = rng.uniform(0.75, 1.0)
    for index, frame in enumerate(frames):
        _blend(frame, bar, top, 0, opacity)
        _blend(frame, text, top, int(start - speed * index), opacity)


def _draw_logo(frames: np.ndarray, rng: np.random.Generator) -> None:
    """A few letters in a corner, on a box or bare, half see-through or not."""
    height, width = frames.shape[1:3]
    side = max(6, int(height * rng.uniform(0.08, 0.18)))
    logo = _text_strip(_random_text(rng, int(rng.integers(2, 5))).strip() or "TV", side, _colour(rng), _colour(rng) if rng.random() < 0.5 else None)
    top = int(rng.choice([0.04, 0.8]) * height)
    left = int(rng.choice([0.03, 0.97]) * width) - (logo.shape[1] if rng.random() < 0.5 else 0)
    opacity = rng.uniform(0.5, 1.0)
    for frame in frames:
        _blend(frame, logo, top, left, opacity)


def _draw_subtitle(frames: np.ndarray, rng: np.random.Generator) -> None:
    """A line of white text near the bottom, sometimes replaced by the next line part-way through the clip."""
    height, width = frames.shape[1:3]
    line_height = max(6, int(height * rng.uniform(0.05, 0.09)))
    lines = [_text_strip(_random_text(rng, int(rng.integers(10, 30))), line_height, (255, 255, 255), None) for _ in range(2)]
    switch = int(rng.integers(1, len(frames) + 1)) if rng.random() < 0.5 else len(frames)
    top = int(height * rng.uniform(0.82, 0.9))
    for index, frame in enumerate(frames):
        line = lines[0] if index < switch else lines[1]
        _blend(frame, line, top, (width - line.shape[1]) // 2, 1.0)


# Each kind of graphic with the share of clips (among those given graphics) that get it.
_GRAPHICS = ((_draw_ticker, TICKER_SHARE), (_draw_logo, LOGO_SHARE), (_draw_subtitle, SUBTITLE_SHARE))


def add_screen_graphics(frames: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`frames` (time, height, width, 3) uint8 RGB with one or more graphics drawn on the screen. Returns a new array."""
    out = frames.copy()
    chosen = [draw for draw, share in _GRAPHICS if rng.random() < share] or [_draw_ticker]
    for draw in chosen:
        draw(out, rng)
    return out
