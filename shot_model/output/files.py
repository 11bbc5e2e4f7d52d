"""Files that are never seen half-written: atomic writes, and the marked log a long analysis keeps as it goes."""

import json
import os
import tempfile
from pathlib import Path

from ..results import ShotPrediction, shot_record


def write_atomically(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to `path` through a temporary file in the same folder, then rename it into place."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes the file private; results are for sharing
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


class IncrementalShotLog:
    """Shots written one JSON line at a time while a long video is analysed, under a name that says the file is
    incomplete (`{video}.shots.INCOMPLETE.jsonl`); `finish()` removes it once the complete results exist.

    If the process dies, the log stays behind, plainly marked, with every shot finished so far.
    """

    def __init__(self, out_dir: str | os.PathLike, video: str | os.PathLike, fps: float):
        self.fps = fps
        self.path = Path(out_dir) / f"{Path(video).stem}.shots.INCOMPLETE.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "w", encoding="utf-8")
        self._write({"file": str(video), "status": "incomplete: the analysis has not finished; the complete results replace this file"})

    def add(self, prediction: ShotPrediction) -> None:
        """Append one finished shot, as the complete results will hold it."""
        self._write(shot_record(prediction, self.fps))

    def _write(self, record: dict) -> None:
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()  # a reader (or a crash) sees every finished shot

    def finish(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)

    def abandon(self) -> None:
        """Close after a failure, keeping the log (and its name) as evidence of what was done."""
        self._file.close()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
