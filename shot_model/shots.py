"""Shot splitting with PySceneDetect's detectors and TransNetV2, fed frame by frame from the single decode pass.

`ShotSplitter` reports boundaries (cuts and gradual transitions) as the frames stream past; `ShotStream` turns them
into shots; `detect_shots` is the one-call version for a file.
"""

import os
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scenedetect import AdaptiveDetector, ContentDetector, FrameTimecode, HashDetector, HistogramDetector, ThresholdDetector

from .jump_cuts import JumpCutTest
from .results import Shot, Transition
from .transnet import Boundary, FlashTest, GradualCheck, GradualSettings, TransNetDetector, TransNetSettings, small_rgb
from .video import Frame, analysis_size, iter_frames, probe_video

# name -> (PySceneDetect detector, the name of its sensitivity argument, our defaults for its other arguments).
# "none" treats a file as a single shot. AdaptiveDetector's min_content_val is raised from 15 to 25: on the news
# clip and a 116 s montage of the train clips that removes every false cut from handheld shake and whip pans
# (pooled F1 0.885 -> 0.964, see docs/benchmarks.md) at the cost of one very low-contrast cut.
DETECTORS = {
    "none": (None, None, {}),
    # The default: AdaptiveDetector on 48x27 copies of the frames for cuts (as accurate there as at 256x144 on the
    # montages and hand-checked clips, a fraction of the cost), and TransNetV2 only where cheap signals suggest a
    # gradual transition (transnet.GradualCheck): its dissolves, fades and wipes replace the cuts found inside them.
    "hybrid": (AdaptiveDetector, "adaptive_threshold", {"min_content_val": 25.0}),
    "adaptive": (AdaptiveDetector, "adaptive_threshold", {"min_content_val": 25.0}),
    "content": (ContentDetector, "threshold", {}),
    "hash": (HashDetector, "threshold", {}),
    "histogram": (HistogramDetector, "threshold", {}),
    # TransNetV2 (a network trained for shot boundaries; transnet.py): cuts and gradual transitions (dissolves, fades,
    # wipes) with their frames; its threshold is on the network's score (0.5 by default).
    "transnetv2": (TransNetDetector, "threshold", {}),
}


@dataclass(frozen=True)
class SplitSettings:
    """How to find cuts.

    Attributes:
        detector: one of `DETECTORS`: "hybrid" (the default: cuts by PySceneDetect's AdaptiveDetector on small
            frames, dissolves, fades and wipes with their frames by TransNetV2 on the stretches that look like one);
            "adaptive" (rolling-average content change, robust to camera motion), "content", "hash" or "histogram" —
            PySceneDetect's detectors of the same names, cuts only; "transnetv2" (the network on every frame: cuts and
            gradual transitions, about the decode's CPU time again); "none" finds no cut.
        threshold: the detector's sensitivity (its own default when `None`; for "hybrid", AdaptiveDetector's); lower
            finds more cuts.
        min_shot_seconds: the least time between two cuts (the last shot of a video may be shorter), rounded to
            whole frames (half to even: 0.15 s is 4 frames at 24, 25 and 30 fps). 0.15 s keeps the 5-frame shots of
            fast-cut ads, which 0.2 s merged at 30 fps: on the tuning montages 3 more cuts found for 1 false
            boundary more, on the report montages 2 more and none (docs/benchmarks.md section 3d); 0.5 s merged
            most of them.
        flash_filter: drop a cut where 1-3 frames flash and the same picture comes back (camera flashes, a white
            frame): it is no boundary.
        long_dissolves: the hybrid also looks for transitions of 2-3 s (documentary cross-dissolves), which the
            change across 24 frames does not single out, by the change across 48 (`transnet.GradualSettings`); it
            checks about a quarter more frames with the network (docs/benchmarks.md section 3e).
        jump_cuts: the hybrid also cuts where one frame's change stands far above its neighbours' over a large part
            of the frame (`jump_cuts.JumpCutTest`): two takes of one scene, which the rolling average misses.
        fades: also cut in the middle of fades through black (PySceneDetect's ThresholdDetector). Off by
            default: content detectors already cut at the edges of a fade, and the two together leave black slivers.
        decode_short_side: frames are analysed with their short side scaled down to this many pixels.
    """

    detector: str = "hybrid"
    threshold: float | None = None
    min_shot_seconds: float = 0.15
    fades: bool = False
    flash_filter: bool = True
    long_dissolves: bool = True
    jump_cuts: bool = True
    decode_short_side: int = 144

    def __post_init__(self):
        if self.detector not in DETECTORS:
            raise ValueError(f"Unknown detector {self.detector!r}: expected one of {', '.join(DETECTORS)}")
        if self.min_shot_seconds < 0:
            raise ValueError(f"min_shot_seconds must be >= 0, got {self.min_shot_seconds}")


class ShotSplitter:
    """Feeds frames to the chosen detector in order and returns boundaries as they are confirmed.

    A boundary at frame `c` means frame `c` is the first frame of a new shot. Detectors that look ahead (adaptive,
    fades, TransNetV2) confirm a boundary some frames after it, at most `LATENCY` frames; `push` returns it then.
    """

    # The most frames between a boundary and the push that returns it, over every detector: the hybrid's gradual check
    # (its cuts wait for it too, to come out in order) and TransNetV2 on every frame. sampling.ShotFrameBuffer keeps
    # at least this many recent frames whole, so the shot after a late boundary still has all its frames.
    LATENCY = max(GradualCheck.latency() + 2, TransNetDetector.LATENCY)

    def __init__(self, settings: SplitSettings, fps: float):
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps} (probe_video always gives one)")
        self.fps = float(fps)
        self.min_shot_frames = max(1, round(settings.min_shot_seconds * self.fps))
        detector_class, threshold_name, defaults = DETECTORS[settings.detector]
        self.detectors = []
        self.transnet = None
        self.gradual = None
        self.small_frames = settings.detector == "hybrid"  # the content detector sees the 48x27 copies
        # A flash (1-3 bright frames, then the same picture) is not a cut: checked on 48x27 copies of the frames.
        # TransNetV2 runs the same test on its own copies, so only PySceneDetect's cuts need this one; the hybrid's
        # gradual check reads its frames from the same history.
        self.flashes = FlashTest(TransNetSettings(), self.LATENCY) if settings.flash_filter or self.small_frames else None
        if detector_class is TransNetDetector:
            options = {threshold_name: settings.threshold} if settings.threshold is not None else {}
            self.transnet = TransNetDetector(TransNetSettings(**options))
            self.flashes = None
        elif detector_class is not None:
            options = {**defaults, "min_scene_len": self.min_shot_frames}
            if settings.threshold is not None:
                options[threshold_name] = settings.threshold
            self.detectors.append(detector_class(**options))
            if settings.fades:
                self.detectors.append(ThresholdDetector(min_scene_len=self.min_shot_frames))
        if self.small_frames:
            self.gradual = GradualCheck(self.flashes, GradualSettings() if settings.long_dissolves else GradualSettings(long_lag=0))
        self.jump_cuts = JumpCutTest() if self.small_frames and settings.jump_cuts else None
        self.flash_filter = settings.flash_filter
        self._held: list[Boundary] = []  # the hybrid's cuts and transitions, until no earlier transition can come
        self._gradual_spans: list[Boundary] = []  # transitions found: cuts inside them are theirs
        self._cuts: list[int] = []
        self._last_index = -1

    def push(self, frame: Frame) -> list[Boundary]:
        """Process the next frame (BGR, in order); return newly confirmed boundaries, in order."""
        self._last_index = frame.index
        if self.transnet is not None:
            return self._accept(self.transnet.push(frame.bgr))  # it runs its own flash test
        small = None
        if self.flashes is not None:
            small = small_rgb(frame.bgr)
            self.flashes.add(frame.index, small)
        pixels = np.ascontiguousarray(small[:, :, ::-1]) if self.small_frames else frame.bgr
        timecode = FrameTimecode(frame.index, self.fps)
        found = [_cut(cut.frame_num) for detector in self.detectors for cut in detector.process_frame(timecode, pixels)]
        if self.gradual is None:
            return self._accept(found)
        if self.jump_cuts is not None:  # 3 frames late: well ahead of the gradual check's horizon, so still in order
            found += [_cut(cut) for cut in self.jump_cuts.push(frame.index, small)]
        return self._release(found + self.gradual.push(frame.index, small), before=self.gradual.horizon - TRANSITION_MARGIN)

    def finish(self) -> list[Boundary]:
        """Flush the detectors at the end of the video; return the last confirmed boundaries."""
        if self.transnet is not None:
            return self._accept(self.transnet.finish())
        end = FrameTimecode(self._last_index + 1, self.fps)
        found = [_cut(cut.frame_num) for detector in self.detectors for cut in detector.post_process(end)]
        if self.gradual is None:
            return self._accept(found)
        if self.jump_cuts is not None:
            found += [_cut(cut) for cut in self.jump_cuts.finish()]
        return self._release(found + self.gradual.finish(), before=None)

    def _release(self, found: list[Boundary], before: int | None) -> list[Boundary]:
        """Hold the hybrid's boundaries until the gradual check has passed them (`before`; None: all); then a cut
        inside a gradual transition (content detectors cut at a dissolve's or fade's edges) gives way to it."""
        self._held += found
        self._gradual_spans += [boundary for boundary in found if boundary.kind == "gradual"]
        ready = [boundary for boundary in self._held if before is None or boundary.cut < before]
        self._held = [boundary for boundary in self._held if before is not None and boundary.cut >= before]
        ready = [
            boundary for boundary in ready
            if boundary.kind == "gradual" or not any(
                span.first - TRANSITION_MARGIN <= boundary.cut <= span.last + 1 + TRANSITION_MARGIN for span in self._gradual_spans
            )
        ]
        if before is not None:  # spans behind every held boundary can no longer swallow a cut
            oldest = min([boundary.cut for boundary in self._held], default=before)
            self._gradual_spans = [span for span in self._gradual_spans if span.last + 1 + TRANSITION_MARGIN >= oldest]
        return self._accept(ready)

    def _accept(self, found: list[Boundary]) -> list[Boundary]:
        """Keep boundaries that are new, inside the video, and at least a minimum shot away from the last one.

        Two detectors may see the same transition a frame or two apart; the minimum shot length merges those.
        """
        accepted = []
        for boundary in sorted({boundary.cut: boundary for boundary in found}.values(), key=lambda boundary: boundary.cut):
            if self.flash_filter and self.flashes is not None and boundary.kind == "cut" and self.flashes.is_flash(boundary.cut):
                continue
            previous = self._cuts[-1] if self._cuts else 0
            if 0 < boundary.cut <= self._last_index and boundary.cut - previous >= self.min_shot_frames:
                self._cuts.append(boundary.cut)
                accepted.append(boundary)
        return accepted


# A content detector's cut this close to a gradual transition's frames is that transition.
TRANSITION_MARGIN = 2


def _cut(frame: int) -> Boundary:
    return Boundary("cut", frame, frame, frame, 1.0)


def make_shot(
    index: int, start: int, end: int, frame_times: list[float], end_time: float,
    transition_in: Transition | None = None, transition_out: Transition | None = None,
) -> Shot:
    """Shot number `index`, frames `[start, end)`: it starts when frame `start` is shown and ends when frame `end`
    is (or at `end_time`, the end of the video, when no frame follows)."""
    end_shown = frame_times[end] if end < len(frame_times) else end_time
    return Shot(index, start, end, frame_times[start], end_shown, transition_in, transition_out)


def transition_at(boundary: Boundary) -> Transition:
    """A detector's boundary as results carry it: a cut's frames are empty, a gradual transition's its own."""
    if boundary.kind == "gradual":
        return Transition("gradual", boundary.first, boundary.last + 1)
    return Transition("cut", boundary.cut, boundary.cut)


def shots_from_cuts(cuts: list[int], num_frames: int, frame_times: list[float], end_time: float) -> list[Shot]:
    """Shots tiling frames `[0, num_frames)` split at `cuts`; times come from each shot's first frame.

    Arguments:
        cuts: ascending first frames of new shots, each in `(0, num_frames)`.
        num_frames: frames decoded.
        frame_times: the time of every decoded frame, in seconds.
        end_time: when the video ends (the last frame's time plus its duration).
    """
    starts = [0, *cuts]
    ends = [*cuts, num_frames]
    return [make_shot(index, start, end, frame_times[:num_frames], end_time) for index, (start, end) in enumerate(zip(starts, ends))]


class ShotStream:
    """Frames in, finished shots out, as the video streams past: the one splitting loop that `detect_shots` and the
    pipeline share. A video without a cut is one shot."""

    def __init__(self, settings: SplitSettings, fps: float):
        self.fps = fps
        self.splitter = ShotSplitter(settings, fps)
        self.frame_times: list[float] = []
        self._start = 0
        self._count = 0
        self._transition_in: Transition | None = None

    def push(self, frame: Frame) -> list[Shot]:
        """Take the next frame; return the shots its confirmed cuts close (usually none)."""
        self.frame_times.append(frame.time)
        return self._close_at(self.splitter.push(frame))

    def finish(self) -> list[Shot]:
        """The last shots, up to the end of the video."""
        return [*self._close_at(self.splitter.finish()), self._shot(len(self.frame_times))]

    @property
    def end_time(self) -> float:
        return video_end_time(self.frame_times, self.fps)

    def _close_at(self, boundaries: list[Boundary]) -> list[Shot]:
        return [self._shot(boundary.cut, transition_at(boundary)) for boundary in boundaries]

    def _shot(self, end: int, transition_out: Transition | None = None) -> Shot:
        shot = make_shot(self._count, self._start, end, self.frame_times, self.end_time, self._transition_in, transition_out)
        self._start, self._count, self._transition_in = end, self._count + 1, transition_out
        return shot


def detect_shots(path: str | os.PathLike, settings: SplitSettings = SplitSettings()) -> list[Shot]:
    """Split a video file into shots. A video without a cut is one shot.

    Arguments:
        path: the video file.
        settings: detector, threshold, minimum shot length, fades, analysis resolution.

    Returns:
        Shots tiling the whole video, in order.

    Raises:
        VideoError: the file is not a readable video.
    """
    info = probe_video(path)
    return split_frames(iter_frames(path, analysis_size(info, settings.decode_short_side)), settings, info.fps)


def split_frames(frames: Iterable[Frame], settings: SplitSettings, fps: float) -> list[Shot]:
    """Shots of decoded frames (in order, at the analysis size), as `detect_shots` finds them in a file: for frames
    made in memory, such as the benchmarks' generated transitions."""
    stream = ShotStream(settings, fps)
    shots = []
    for frame in frames:
        shots += stream.push(frame)
    return shots + stream.finish()


def video_end_time(frame_times: list[float], fps: float) -> float:
    """When the last frame stops showing: its time plus one average frame duration."""
    return frame_times[-1] + 1.0 / fps
