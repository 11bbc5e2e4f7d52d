"""Analyzing a whole folder (or list) of videos into one table: resumable, and shared across processes.

    shot-model batch ads/ --out results/                                        # one process
    accelerate launch --multi_gpu --num_processes 2 -m shot_model.cli batch ads/ --out results/

Each video's result is written as soon as it is done (`videos/*.shots.json`, renamed into place when complete, and
an OpenTimelineIO timeline beside it, `videos/*.shots.otio`),
so a rerun skips finished videos; one bad video is reported and never stops the batch. At the end the main
process gathers every result into `shots.parquet` and `shots.csv` (a `datasets` table, one row per shot).
"""

import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

from .classifier import ShotClassifier
from .output.exports import to_json
from .output.files import write_atomically
from .output.otio import to_otio
from .pipeline import AnalysisSettings, analyze_video
from .results import table_rows
from .video import VideoError, failure_reason

VIDEO_SUFFIXES = {".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mpg", ".mpeg", ".ts"}


def list_videos(inputs: Path) -> list[Path]:
    """The videos of a folder (recursively, by file suffix) or of a text file listing one path per line."""
    if inputs.is_dir():
        return sorted(path for path in inputs.rglob("*") if path.suffix.lower() in VIDEO_SUFFIXES and path.is_file())
    if inputs.is_file():
        lines = [line.strip() for line in inputs.read_text().splitlines()]
        return [Path(line) if Path(line).is_absolute() else inputs.parent / line for line in lines if line and not line.startswith("#")]
    raise FileNotFoundError(f"{inputs}: no such folder or list file")


def result_path(out_dir: Path, video: Path) -> Path:
    """Where a video's result goes: its name plus a hash of its full path, so equal names in two folders differ."""
    digest = hashlib.sha1(str(video.resolve()).encode()).hexdigest()[:10]
    return out_dir / "videos" / f"{video.stem}-{digest}.shots.json"


def run_batch(
    inputs: Path,
    out_dir: Path,
    settings: AnalysisSettings = AnalysisSettings(),
    model: str | None = None,
    allow_pickle: bool = False,
    quiet: bool = False,
    on_failure: Callable[[Path, str], None] | None = None,
) -> int:
    """Analyze every video of `inputs` (a folder, searched recursively, or a text file of paths) into `out_dir`.

    Arguments:
        settings: splitting, sampling and batching, as for `analyze_video`.
        model: a model folder or Hub id (default: the starter).
        quiet: no progress lines on stderr.
        on_failure: called with a video and what went wrong, for each video that fails (it is also recorded in
            `failures.N.tsv`).

    Returns:
        0 when every video succeeded, 1 when any failed or `inputs` does not exist.
    """
    from .training.accelerator import make_accelerator

    accelerator = make_accelerator()

    def say(text: str) -> None:
        if not quiet:
            print(text, file=sys.stderr)

    try:
        videos = list_videos(inputs)
    except FileNotFoundError as error:
        print(f"shot-model: {error}", file=sys.stderr)
        return 1
    (out_dir / "videos").mkdir(parents=True, exist_ok=True)
    if accelerator.is_main_process:
        for stale in out_dir.glob("failures.*.tsv"):  # from an earlier run, perhaps with more processes
            stale.unlink()
    accelerator.wait_for_everyone()
    pending = [video for video in videos if not result_path(out_dir, video).is_file()]
    if accelerator.is_main_process:
        say(f"{len(videos)} videos, {len(videos) - len(pending)} already done, {len(pending)} to analyze")

    classifier = ShotClassifier.from_pretrained(model, device=accelerator.device, allow_pickle=allow_pickle)
    failures = []
    with accelerator.split_between_processes(pending) as mine:
        for video in mine:
            try:
                analysis = analyze_video(video, classifier, settings)
                # The timeline first: the JSON is what marks a video done.
                write_atomically(result_path(out_dir, video).with_suffix(".otio"), to_otio(analysis).encode())
                write_atomically(result_path(out_dir, video), to_json(analysis).encode())
            except (VideoError, OSError) as error:
                failures.append(f"{video}\t{failure_reason(error)}")
                if on_failure is not None:
                    on_failure(video, failure_reason(error))
                continue
            say(f"[{accelerator.process_index}] {video}: {len(analysis.shots)} shots")
    # Each process records its own failures; the main process reads them all once everyone is done.
    write_atomically(out_dir / f"failures.{accelerator.process_index}.tsv", "".join(f"{line}\n" for line in failures).encode())
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        rows = gather_table(out_dir, videos)
        failed = [line for path in sorted(out_dir.glob("failures.*.tsv")) for line in path.read_text().splitlines() if line]
        say(f"{len(rows)} shots from {len(videos) - len(failed)} videos -> {out_dir / 'shots.parquet'}, {out_dir / 'shots.csv'}; {len(failed)} failed")
    accelerator.wait_for_everyone()
    any_failed = any(path.read_text().strip() for path in out_dir.glob("failures.*.tsv"))
    return 1 if any_failed else 0


def gather_table(out_dir: Path, videos: list[Path]) -> list[dict]:
    """One row per shot of every finished video, in input order, saved as Parquet and CSV."""
    from datasets import Dataset

    rows = []
    for video in videos:
        path = result_path(out_dir, video)
        if not path.is_file():
            continue
        rows += table_rows(json.loads(path.read_text()))
    table = Dataset.from_list(rows) if rows else Dataset.from_dict({"file": []})
    for name, writer in (("shots.parquet", table.to_parquet), ("shots.csv", table.to_csv)):
        temporary = out_dir / f".{name}.partial"
        writer(str(temporary), **({"index": False} if name.endswith(".csv") else {}))
        temporary.replace(out_dir / name)
    return rows
