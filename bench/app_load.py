"""Load on the demo: eight clients at once, each analysing a different real clip, plus one uploading a broken file.
Loopback only, bounded: nine requests at once, 19 in all (a warm-up that loads the model and checks the answer is
repeatable, each clip alone for reference, the burst, and a last request after it). Prints latency (median, max),
the server's memory when idle, at its peak and afterwards, and checks every good answer equals the answer the
same clip gets alone.

    python bench/app_load.py
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from app_latency import free_port, process_memory_mb  # noqa: E402

TRAIN = REPO.parent / "shared" / "media" / "train"
CLIPS = ["ghost_nggyup_musicvideo.mp4", "sam2__01_dog.mp4", "moviepy__chaplin.mp4", "videollama__boat.mp4",
         "sbdhw__news_frames.mp4", "askanything__yoga.mp4", "pyscenedetect__goldeneye-vfr-drop3.mp4", "sam2__02_cups.mp4"]


def main() -> None:
    from gradio_client import Client, handle_file

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([sys.executable, str(REPO / "app.py")], cwd=REPO, env={**os.environ, "PORT": str(port)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def analyze(path: Path):
        start = time.perf_counter()
        try:
            result = Client(url, verbose=False).predict(handle_file(str(path)), "adaptive", 0, 0.5, 1, "", api_name="/analyze")[1]["data"]
        except Exception as error:  # the broken upload's error, as its client sees it
            result = error
        return result, time.perf_counter() - start

    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the app did not start") from None
                time.sleep(0.2)
        warm = analyze(TRAIN / CLIPS[0])[0]  # loads the model: idle from here on means "ready"
        idle = process_memory_mb(server.pid, "VmRSS")
        alone = {name: analyze(TRAIN / name)[0] for name in CLIPS}
        assert alone[CLIPS[0]] == warm
        with tempfile.TemporaryDirectory() as scratch:
            broken = Path(scratch) / "broken.mp4"
            broken.write_bytes(b"\x00" * 4096)
            with ThreadPoolExecutor(max_workers=9) as pool:
                futures = {name: pool.submit(analyze, TRAIN / name) for name in CLIPS}
                broken_future = pool.submit(analyze, broken)
                results = {name: future.result(timeout=900) for name, future in futures.items()}
                broken_result, broken_seconds = broken_future.result(timeout=900)
        same = sum(results[name][0] == alone[name] for name in CLIPS)
        latencies = [seconds for _, seconds in results.values()]
        time.sleep(2)
        after = process_memory_mb(server.pid, "VmRSS")
        still_serving = analyze(TRAIN / CLIPS[1])[0] == alone[CLIPS[1]]
        print(f"8 clients + 1 broken upload at once: {same}/8 answers equal to the clip analysed alone; "
              f"broken upload answered with an error: {isinstance(broken_result, Exception)} ({broken_seconds:.1f} s); still serving: {still_serving}")
        print(f"latency of the 8 good requests: median {statistics.median(latencies):.1f} s, max {max(latencies):.1f} s "
              "(one analysis at a time: the others queue)")
        print(f"server RSS: idle {idle:.0f} MB, peak {process_memory_mb(server.pid):.0f} MB, 2 s after the load {after:.0f} MB")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
