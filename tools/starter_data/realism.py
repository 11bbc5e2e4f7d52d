"""Mild degradations real footage has and clean crops do not: colour shifts, soft focus, sensor noise, JPEG blocks.

Chosen once per clip (a clip is one shot, filmed one way) and applied to every frame; never changes time order.
"""

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Degradation:
    """What to do to a clip's frames; a field left None is not applied."""

    brightness: float | None = None  # added to every channel, in 0..255 units
    contrast: float | None = None  # multiplies the deviation from mid-grey
    saturation: float | None = None  # multiplies the chroma
    hue_shift: int | None = None  # OpenCV hue units (0..180 is the full circle)
    blur_sigma: float | None = None
    noise_std: float | None = None
    jpeg_quality: int | None = None

    def describe(self) -> str:
        parts = []
        if self.brightness is not None or self.contrast is not None or self.saturation is not None or self.hue_shift is not None:
            parts.append("colour")
        if self.blur_sigma is not None:
            parts.append(f"blur{self.blur_sigma:.1f}")
        if self.noise_std is not None:
            parts.append(f"noise{self.noise_std:.0f}")
        if self.jpeg_quality is not None:
            parts.append(f"jpeg{self.jpeg_quality}")
        return "+".join(parts)


def sample_degradation(rng: np.random.Generator, probability: float = 0.5) -> Degradation | None:
    """A random mild degradation for `probability` of clips (None for the rest); each effect is independent."""
    if rng.random() >= probability:
        return None
    colour = rng.random() < 0.6
    degradation = Degradation(
        brightness=float(rng.uniform(-20, 20)) if colour else None,
        contrast=float(rng.uniform(0.8, 1.2)) if colour else None,
        saturation=float(rng.uniform(0.7, 1.3)) if colour else None,
        hue_shift=int(rng.integers(-6, 7)) if colour else None,
        blur_sigma=float(rng.uniform(0.5, 1.3)) if rng.random() < 0.35 else None,
        noise_std=float(rng.uniform(2, 7)) if rng.random() < 0.35 else None,
        jpeg_quality=int(rng.integers(25, 70)) if rng.random() < 0.35 else None,
    )
    return degradation if degradation.describe() else None


def degrade(frames: list[np.ndarray], degradation: Degradation | None, rng: np.random.Generator) -> list[np.ndarray]:
    """Apply `degradation` to every BGR frame (fresh noise per frame, as a sensor makes)."""
    if degradation is None:
        return frames
    return [_degrade_frame(frame, degradation, rng) for frame in frames]


def _degrade_frame(frame: np.ndarray, d: Degradation, rng: np.random.Generator) -> np.ndarray:
    image = frame.astype(np.float32)
    if d.saturation is not None or d.hue_shift is not None:
        hsv = cv2.cvtColor(np.clip(image, 0, 255).astype(np.uint8), cv2.COLOR_BGR2HSV).astype(np.float32)
        hsv[..., 0] = (hsv[..., 0] + (d.hue_shift or 0)) % 180
        hsv[..., 1] = np.clip(hsv[..., 1] * (d.saturation or 1.0), 0, 255)
        image = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR).astype(np.float32)
    if d.contrast is not None:
        image = (image - 128) * d.contrast + 128
    if d.brightness is not None:
        image = image + d.brightness
    if d.blur_sigma is not None:
        image = cv2.GaussianBlur(image, (0, 0), d.blur_sigma)
    if d.noise_std is not None:
        image = image + rng.normal(0, d.noise_std, image.shape).astype(np.float32)
    result = np.clip(image, 0, 255).astype(np.uint8)
    if d.jpeg_quality is not None:
        ok, encoded = cv2.imencode(".jpg", result, [cv2.IMWRITE_JPEG_QUALITY, d.jpeg_quality])
        result = cv2.imdecode(encoded, cv2.IMREAD_COLOR) if ok else result
    return result
