"""Jump cuts: a cut between two takes of the same scene (a vlog's trimmed pause, a product turned between takes).

Before and after look alike, so the content change of the whole frame is small — often below what
AdaptiveDetector's rolling average singles out (on the tuning montages it found 6 of 18). What still marks them: one
frame's change stands far above every change around it, and it is spread over a large part of the frame. A caption or logo
appearing makes a spike as sudden but keeps to a few cells of a 4x6 grid (at most 8 of 24 on the montages' three
caption styles); a camera move changes its neighbouring frames as much; a re-timed duplicate frame (changes 0, 10, 0,
0, 10) has equal spikes within the reach. The thresholds were chosen on the tuning montages and checked for false cuts
on the 72 train clips (docs/experiments.md section 20).
"""

from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class JumpCutSettings:
    """When one frame's change from the frame before is a jump cut.

    Attributes:
        min_change: the frame's change (the mean over the grid's cells of the mean absolute RGB difference of the
            48x27 copies, 0-255) is at least this. Below it sensor noise and keyframe pops pass; the lowest true one
            seen on real footage was 8.3 (a vlog's jump cut).
        min_ratio: and at least this many times every other change within `reach` frames.
        min_cell_share: and this share of the grid's cells changed more than `cell_ratio` times their own largest
            change within `reach`, plus `cell_floor`: 10 of 24 cells, above the 8 of the largest caption seen.
        reach: frames on each side compared; the test answers this many frames late.
    """

    min_change: float = 8.0
    min_ratio: float = 3.0
    min_cell_share: float = 0.4
    cell_ratio: float = 3.0
    cell_floor: float = 2.0
    reach: int = 3
    grid: tuple[int, int] = (4, 6)  # rows, columns


class JumpCutTest:
    """Fed the 48x27 copies in order; reports the first frames of jump cuts `settings.reach` frames after them."""

    def __init__(self, settings: JumpCutSettings = JumpCutSettings()):
        self.settings = settings
        self._previous: np.ndarray | None = None
        # (frame index, per-cell change from the frame before): the frame tested and `reach` frames each side
        self._changes: deque[tuple[int, np.ndarray]] = deque(maxlen=2 * settings.reach + 1)
        self._next_to_test: int | None = None
        # the grid: where its cells start and how many values each holds, set from the first frame's size
        self._row_starts = self._column_starts = self._cell_values = None

    def push(self, index: int, small: np.ndarray) -> list[int]:
        """Frame `index` (48x27 RGB); return the jump cuts now confirmed, as the first frames of their new shots."""
        previous, self._previous = self._previous, small
        if previous is None:  # the first frame has no change to measure
            self._next_to_test = index + 1
            self._set_grid(small.shape)
            return []
        self._changes.append((index, self._cell_changes(small, previous)))
        return self._test_until(index - self.settings.reach)

    def finish(self) -> list[int]:
        """The end of the video: test the last frames, with fewer neighbours after them."""
        return self._test_until(self._changes[-1][0] if self._changes else -1)

    def _set_grid(self, shape: tuple[int, ...]) -> None:
        rows, columns = self.settings.grid
        row_edges = np.linspace(0, shape[0], rows + 1).round().astype(int)
        column_edges = np.linspace(0, shape[1], columns + 1).round().astype(int)
        self._row_starts, self._column_starts = row_edges[:-1], column_edges[:-1]
        self._cell_values = np.outer(np.diff(row_edges), np.diff(column_edges)) * shape[2]

    def _test_until(self, last: int) -> list[int]:
        found = []
        while self._next_to_test is not None and self._next_to_test <= last:
            if self._is_jump_cut(self._next_to_test):
                found.append(self._next_to_test)
            self._next_to_test += 1
        return found

    def _is_jump_cut(self, index: int) -> bool:
        s = self.settings
        tested = next((cells for frame, cells in self._changes if frame == index), None)
        if tested is None or tested.mean() < s.min_change:  # most frames end here
            return False
        others = [cells for frame, cells in self._changes if frame != index and abs(frame - index) <= s.reach]
        if not others:
            return False
        if tested.mean() < s.min_ratio * max(cells.mean() for cells in others):
            return False
        around = np.max(others, axis=0)
        return float((tested > s.cell_ratio * around + s.cell_floor).mean()) >= s.min_cell_share

    def _cell_changes(self, small: np.ndarray, previous: np.ndarray) -> np.ndarray:
        """The mean absolute difference of each grid cell, over its pixels and the colour channels."""
        difference = cv2.absdiff(small, previous)
        sums = np.add.reduceat(np.add.reduceat(difference, self._row_starts, axis=0, dtype=np.int32), self._column_starts, axis=1)
        return sums.sum(axis=2) / self._cell_values
