"""Memory must not grow with video length: time and peak RSS of `shot-model analyze` on 1-, 10- and 60-minute
720p videos, made by looping bench/ad_paced.py's montage (about 40 shots a minute; stream copy: seconds to make,
never decoded to build).

    python bench/long_video.py --minutes 1 10 60 [--model PATH]
"""

import argparse
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

import av

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from ad_paced import CACHE, build, cpu_name  # noqa: E402
from peak_rss import run_measured  # noqa: E402

BIN = Path(sys.executable).parent


def looped(source: Path, minutes: float) -> Path:
    """`source` repeated (packets copied, timestamps shifted) until `minutes` long; cached."""
    target = CACHE / f"{source.stem}-{minutes:g}min.mp4"
    if target.is_file():
        return target
    partial = target.with_suffix(".partial.mp4")
    with av.open(str(source)) as probe:
        stream = probe.streams.video[0]
        loop_length = stream.duration * stream.time_base  # seconds
    loops = int(Fraction(minutes * 60) / loop_length) + 1
    wanted = Fraction(minutes * 60)
    with av.open(str(partial), "w") as output:
        with av.open(str(source)) as first:
            out_stream = output.add_stream_from_template(first.streams.video[0])
        for loop in range(loops):
            with av.open(str(source)) as container:
                stream = container.streams.video[0]
                offset = int(loop * loop_length / stream.time_base)
                for packet in container.demux(stream):
                    if packet.dts is None:
                        continue
                    if (packet.pts + offset) * stream.time_base >= wanted and packet.is_keyframe:
                        break
                    packet.pts += offset
                    packet.dts += offset
                    packet.stream = out_stream
                    output.mux(packet)
    partial.replace(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1, 10, 60])
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    montage, _ = build(720, 3.0)
    model_args = ["--model", args.model] if args.model else []
    print(f"# {cpu_name()}")
    print(f"{'video':<34} {'seconds':>8} {'x realtime':>10} {'peak RSS MB':>12}")
    for minutes in args.minutes:
        video = looped(montage, minutes)
        with tempfile.TemporaryDirectory() as out:
            seconds, peak = run_measured([str(BIN / "shot-model"), "analyze", str(video), "--out", out, "--format", "json,csv", "--quiet", *model_args])
        print(f"{video.name:<34} {seconds:8.1f} {minutes * 60 / seconds:10.1f} {peak:12.0f}", flush=True)


if __name__ == "__main__":
    main()
