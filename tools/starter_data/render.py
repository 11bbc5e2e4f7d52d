"""Turning clip plans into files: decode a source once, render each of its clips through its virtual camera, encode.

Runs in worker processes, one source at a time, so a source's frames are decoded once and then dropped.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shot_model.data.synthetic import write_video

from .planning import FRAMES_PER_CLIP, ClipPlan
from .realism import degrade
from .sources import SourceShot, decode_source
from .virtual_camera import on_canvas, render_window

# Nominal frame rate of a clip file: 16 frames of a 2-6 s shot, so the file plays at roughly real pace.
CLIP_FPS = 8


@dataclass(frozen=True)
class LabelRow:
    """One line of labels.csv."""

    video: str
    scale: str | None
    movement: str
    source: str
    recipe: str


def clip_path(index: int) -> str:
    """A clip's path relative to the output folder."""
    return f"clips/{index:06d}.mp4"


def render_clip(frames: list[np.ndarray], plan: ClipPlan) -> list[np.ndarray]:
    """The clip's 16:9 BGR frames: each sampled source frame seen through the move's window at that moment."""
    windows = plan.move.windows(FRAMES_PER_CLIP)
    pictures = [render_window(frames[index], window, plan.move.aspect) for index, window in zip(plan.frame_indices, windows)]
    pictures = degrade(pictures, plan.degradation, np.random.default_rng(plan.seed))
    return [on_canvas(picture) for picture in pictures]


def render_source(source: SourceShot, plans: list[ClipPlan], out_dir: Path) -> list[tuple[int, LabelRow]]:
    """Render and write every clip planned from `source`; returns (clip index, label row) pairs."""
    decoded = decode_source(source)
    rows = []
    for plan in plans:
        relative = clip_path(plan.index)
        write_video(render_clip(decoded.frames, plan), out_dir / relative, fps=CLIP_FPS)
        origin = f"{source.name}[{plan.first}:{plan.last + 1}]"
        rows.append((plan.index, LabelRow(relative, plan.scale, plan.movement, origin, plan.recipe)))
    return rows
