"""Analyzing a whole folder (or list) of videos into one table: resumable, and shared across processes.

    shot-model batch ads/ --out results/                                        # one process
    accelerate launch --num_processes 2 --cpu -m shot_model.cli batch ads/ --out results/

Each video's result is written as soon as it is done (`videos/*.shots.json`, renamed into place when complete),
so a rerun skips finished videos; one bad video is reported and never stops the batch. At the end the main
process gathers every result into `shots.parquet` and `shots.csv` (a `datasets` table, one row per shot).
"""

import hashlib
import json
import sys
from pathlib import Path

from .classifier import ShotClassifier
from .exports import probability_columns, to_json, write_atomically
from .pipeline import analyze_video
from .video import VideoError

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


def run_batch(args) -> int:
    from .cli import report_failure, settings_from
    from .launching import make_accelerator

    accelerator = make_accelerator()
    out_dir: Path = args.out
    try:
        videos = list_videos(args.inputs)
    except FileNotFoundError as error:
        print(f"shot-model: {error}", file=sys.stderr)
        return 1
    (out_dir / "videos").mkdir(parents=True, exist_ok=True)
    if accelerator.is_main_process:
        for stale in out_dir.glob("failures.*.tsv"):  # from an earlier run, perhaps with more processes
            stale.unlink()
    accelerator.wait_for_everyone()
    pending = [video for video in videos if not result_path(out_dir, video).is_file()]
    if accelerator.is_main_process and not args.quiet:
        print(f"{len(videos)} videos, {len(videos) - len(pending)} already done, {len(pending)} to analyze", file=sys.stderr)

    classifier = ShotClassifier.from_pretrained(args.model, device=accelerator.device, allow_pickle=args.allow_pickle)
    config = classifier.config
    settings = settings_from(args)
    failures = []
    with accelerator.split_between_processes(pending) as mine:
        for video in mine:
            try:
                analysis = analyze_video(video, classifier, settings)
                write_atomically(result_path(out_dir, video), to_json(analysis, config.scale_labels, config.movement_labels).encode())
            except (VideoError, OSError) as error:
                failures.append(f"{video}\t{error.reason if isinstance(error, VideoError) else error}")
                report_failure(video, error)
                continue
            if not args.quiet:
                print(f"[{accelerator.process_index}] {video}: {len(analysis.shots)} shots", file=sys.stderr)
    # Each process records its own failures; the main process reads them all once everyone is done.
    write_atomically(out_dir / f"failures.{accelerator.process_index}.tsv", "".join(f"{line}\n" for line in failures).encode())
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        table_rows = gather_table(out_dir, videos)
        failed = [line for path in sorted(out_dir.glob("failures.*.tsv")) for line in path.read_text().splitlines() if line]
        if not args.quiet:
            print(f"{len(table_rows)} shots from {len(videos) - len(failed)} videos -> {out_dir / 'shots.parquet'}, {out_dir / 'shots.csv'}; {len(failed)} failed", file=sys.stderr)
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
        document = json.loads(path.read_text())
        for shot in document["shots"]:
            flat = {key: value for key, value in shot.items() if not key.endswith("_probs")}
            flat.update(probability_columns(shot["scale_probs"], shot["movement_probs"]))
            rows.append({"file": document["file"], "fps": document["fps"], **flat})
    table = Dataset.from_list(rows) if rows else Dataset.from_dict({"file": []})
    for name, writer in (("shots.parquet", table.to_parquet), ("shots.csv", table.to_csv)):
        temporary = out_dir / f".{name}.partial"
        writer(str(temporary), **({"index": False} if name.endswith(".csv") else {}))
        temporary.replace(out_dir / name)
    return rows
