"""Videos made from nothing, with known cuts and known camera moves: for tests, the demo's example, and fixtures.

Each shot is a virtual camera over a procedurally drawn scene: still, panning, pushing in or pulling out.
"""

import os
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

MOVES = ("static", "pan", "push", "pull")


@dataclass(frozen=True)
class SyntheticShot:
    """One shot to render: `frames` long, the camera doing `move` over scene number `scene`."""

    frames: int
    move: str = "static"
    scene: int = 0

    def __post_init__(self):
        if self.move not in MOVES:
            raise ValueError(f"Unknown move {self.move!r}: expected one of {', '.join(MOVES)}")
        if self.frames < 1:
            raise ValueError(f"A shot needs at least one frame, got {self.frames}")


def scene_image(scene: int, width: int, height: int) -> np.ndarray:
    """A BGR picture, different for every `scene` number: a coloured backdrop with shapes and fine texture.

    Shapes give the shot detector colour and edges to compare; texture gives a moving camera something to track.
    """
    rng = np.random.default_rng(scene)
    hue = int(rng.integers(0, 180))
    hsv = np.zeros((height, width, 3), np.uint8)
    hsv[..., 0] = hue
    hsv[..., 1] = 90 + int(rng.integers(0, 120))
    hsv[..., 2] = np.linspace(60, 200, width, dtype=np.uint8)[None, :]
    image = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)
    for _ in range(40):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        if rng.random() < 0.5:
            cv2.circle(image, centre, int(rng.integers(height // 30, height // 6)), colour, -1)
        else:
            size = rng.integers(height // 30, height // 5, 2)
            cv2.rectangle(image, centre, (centre[0] + int(size[0]), centre[1] + int(size[1])), colour, -1)
    noise = rng.normal(0, 12, (height, width, 1))
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def render_shot(shot: SyntheticShot, width: int, height: int, scene: np.ndarray | None = None) -> list[np.ndarray]:
    """The BGR frames of one shot: a `width`x`height` window moving over a scene twice that size.

    `scene` replaces the drawn picture for `shot.scene` (it must be `2 * width` by `2 * height`).
    """
    scene = scene_image(shot.scene, width * 2, height * 2) if scene is None else scene
    frames = []
    for index in range(shot.frames):
        progress = index / max(1, shot.frames - 1)
        eased = 0.5 - 0.5 * np.cos(np.pi * progress)  # slow in, slow out, as a camera operator moves
        if shot.move == "pan":
            zoom, centre_x = 1.5, 0.35 + 0.3 * eased
        elif shot.move == "push":
            zoom, centre_x = 1.9 - 0.8 * eased, 0.5
        elif shot.move == "pull":
            zoom, centre_x = 1.1 + 0.8 * eased, 0.5
        else:
            zoom, centre_x = 1.5, 0.5
        # The window spans `zoom` times the output size in scene pixels.
        window_w, window_h = width * zoom, height * zoom
        left = centre_x * scene.shape[1] - window_w / 2
        top = scene.shape[0] / 2 - window_h / 2
        transform = np.float32([[window_w / width, 0, left], [0, window_h / height, top]])
        frames.append(cv2.warpAffine(scene, transform, (width, height), flags=cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR))
    return frames


def write_video(frames, path: str | os.PathLike, fps: float = 25.0) -> Path:
    """Encode BGR frames to an H.264 MP4 with PyAV (no ffmpeg command needed)."""
    path = Path(path)
    frames = list(frames)
    height, width = frames[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=round(fps) if float(fps).is_integer() else fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "20", "preset": "veryfast"}
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def make_video(shots: list[SyntheticShot], path: str | os.PathLike, width: int = 320, height: int = 180, fps: float = 25.0) -> list[int]:
    """Render `shots` back to back with hard cuts into `path`; returns the cut frames (first frame of each new shot)."""
    frames, cuts = [], []
    for shot in shots:
        if frames:
            cuts.append(len(frames))
        frames.extend(render_shot(shot, width, height))
    write_video(frames, path, fps)
    return cuts


def demo_shots() -> list[SyntheticShot]:
    """Eight shots, 2–3 s each, covering every camera move: the demo's example video."""
    moves = ["static", "pan", "push", "static", "pull", "pan", "static", "push"]
    return [SyntheticShot(frames=50 + 13 * (index % 3), move=move, scene=index + 1) for index, move in enumerate(moves)]
