"""Opening a video and streaming its frames once, small, in display orientation, with their real timestamps.

Every other stage (shot splitting, clip sampling) reads from this one pass, so a video is decoded exactly once.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction

import av
import cv2
import numpy as np


class VideoError(Exception):
    """A file that cannot be analysed as a video. The message names the file, what is wrong, and what to do."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = str(path), reason


def failure_reason(error: Exception) -> str:
    """What went wrong with one file, without its name (a VideoError's message starts with it)."""
    return error.reason if isinstance(error, VideoError) else str(error)


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a video's picture, before decoding it.

    `width` and `height` are as displayed (after the rotation in the metadata, `rotation` degrees counter-clockwise);
    `num_frames` is an estimate when the container does not store it (`num_frames_exact` is then False).
    """

    path: str
    width: int
    height: int
    fps: float
    num_frames: int
    num_frames_exact: bool
    duration: float
    rotation: int
    codec: str


@dataclass(frozen=True)
class Frame:
    """One decoded frame: its 0-based position in display order, its time in seconds, its BGR pixels."""

    index: int
    time: float
    bgr: np.ndarray  # (height, width, 3) uint8


def probe_video(path: str | os.PathLike) -> VideoInfo:
    """Read a video's facts from its container, checking it is a video at all.

    Raises:
        VideoError: the path is missing, a folder, empty, not a media file, or has no video stream.
    """
    path = str(path)
    with _open_container(path) as container:
        stream = container.streams.video[0]
        try:
            # The rotation lives in each frame's side data, so look at the first frame (this also proves the
            # stream decodes at all).
            first = next(container.decode(stream), None)
        except av.FFmpegError as error:
            raise VideoError(path, f"the video stream does not decode ({error}); the file looks corrupt") from error
        if first is None:
            raise VideoError(path, "the video stream holds no decodable frame")
        rotation = first.rotation % 360
        width, height = (first.width, first.height) if rotation % 180 == 0 else (first.height, first.width)
        fps = _fps(stream)
        duration = _duration_seconds(container, stream)
        if stream.frames:
            num_frames, exact = stream.frames, True
        else:
            num_frames, exact = max(1, round(duration * fps)), False
        return VideoInfo(path, width, height, fps, num_frames, exact, duration, rotation, stream.codec_context.name)


# By default, decode without the deblocking filter when the frames are shrunk at least this much (see iter_frames).
SKIP_DEBLOCKING_SHRINK = 2


def analysis_size(info: VideoInfo, short_side: int) -> tuple[int, int]:
    """(width, height) to decode at: the short side brought down to `short_side`, never up, both even."""
    scale = min(1.0, short_side / min(info.width, info.height))
    return max(2, round(info.width * scale / 2) * 2), max(2, round(info.height * scale / 2) * 2)


@dataclass
class DecodeLog:
    """What a decode had to skip: packets the decoder rejected (and where), and whether the file ended early.

    Damaged files are common in the wild (a garbled packet, a download cut short); like ffmpeg, decoding goes on
    past what it cannot read, and this says what was lost so results can be marked.
    """

    bad_packets: list[float] = field(default_factory=list)  # when each rejected packet would have been shown, s
    frames_declared: int = 0
    frames_decoded: int = 0

    @property
    def truncated(self) -> bool:
        """The file declares more frames than it holds (cut short with its index up front)."""
        return bool(self.frames_declared) and self.frames_decoded < self.frames_declared - max(2, self.frames_declared // 100)

    def warnings(self) -> list[str]:
        """One sentence per problem, for people: how much was lost and where."""
        found = []
        if self.bad_packets:
            places = ", ".join(f"{seconds:.2f}s" for seconds in self.bad_packets[:5]) + (" ..." if len(self.bad_packets) > 5 else "")
            found.append(f"{len(self.bad_packets)} damaged packet(s) could not be decoded and were skipped (at {places}); frames there are missing")
        if self.truncated:
            found.append(
                f"the file is truncated: only {self.frames_decoded} of the {self.frames_declared} frames it declares could be "
                "decoded; results cover what is there"
            )
        return found


def iter_frames(
    path: str | os.PathLike, size: tuple[int, int], threads: int = 0, skip_deblocking: bool | None = None, log: DecodeLog | None = None
) -> Iterator[Frame]:
    """Decode every frame once, scaled to `size` = (width, height) in display orientation, as BGR.

    Arguments:
        path: the video file.
        size: output (width, height), as displayed (rotation already applied).
        threads: decoder threads; 0 lets FFmpeg choose.
        skip_deblocking: leave out H.264/HEVC's deblocking filter; `None` decides by the shrink factor: skipped
            when the frames shrink `SKIP_DEBLOCKING_SHRINK` times or more, where its effect averages away (720p to
            144 lines: 0.9 grey levels on average, bench/decode_options.py) and 720p decodes about 10% faster.
            Smaller video is decoded in full: cheap anyway, and there the blocks would show.
        log: collects the packets skipped as undecodable and whether the file ended early. Without one, a damaged
            or truncated file raises instead.

    Raises:
        VideoError: the file cannot be opened or holds no decodable frame; without `log`, also when a packet does
            not decode or the file is truncated (the message gives the frame reached).
    """
    path = str(path)
    strict = log is None
    log = log if log is not None else DecodeLog()
    with _open_container(path) as container:
        stream = _decoding(container, size, threads, skip_deblocking)
        start = stream.start_time if stream.start_time is not None else 0
        time_base = stream.time_base or Fraction(1, 1)
        log.frames_declared = stream.frames or 0
        index = 0
        for packet in container.demux(stream):  # the last, empty packet flushes the decoder
            try:
                frames = packet.decode()
            except av.FFmpegError as error:
                if strict:
                    raise VideoError(path, f"decoding failed after {index} frames ({error}); the file looks truncated or corrupt") from error
                log.bad_packets.append(float((packet.pts - start) * time_base) if packet.pts is not None else index / _fps(stream))
                continue
            for frame in frames:
                time = float((frame.pts - start) * time_base) if frame.pts is not None else index / _fps(stream)
                yield Frame(index=index, time=max(0.0, time), bgr=frame_pixels(frame, size))
                index += 1
                log.frames_decoded = index
    if index == 0:
        raise VideoError(path, "the video stream holds no decodable frame")
    if strict and log.truncated:
        raise VideoError(path, f"only {index} of the {log.frames_declared} frames the file declares could be decoded; the file is truncated")


def _decoding(container, size: tuple[int, int], threads: int = 0, skip_deblocking: bool | None = None):
    """The video stream, set up to decode as every reader here does (threads, deblocking by shrink factor)."""
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"  # frame + slice threads: about twice the speed of the default on 2 cores
    stream.codec_context.thread_count = threads
    if skip_deblocking is None:
        skip_deblocking = min(stream.width, stream.height) >= SKIP_DEBLOCKING_SHRINK * min(size)
    if skip_deblocking:
        stream.codec_context.options = {"skip_loop_filter": "all"}
    return stream


def frame_pixels(frame: av.VideoFrame, size: tuple[int, int]) -> np.ndarray:
    """A decoded frame as BGR at `size` = (width, height) in display orientation: the one resize of every pixel the
    model sees, in training, evaluation and inference alike."""
    rotation = frame.rotation % 360
    # Scale before rotating, so ask for the pre-rotation shape.
    width, height = size if rotation % 180 == 0 else size[::-1]
    return _rotated(_small_bgr(frame, width, height), rotation)


class FrameReader:
    """A video's frames by index, decoded and shrunk exactly as `iter_frames` does them (so training and evaluation
    see the pixels `analyze` sees), seeking to the keyframe before a wanted frame rather than decoding from the start.

    Frame `i` is the `i`-th frame in display order, as `iter_frames` counts them; `times[i]` is when it is shown.

    Raises:
        VideoError: the file is not a readable video, or a frame cannot be decoded.
    """

    # Decode forward rather than seek when the next wanted frame is at most this many frames ahead.
    SEEK_GAP = 48

    def __init__(self, path: str | os.PathLike, short_side: int):
        self.path = str(path)
        self.info = probe_video(self.path)
        self.size = analysis_size(self.info, short_side)
        with _open_container(self.path) as container:
            stream = container.streams.video[0]
            # Packets carry every frame's timestamp: reading them is a demux, no decoding.
            self._pts = sorted(packet.pts for packet in container.demux(stream) if packet.pts is not None)
            start, time_base = stream.start_time or 0, stream.time_base or Fraction(1, 1)
        if not self._pts:  # no timestamps to seek by: count frames by decoding them
            self._pts = None
            self.times = [frame.time for frame in iter_frames(self.path, (2, 2))]
        else:
            self.times = [max(0.0, float((pts - start) * time_base)) for pts in self._pts]

    def __len__(self) -> int:
        return len(self.times)

    def frames(self, indices: list[int]) -> list[np.ndarray]:
        """BGR frames at `indices` (any order, repeats allowed), at the analysis size."""
        wanted = sorted(set(indices))
        if wanted and (wanted[0] < 0 or wanted[-1] >= len(self)):
            raise VideoError(self.path, f"asked for frame {wanted[-1] if wanted[-1] >= len(self) else wanted[0]} of {len(self)}")
        found = self._sequential(wanted) if self._pts is None else self._seeking(wanted)
        return [found[index] for index in indices]

    def _sequential(self, wanted: list[int]) -> dict[int, np.ndarray]:
        found = {}
        for frame in iter_frames(self.path, self.size):
            if frame.index in wanted:
                found[frame.index] = frame.bgr
            if frame.index >= wanted[-1]:
                break
        return found

    def _seeking(self, wanted: list[int]) -> dict[int, np.ndarray]:
        index_of = {pts: index for index, pts in enumerate(self._pts)}
        found, position = {}, None
        with _open_container(self.path) as container:
            stream = _decoding(container, self.size)
            frames = None
            try:
                for target in wanted:
                    if position is None or not (position < target <= position + self.SEEK_GAP):
                        container.seek(self._pts[target], stream=stream, backward=True, any_frame=False)
                        frames = container.decode(stream)
                    for frame in frames:
                        position = index_of.get(frame.pts, position)
                        if position == target:
                            found[target] = frame_pixels(frame, self.size)
                            break
                    if target not in found:
                        raise VideoError(self.path, f"frame {target} could not be decoded; the file looks truncated or corrupt")
            except av.FFmpegError as error:
                raise VideoError(self.path, f"decoding failed near frame {position} ({error}); the file looks truncated or corrupt") from error
        return found


def _open_container(path: str):
    if not os.path.exists(path):
        raise VideoError(path, "no such file")
    if os.path.isdir(path):
        raise VideoError(path, "is a folder, not a video file")
    if os.path.getsize(path) == 0:
        raise VideoError(path, "the file is empty (0 bytes)")
    try:
        container = av.open(path, metadata_errors="ignore")
    except av.FFmpegError as error:
        raise VideoError(path, f"not a readable video ({error.strerror or error}); is it a video file, and complete?") from error
    if not container.streams.video:
        kinds = ", ".join(sorted({stream.type for stream in container.streams})) or "no streams"
        container.close()
        raise VideoError(path, f"has no video stream (found: {kinds}); an audio-only or data file cannot be analysed")
    return container


def _small_bgr(frame: av.VideoFrame, width: int, height: int) -> np.ndarray:
    """The frame as BGR at (width, height).

    For 4:2:0 video (nearly all H.264/HEVC in MP4) the planes are shrunk with OpenCV before the colour conversion: 1.5x
    the speed of FFmpeg's swscale doing both at once (569 vs 367 frames/s at 720p here), within one level of
    its output. Other pixel formats go through swscale.
    """
    # Only limited-range yuv420p: OpenCV's conversion assumes it, and full-range (yuvj) video would shift colour.
    if frame.format.name != "yuv420p" or frame.width % 2 or frame.height % 2 or width % 4 or height % 2:
        return frame.to_ndarray(width=width, height=height, format="bgr24", interpolation="AREA")
    y = cv2.resize(_plane(frame, 0, frame.height, frame.width), (width, height), interpolation=cv2.INTER_AREA)
    chroma_shape, chroma_size = (frame.height // 2, frame.width // 2), (width // 2, height // 2)
    u = cv2.resize(_plane(frame, 1, *chroma_shape), chroma_size, interpolation=cv2.INTER_AREA)
    v = cv2.resize(_plane(frame, 2, *chroma_shape), chroma_size, interpolation=cv2.INTER_AREA)
    i420 = np.concatenate([y.reshape(-1), u.reshape(-1), v.reshape(-1)]).reshape(height * 3 // 2, width)
    return cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420)


def _plane(frame: av.VideoFrame, index: int, height: int, width: int) -> np.ndarray:
    """A view of one plane of the decoder's own buffer, no copy (rows may be padded to `line_size`): copying
    every 720p frame before shrinking it cost about 6% of the decode time."""
    plane = frame.planes[index]
    return np.frombuffer(plane, np.uint8, count=height * plane.line_size).reshape(height, plane.line_size)[:, :width]


def _rotated(pixels: np.ndarray, counter_clockwise_degrees: int) -> np.ndarray:
    """Turn decoded pixels upright; PyAV reports a frame's display rotation counter-clockwise, as np.rot90 turns."""
    if counter_clockwise_degrees == 0:
        return pixels
    return np.ascontiguousarray(np.rot90(pixels, k=counter_clockwise_degrees // 90))


def _duration_seconds(container, stream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0


# A stream that states no frame rate at all (rare: some raw or damaged files) is taken as 25 fps, here only, so
# every later stage can rely on VideoInfo.fps > 0. Frame times still come from timestamps when they exist.
FALLBACK_FPS = 25.0


def _fps(stream) -> float:
    rate = stream.average_rate or stream.guessed_rate
    return float(rate) if rate else FALLBACK_FPS
