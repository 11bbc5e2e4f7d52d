"""Choosing which frames of a shot the model sees, and keeping just enough frames while the video streams past.

Memory stays bounded however long a shot or a video is: `ShotFrameBuffer` thins old frames as it fills.
"""

from collections import deque

import numpy as np

from .video import Frame


def clip_frame_indices(start: int, end: int, num_frames: int, clips: int = 1, edge_fraction: float = 0.05) -> list[list[int]]:
    """Frame indices of `clips` clips of `num_frames` frames each, evenly spaced inside the shot `[start, end)`.

    Each clip covers an equal part of the shot. `edge_fraction` of the shot (at most 5 frames) is skipped at each
    end, so dissolves and the frame either side of a cut stay out. A shot shorter than `num_frames` repeats
    frames rather than fail.
    """
    if end <= start:
        raise ValueError(f"Empty shot [{start}, {end})")
    length = end - start
    edge = min(5, int(length * edge_fraction))
    first, last = start + edge, end - 1 - edge
    bounds = np.linspace(first, last + 1, clips + 1)
    indices = []
    for clip in range(clips):
        clip_first, clip_last = bounds[clip], max(bounds[clip], bounds[clip + 1] - 1)
        positions = np.linspace(clip_first, clip_last, num_frames)
        indices.append([int(round(position)) for position in positions])
    return indices


class ShotFrameBuffer:
    """The frames of the shot in progress, thinned evenly as it grows so memory stays bounded.

    Older frames are kept on a grid of every `stride`-th frame from the shot's start; the grid doubles its step
    whenever more than `capacity` of them are kept, so a shot of any length is covered evenly. The newest
    `keep_recent` frames are always kept whole, on top: detectors confirm a boundary some frames after it happens
    (the default splitter up to `ShotSplitter.LATENCY` frames, about 13 s at 25 fps, when it holds cuts back for a
    transition check), and the frames after the boundary belong to the next shot, which may be short.
    """

    def __init__(self, capacity: int, keep_recent: int):
        if capacity < 1 or keep_recent < 0:
            raise ValueError(f"capacity must be >= 1 and keep_recent >= 0, got {capacity} and {keep_recent}")
        self.capacity = capacity
        self.keep_recent = keep_recent
        self._shot_start = 0
        self._stride = 1
        self._older: list[Frame] = []
        self._recent: deque[Frame] = deque()

    def add(self, frame: Frame) -> None:
        self._recent.append(frame)
        if len(self._recent) > self.keep_recent:
            self._keep_if_on_grid(self._recent.popleft())
        while len(self._older) > self.capacity:
            self._stride *= 2
            self._older = [frame for frame in self._older if self._on_grid(frame)]

    def pop_before(self, end_frame: int) -> list[Frame]:
        """Remove and return the kept frames with index < `end_frame` (a finished shot), oldest first.

        The next shot starts at `end_frame`, with a fresh grid.
        """
        kept = self._older + list(self._recent)
        taken = [frame for frame in kept if frame.index < end_frame]
        remaining = [frame for frame in kept if frame.index >= end_frame]
        self._shot_start, self._stride = end_frame, 1
        self._older = remaining[: max(0, len(remaining) - self.keep_recent)]
        self._recent = deque(remaining[len(self._older) :])
        return taken

    def _on_grid(self, frame: Frame) -> bool:
        return (frame.index - self._shot_start) % self._stride == 0

    def _keep_if_on_grid(self, frame: Frame) -> None:
        if self._on_grid(frame):
            self._older.append(frame)


def nearest_frames(frames: list[Frame], indices: list[int]) -> list[Frame]:
    """For each wanted index, the kept frame closest to it (frames must be sorted by index, and not empty)."""
    kept = np.array([frame.index for frame in frames])
    chosen = []
    for index in indices:
        position = int(np.searchsorted(kept, index))
        candidates = [c for c in (position - 1, position) if 0 <= c < len(frames)]
        chosen.append(frames[min(candidates, key=lambda c: abs(kept[c] - index))])
    return chosen


def rgb_clip(frames: list[Frame]) -> np.ndarray:
    """Stack BGR frames into one RGB clip of shape (frames, height, width, 3), as the video processor expects."""
    return np.stack([frame.bgr[:, :, ::-1] for frame in frames])
