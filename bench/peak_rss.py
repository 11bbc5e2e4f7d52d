"""Run a command and report its wall time and peak resident memory (RSS), as the benchmarks need.

    python bench/peak_rss.py shot-model analyze video.mp4      # prints: seconds, peak RSS in MB
"""

import resource
import subprocess
import sys
import time


def run_measured(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB of the command and its children). Raises if the command fails.

    The peak comes from a fresh wrapper process, so no earlier command's memory is counted.
    """
    wrapper = [sys.executable, __file__, *command]
    start = time.perf_counter()
    result = subprocess.run(wrapper, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {result.stderr[-2000:]}")
    return seconds, float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    result = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
    # ru_maxrss is in kB on Linux: the largest RSS of any waited-for child.
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
