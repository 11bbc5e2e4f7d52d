"""A stand-in subject moving on its own through a clip, for training the movement head: the camera label stays true.

In real footage a locked-off camera often watches something move: people walk, cars pass, someone leans towards
the lens. A model trained only on virtual camera moves over mostly still scenes reads such local motion as the
camera's (Motion, or Push when the subject grows). Pasting a patch of another clip's picture that slides, grows or
shrinks across the frames, over a clip whose camera move is known, shows it the difference.
"""

import cv2
import numpy as np

SIDE = (0.25, 0.5)  # patch side, as a share of the frame's short side
TRAVEL = 0.25  # standard deviation of the patch centre's travel over the clip, as a share of the frame
GROWTH = (0.7, 1.45)  # total size change over the clip, for the half of the subjects that change size
GROWING_SHARE = 0.5
WOBBLE_SHARE = 0.5  # subjects that also jitter a little frame to frame (walking, gesturing)
WOBBLE_PIXELS = 1.5  # per frame, at 112 lines; scaled with the frame


def soft_disc(side: int) -> np.ndarray:
    """A filled circle in a side x side square, softened at the rim: 0..1 float32 (a subject is not a square)."""
    grid = np.linspace(-1, 1, side, dtype=np.float32)
    radius = np.sqrt(grid[:, None] ** 2 + grid[None, :] ** 2)
    return np.clip((1.0 - radius) * side / 4, 0.0, 1.0)


def paste_moving_subject(frames: np.ndarray, donor: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`frames` (time, height, width, 3) uint8 with a round patch of `donor` (an RGB picture) moving across them.

    The patch starts anywhere in the middle 70% of the frame, travels a random distance and direction, and
    sometimes grows or shrinks (a subject approaching or leaving); it may leave the frame. Returns a new array.
    """
    count, height, width = frames.shape[:3]
    short = min(height, width)
    side = max(8, int(short * rng.uniform(*SIDE)))
    # The donor at the clip's scale: the patch is a piece of another scene as big as it would be in its own shot.
    factor = short / min(donor.shape[:2])
    donor = cv2.resize(donor, (max(side, round(donor.shape[1] * factor)), max(side, round(donor.shape[0] * factor))), interpolation=cv2.INTER_AREA)
    top, left = rng.integers(donor.shape[0] - side + 1), rng.integers(donor.shape[1] - side + 1)
    patch = donor[top : top + side, left : left + side].astype(np.float32)

    start = rng.uniform(0.15, 0.85, 2) * (height, width)
    end = np.clip(start + rng.normal(0, TRAVEL, 2) * (height, width), (0, 0), (height, width))
    growth = rng.uniform(*GROWTH) if rng.random() < GROWING_SHARE else 1.0
    wobble = WOBBLE_PIXELS * short / 112 if rng.random() < WOBBLE_SHARE else 0.0

    out = frames.astype(np.float32)
    for index in range(count):
        progress = index / max(1, count - 1)
        size = max(8, round(side * growth**progress))
        centre = start + (end - start) * progress + (rng.normal(0, wobble, 2) if wobble else 0)
        scaled = cv2.resize(patch, (size, size), interpolation=cv2.INTER_LINEAR)
        mask = soft_disc(size)[:, :, None]
        y0, x0 = int(round(centre[0] - size / 2)), int(round(centre[1] - size / 2))
        ya, yb, xa, xb = max(0, y0), min(height, y0 + size), max(0, x0), min(width, x0 + size)
        if ya >= yb or xa >= xb:
            continue  # the subject is out of frame at this moment
        inside = (slice(ya - y0, yb - y0), slice(xa - x0, xb - x0))
        region = out[index, ya:yb, xa:xb]
        out[index, ya:yb, xa:xb] = region * (1 - mask[inside]) + scaled[inside] * mask[inside]
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
