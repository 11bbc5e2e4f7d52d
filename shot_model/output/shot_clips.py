"""Cutting shots out of a video as their own small MP4 files, with PySceneDetect's ffmpeg splitter.

The ffmpeg binary comes from the `imageio-ffmpeg` wheel when the machine has no `ffmpeg` command.
"""

import os
from pathlib import Path

from scenedetect import FrameTimecode
from scenedetect.output import split_video_ffmpeg
from scenedetect.platform import get_ffmpeg_path

from ..results import Shot

# H.264 at most 480 px high: quick to cut, plays in any browser, small enough to preview or share.
CLIP_FFMPEG_ARGS = "-map 0:v:0 -map 0:a? -c:v libx264 -preset veryfast -crf 23 -vf scale=-2:'min(480,ih)' -pix_fmt yuv420p -c:a aac -movflags +faststart"


class ClipExportError(RuntimeError):
    """ffmpeg is missing or failed; the message says which shot and what to do."""


def export_shot_clips(video: str | os.PathLike, shots: list[Shot], fps: float, out_dir: str | os.PathLike) -> list[Path]:
    """Write one MP4 per shot into `out_dir` (named `{video}-shot-{index}.mp4`); returns their paths, in order.

    Raises:
        ClipExportError: no ffmpeg is available, or ffmpeg failed on a shot.
    """
    if get_ffmpeg_path() is None:
        raise ClipExportError("No ffmpeg found: install the imageio-ffmpeg package (a project dependency) or put ffmpeg on PATH")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for shot in shots:
        # Times, not frame numbers: they stay right on variable frame rate video.
        scene = (FrameTimecode(float(shot.start_time), fps), FrameTimecode(float(shot.end_time), fps))
        path = out_dir / f"{Path(video).stem}-shot-{shot.index:04d}.mp4"
        code = split_video_ffmpeg(str(video), [scene], output_dir=str(out_dir), output_file_template=path.name, arg_override=CLIP_FFMPEG_ARGS)
        if code != 0 or not path.is_file() or path.stat().st_size == 0:
            raise ClipExportError(f"{video}: ffmpeg could not cut shot {shot.index} ({shot.start_time:.2f}-{shot.end_time:.2f} s), exit code {code}")
        paths.append(path)
    return paths
