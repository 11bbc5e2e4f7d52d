"""Small videos made for tests: known cuts, odd formats, and broken files, written with PyAV."""

from pathlib import Path

import av
import numpy as np

from shot_model.data.synthetic import SyntheticShot, make_video, render_shot, write_video


def cut_video(path: Path, lengths=(40, 30, 50), moves=None, width=320, height=180, fps=25.0) -> list[int]:
    """Hard cuts between distinct scenes; returns the cut frames."""
    moves = moves or ["static"] * len(lengths)
    shots = [SyntheticShot(frames=n, move=move, scene=index + 11) for index, (n, move) in enumerate(zip(lengths, moves))]
    return make_video(shots, path, width, height, fps)


def rotated_video(path: Path, counter_clockwise: int = 90) -> Path:
    """A landscape 96x48 encode tagged to display rotated; its left third is white."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 96, 48, "yuv420p"
        stream.set_display_rotation(counter_clockwise)
        for _ in range(12):
            pixels = np.zeros((48, 96, 3), np.uint8)
            pixels[:, :32] = 255
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def grayscale_video(path: Path, frames: int = 30) -> Path:
    """A video whose pixels are stored as 8-bit gray (FFV1 in Matroska), two scenes of different brightness."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("ffv1", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "gray"
        for index in range(frames):
            level = 40 if index < frames // 2 else 210
            pixels = np.full((48, 64), level, np.uint8)
            pixels[10:20, 10:30] = 255 - level
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="gray")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def audio_only_file(path: Path) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=44100)
        for index in range(20):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 44100, index * 1024
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def one_frame_video(path: Path) -> Path:
    return write_video(render_shot(SyntheticShot(frames=1, scene=5), 160, 90), path)


def truncated_copy(source: Path, path: Path, fraction: float = 0.5) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path
