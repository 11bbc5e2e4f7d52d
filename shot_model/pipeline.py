"""From a video file to per-shot predictions in one streaming pass: decode, split, sample, classify.

Memory stays flat with video length: frames are kept only for the shot in progress, thinned as it grows.
"""

import os
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from .results import Shot, ShotPrediction, VideoAnalysis, average_probabilities
from .sampling import ShotFrameBuffer, clip_frame_indices, nearest_frames, rgb_clip
from .shots import ShotSplitter, ShotStream, SplitSettings
from .thumbnails import Thumbnails
from .video import DecodeLog, VideoInfo, analysis_size, iter_frames, probe_video

if TYPE_CHECKING:  # torch loads with the model, not with this module
    from .classifier import ShotClassifier

# progress(stage, done, total): stage is "frames" (decoded and split) or "shots" (classified); total may be an
# estimate for frames.
ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class AnalysisSettings:
    """Everything that shapes an analysis besides the model.

    Attributes:
        split: how shots are found.
        clips_per_shot: clips sampled per shot (each over an equal part of it); their softmax scores are averaged.
        batch_size: clips per forward pass.
        classify_threads: torch threads for classifying on a CPU, beside the decoder's; `None` takes half the cores
            (1 of 2 kept the decoder and the model from fighting over the cores: bench/ad_paced.py).
    """

    split: SplitSettings = field(default_factory=SplitSettings)
    clips_per_shot: int = 1
    batch_size: int = 16
    classify_threads: int | None = None

    def __post_init__(self):
        if self.clips_per_shot < 1:
            raise ValueError(f"clips_per_shot must be at least 1, got {self.clips_per_shot}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {self.batch_size}")
        if self.classify_threads is not None and self.classify_threads < 1:
            raise ValueError(f"classify_threads must be at least 1, got {self.classify_threads}")


class StageClock:
    """Seconds spent in each stage of an analysis: the `timings` of every result, which the benchmarks print."""

    # classify runs on a worker thread beside the others; wait is the time the decoding thread spent waiting for it.
    STAGES = ("decode", "split", "sample", "classify", "wait")

    def __init__(self):
        self.seconds = dict.fromkeys(self.STAGES, 0.0)

    @contextmanager
    def timing(self, stage: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] += time.perf_counter() - start


class _ShotQueue:
    """Shots waiting for the model, classified a batch at a time so the model always sees full batches.

    A full batch goes to a worker thread while the caller goes on decoding and splitting: on a 2-core machine the
    decoder and the model then keep both cores busy instead of taking turns (bench/ad_paced.py). At most
    `MAX_PENDING_BATCHES` wait at once, so a slow model holds back the decoder rather than piling up clips.
    Predictions reach `on_prediction` on the caller's thread, in shot order.
    """

    MAX_PENDING_BATCHES = 2

    def __init__(self, classifier: "ShotClassifier", settings: AnalysisSettings, on_prediction, clock: StageClock):
        self.classifier = classifier
        self.settings = settings
        self.on_prediction = on_prediction
        self.clock = clock
        self._waiting: list[tuple[Shot, list]] = []
        self._pending: deque[tuple[Future, list[tuple[Shot, list]]]] = deque()
        self._worker = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="shot-model-classify", initializer=_limit_torch_threads, initargs=(settings.classify_threads,)
        )

    def add(self, shot: Shot, clips: list) -> None:
        self._waiting.append((shot, clips))
        if sum(len(clips) for _, clips in self._waiting) >= self.settings.batch_size:
            self._submit()
        self._deliver(wait=len(self._pending) > self.MAX_PENDING_BATCHES)

    def flush(self) -> None:
        """Classify what is left and deliver every prediction."""
        self._submit()
        while self._pending:
            self._deliver(wait=True)

    def close(self) -> None:
        """End the worker thread (after `flush`, or on an error, dropping what still waits)."""
        self._worker.shutdown(wait=True, cancel_futures=True)

    def _submit(self) -> None:
        if not self._waiting:
            return
        all_clips = [clip for _, clips in self._waiting for clip in clips]
        self._pending.append((self._worker.submit(self._classify, all_clips), self._waiting))
        self._waiting = []

    def _classify(self, clips: list):
        with self.clock.timing("classify"):
            return self.classifier.classify(clips, batch_size=self.settings.batch_size)

    def _deliver(self, wait: bool) -> None:
        """Hand on the predictions of finished batches, oldest first; with `wait`, block for the oldest one."""
        while self._pending and (wait or self._pending[0][0].done()):
            future, shots = self._pending.popleft()
            with self.clock.timing("wait"):
                probabilities = iter(future.result())
            for shot, clips in shots:
                self.on_prediction(_prediction(shot, average_probabilities([next(probabilities) for _ in clips])))
            wait = False


def _limit_torch_threads(count: int | None) -> None:
    """Runs on the classifying thread: torch's thread count is per thread, so the caller's own torch is untouched."""
    import torch

    torch.set_num_threads(count or max(1, (os.cpu_count() or 2) // 2))


def analyze_video(
    path: str | os.PathLike,
    classifier: "ShotClassifier",
    settings: AnalysisSettings = AnalysisSettings(),
    progress: ProgressCallback | None = None,
    on_shot: Callable[[ShotPrediction], None] | None = None,
    info: VideoInfo | None = None,
) -> VideoAnalysis:
    """Split a video into shots and classify each one's scale and camera movement.

    Arguments:
        path: the video file.
        classifier: a loaded model (load it once, reuse it for many videos).
        settings: splitting, sampling and batching options.
        progress: called as frames are decoded and shots classified.
        on_shot: called with each prediction as soon as it is made, in order, for incremental output.
        info: the video's `probe_video` result, when the caller already has it (saves opening the file twice).

    Returns:
        A `VideoAnalysis` whose shots tile the whole video.

    Raises:
        VideoError: the file is missing, not a video, or holds no decodable frame (the message names the file). A
            file damaged part-way is analysed as far as it decodes: the result's `warnings` say what was lost, and
            `complete` is False for a file cut short.
    """
    path = str(path)
    info = info or probe_video(path)
    num_frames = classifier.num_frames
    shot_stream = ShotStream(settings.split, info.fps)
    # The newest frames stay whole for as long as the splitter may take to confirm a boundary before them: 335
    # frames, 37 MB at 144 lines and 16:9.
    buffer = ShotFrameBuffer(capacity=max(96, 4 * num_frames * settings.clips_per_shot), keep_recent=ShotSplitter.LATENCY)
    predictions: list[ShotPrediction] = []

    def record(prediction: ShotPrediction) -> None:
        predictions.append(prediction)
        if on_shot is not None:
            on_shot(prediction)
        if progress is not None:
            progress("shots", len(predictions), 0)

    clock = StageClock()
    queue = _ShotQueue(classifier, settings, record, clock)
    thumbnails = Thumbnails()

    def sample(shot: Shot) -> None:
        with clock.timing("sample"):
            frames = buffer.pop_before(shot.end_frame)
            thumbnails.append(nearest_frames(frames, [(shot.start_frame + shot.end_frame) // 2])[0].bgr)
            # Clips come from the frames the shot shows alone: a dissolve's blend belongs to neither shot.
            clips = [
                rgb_clip(nearest_frames(frames, indices))
                for indices in clip_frame_indices(*shot.clear_frames, num_frames, settings.clips_per_shot)
            ]
        queue.add(shot, clips)

    decode_log = DecodeLog()  # a damaged or truncated file is analysed as far as it decodes, and says so
    frames = iter_frames(path, analysis_size(info, settings.split.decode_short_side), log=decode_log)
    try:
        while True:
            with clock.timing("decode"):
                frame = next(frames, None)
            if frame is None:
                break
            with clock.timing("sample"):
                buffer.add(frame)
            with clock.timing("split"):
                finished = shot_stream.push(frame)
            for shot in finished:
                sample(shot)
            if progress is not None and frame.index % 50 == 0:
                progress("frames", frame.index, info.num_frames)
        with clock.timing("split"):
            finished = shot_stream.finish()
        for shot in finished:
            sample(shot)
        queue.flush()
    finally:
        queue.close()
    return VideoAnalysis(
        file=path,
        fps=info.fps,
        num_frames=len(shot_stream.frame_times),
        duration=shot_stream.end_time,
        width=info.width,
        height=info.height,
        model_id=classifier.model_id,
        model_weights=classifier.weights_fingerprint,
        scale_labels=classifier.scale_labels,
        movement_labels=classifier.movement_labels,
        shots=predictions,
        settings=asdict(settings),
        thumbnails=thumbnails,
        warnings=decode_log.warnings(),
        complete=not decode_log.truncated,
        timings={stage: round(seconds, 4) for stage, seconds in clock.seconds.items()},
    )


def _prediction(shot: Shot, probabilities) -> ShotPrediction:
    return ShotPrediction(
        shot=shot,
        scale=max(probabilities.scale, key=probabilities.scale.get) if probabilities.scale else None,
        scale_probs=probabilities.scale,
        movement=max(probabilities.movement, key=probabilities.movement.get) if probabilities.movement else None,
        movement_probs=probabilities.movement,
    )
