"""What skipping the deblocking filter buys and costs: decode seconds, and how far the frames the pipeline analyses
(short side 144, BGR) move from a full decode.

    python bench/decode_options.py [--runs 3] [VIDEO ...]   # default: the 720p benchmark montage

H.264 and HEVC decoders smooth block edges after each frame (the loop filter); the pipeline leaves that out when
it shrinks frames 2x or more (`iter_frames`). Reference frames then differ slightly from the encoder's, so the
difference can build up until the next keyframe: the worst frame is reported as well as the mean.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

from montage import build  # noqa: E402

from shot_model.shots import SplitSettings  # noqa: E402
from shot_model.video import analysis_size, iter_frames, probe_video  # noqa: E402


def decode(video: Path, skip_deblocking: bool, keep: bool) -> tuple[float, list[np.ndarray]]:
    """Seconds to decode every frame at the analysis size, as the pipeline does; the frames too when `keep`."""
    size = analysis_size(probe_video(video), SplitSettings().decode_short_side)
    frames = []
    start = time.perf_counter()
    for frame in iter_frames(video, size, skip_deblocking=skip_deblocking):
        if keep:
            frames.append(frame.bgr.astype(np.int16))
    return time.perf_counter() - start, frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("videos", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    videos = args.videos or [build(720)[0]]
    for video in videos:
        _, full = decode(video, False, keep=True)
        _, skipped = decode(video, True, keep=True)
        per_frame = [float(np.abs(a - b).mean()) for a, b in zip(full, skipped)]
        times = {False: [], True: []}
        for _ in range(args.runs):  # alternate, so a busy moment hits both
            for skip in (False, True):
                times[skip].append(decode(video, skip, keep=False)[0])
        full_s, skip_s = statistics.median(times[False]), statistics.median(times[True])
        print(f"{video.name}: {len(full)} frames; median of {args.runs}: full decode {full_s:.2f} s, "
              f"loop filter skipped {skip_s:.2f} s ({100 * (1 - skip_s / full_s):.0f}% less); at the analysis size the "
              f"frames differ by {statistics.mean(per_frame):.2f} grey levels on average, {max(per_frame):.2f} on the worst frame")


if __name__ == "__main__":
    main()
