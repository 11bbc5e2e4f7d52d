"""The demo as a user meets it: seconds from `python app.py` to the first page, and for a 2-minute 720p video
through the app's API (upload, analysis, results), with the server's peak RSS.

    python bench/app_latency.py [--runs 3] [--minutes 2]
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from long_video import looped  # noqa: E402
from montage import build  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def process_memory_mb(pid: int, field: str = "VmHWM") -> float:
    """A running process's memory from /proc: VmHWM is its peak RSS so far, VmRSS its RSS now."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"/proc/{pid}/status has no {field}")


def main() -> None:
    from gradio_client import Client, handle_file

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--minutes", type=float, default=2)
    args = parser.parse_args()
    video = looped(build(720)[0], args.minutes)
    port = free_port()
    start = time.perf_counter()
    server = subprocess.Popen([sys.executable, str(REPO / "app.py")], cwd=REPO, env={**os.environ, "PORT": str(port)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except OSError:
                if server.poll() is not None or time.perf_counter() - start > 300:
                    raise RuntimeError("the app did not start") from None
                time.sleep(0.1)
        startup = time.perf_counter() - start
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        latencies = []
        for _ in range(args.runs):
            begin = time.perf_counter()
            result = client.predict(handle_file(str(video)), "adaptive", 0, 0.5, 1, str(REPO / "checkpoints" / "shot-videomae-starter"), api_name="/analyze")
            latencies.append(time.perf_counter() - begin)
        shots = len(result[1]["data"])
        print(f"app start-up to first page: {startup:.1f} s")
        print(f"{video.name} ({args.minutes:g} min 720p, {shots} shots) through the app API: median {statistics.median(latencies):.1f} s "
              f"over {args.runs} runs (min {min(latencies):.1f}, max {max(latencies):.1f}); server peak RSS {process_memory_mb(server.pid):.0f} MB")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
