"""What skipping the deblocking filter buys and costs: decode seconds, and how far the frames the pipeline analyses
(short side 144, BGR) move from a full decode.

    python bench/decode_options.py [--runs 3] [VIDEO ...]   # default: the 720p benchmark montage

H.264 and HEVC decoders smooth block edges after each frame (the loop filter); `skip_loop_filter=all` leaves
that out. Reference frames then differ slightly from the encoder's, so the difference can build up until the
next keyframe: the worst frame is reported as well as the mean.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import av
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

from montage import build  # noqa: E402

from shot_model.shots import SplitSettings  # noqa: E402
from shot_model.video import _small_bgr, analysis_size, probe_video  # noqa: E402


def decode(video: Path, options: dict, keep: bool) -> tuple[float, list[np.ndarray]]:
    """Seconds to decode every frame and scale it to the analysis size; the frames too when `keep`."""
    width, height = analysis_size(probe_video(video), SplitSettings().decode_short_side)
    frames = []
    start = time.perf_counter()
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        stream.codec_context.options = options
        for frame in container.decode(stream):
            small = _small_bgr(frame, width, height)
            if keep:
                frames.append(small.astype(np.int16))
    return time.perf_counter() - start, frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("videos", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    videos = args.videos or [build(720)[0]]
    skip = {"skip_loop_filter": "all"}
    for video in videos:
        _, full = decode(video, {}, keep=True)
        _, skipped = decode(video, skip, keep=True)
        per_frame = [float(np.abs(a - b).mean()) for a, b in zip(full, skipped)]
        times = {"full": [], "skip": []}
        for _ in range(args.runs):  # alternate, so a busy moment hits both
            times["full"].append(decode(video, {}, keep=False)[0])
            times["skip"].append(decode(video, skip, keep=False)[0])
        full_s, skip_s = statistics.median(times["full"]), statistics.median(times["skip"])
        print(f"{video.name}: {len(full)} frames; median of {args.runs}: full decode {full_s:.2f} s, "
              f"loop filter skipped {skip_s:.2f} s ({100 * (1 - skip_s / full_s):.0f}% less); at the analysis size the "
              f"frames differ by {statistics.mean(per_frame):.2f} grey levels on average, {max(per_frame):.2f} on the worst frame")


if __name__ == "__main__":
    main()
