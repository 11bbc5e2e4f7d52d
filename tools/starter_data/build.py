"""Build the starter training set: `python -m tools.starter_data.build --out cache/starter-data [--clips N] [--seed S]`.

Analyses each source (cached), plans every clip, renders them in parallel, then writes labels.csv and
build_report.json next to the clips.
"""

import argparse
import csv
import json
import time
from collections import Counter, defaultdict
from multiprocessing import Pool
from pathlib import Path

from .planning import PAN_DISTANCE, ClipPlanner
from .render import render_source
from .source_analysis import cached_analysis
from .sources import DEFAULT_HAND_LABELS, DEFAULT_MEDIA_DIR, source_shots
from .window_labels import DEFAULT_WINDOW_LABELS, agreed_windows

# `group` is the source video: train.py keeps every clip of one source in the same split.
LABEL_COLUMNS = ("video", "start", "end", "scale", "movement", "source", "recipe", "group")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output folder (clips/, labels.csv, build_report.json)")
    parser.add_argument("--clips", type=int, default=6000, help="number of clips to render")
    parser.add_argument("--seed", type=int, default=0, help="fixes every choice: same seed, same data")
    parser.add_argument("--limit-sources", type=int, default=None, help="use only the first K sources (quick trials)")
    parser.add_argument("--workers", type=int, default=2, help="processes for analysis and rendering")
    parser.add_argument("--media-dir", type=Path, default=DEFAULT_MEDIA_DIR, help="folder holding the source videos")
    parser.add_argument("--labels", type=Path, default=DEFAULT_HAND_LABELS, help="hand labels (default: data/hand_labels.csv); a label is used only where both labellers agree")
    # Opt-in: the shipped starter was built without them (a model trained with them did no better on the dev set).
    parser.add_argument("--window-labels", type=Path, default=None, help=f"also cut clips from hand-labelled crop windows, e.g. {DEFAULT_WINDOW_LABELS.relative_to(DEFAULT_WINDOW_LABELS.parents[1])} (used where both labellers agree)")
    parser.add_argument("--min-travel", type=float, default=PAN_DISTANCE[0], help=f"shortest pan of a Motion clip, as a fraction of the window width (default {PAN_DISTANCE[0]}); the labelling guide's Static/Motion line is 5%% of the frame")
    parser.add_argument("--analysis-cache", type=Path, default=Path("cache/starter-analysis"), help="where per-source analyses are cached")
    return parser.parse_args(argv)


def build(args: argparse.Namespace) -> dict:
    """Run the whole build; returns the report (also written to OUT/build_report.json)."""
    started = time.perf_counter()
    sources = source_shots(args.media_dir, args.labels)[: args.limit_sources]
    by_name = {source.name: source for source in sources}

    with Pool(args.workers) as pool:
        analyses = pool.starmap(cached_analysis, [(source, args.analysis_cache) for source in sources], chunksize=1)
    analysed = time.perf_counter()

    windows = agreed_windows(args.window_labels) if args.window_labels else None
    plans = ClipPlanner(analyses, args.seed, windows, args.min_travel).plan(args.clips)
    planned = time.perf_counter()

    clips_dir = args.out / "clips"
    clips_dir.mkdir(parents=True, exist_ok=True)
    for stale in clips_dir.glob("[0-9]" * 6 + ".mp4"):  # a previous, larger build's clips must not linger
        stale.unlink()
    per_source = defaultdict(list)
    for plan in plans:
        per_source[plan.source].append(plan)
    jobs = sorted(per_source.items(), key=lambda item: -len(item[1]))  # longest first: the two workers finish together
    with Pool(args.workers) as pool:
        results = pool.starmap(render_source, [(by_name[name], source_plans, args.out) for name, source_plans in jobs], chunksize=1)
    rows = [row for _, row in sorted(pair for result in results for pair in result)]
    rendered = time.perf_counter()

    write_labels(rows, args.out / "labels.csv")
    report = build_report(args, plans, {
        "analysis_seconds": round(analysed - started, 1),
        "planning_seconds": round(planned - analysed, 1),
        "rendering_seconds": round(rendered - planned, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
    })
    (args.out / "build_report.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def write_labels(rows, path: Path) -> None:
    """labels.csv: start and end empty (each clip is one whole shot), an empty scale where it is unknown."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(LABEL_COLUMNS)
        for row in rows:
            writer.writerow([row.video, "", "", row.scale or "", row.movement, row.source, row.recipe, row.source.split("[")[0]])


def build_report(args: argparse.Namespace, plans, timing: dict) -> dict:
    """Counts per class per head, per source and per recipe, plus the settings and the timing."""
    sources = defaultdict(lambda: {"clips": 0, "scale": Counter(), "movement": Counter()})
    for plan in plans:
        entry = sources[plan.source]
        entry["clips"] += 1
        entry["scale"][plan.scale or "(unknown)"] += 1
        entry["movement"][plan.movement] += 1
    return {
        "clips": len(plans),
        "settings": {"seed": args.seed, "limit_sources": args.limit_sources, "workers": args.workers, "min_travel": args.min_travel},
        "timing": timing,
        "scale": dict(sorted(Counter(plan.scale or "(unknown)" for plan in plans).items())),
        "movement": dict(sorted(Counter(plan.movement for plan in plans).items())),
        "scale_by_movement": {
            movement: dict(sorted(Counter(plan.scale or "(unknown)" for plan in plans if plan.movement == movement).items()))
            for movement in sorted({plan.movement for plan in plans})
        },
        "recipe": dict(sorted(Counter(recipe_kind(plan.recipe) for plan in plans).items())),
        "augmented": sum(plan.degradation is not None for plan in plans),
        "sources": {
            name: {"clips": entry["clips"], "scale": dict(sorted(entry["scale"].items())), "movement": dict(sorted(entry["movement"].items()))}
            for name, entry in sorted(sources.items())
        },
    }


def recipe_kind(recipe: str) -> str:
    """The family of a recipe text: its move and how the scale was decided, e.g. "push / face-framed"."""
    words = recipe.split()
    move = " ".join(words[:2]) if words[0] == "real" else words[0]
    for how in ("face-framed", "labelled window", "light crop", "plain crop", "scale unknown"):
        if how in recipe:
            return f"{move} / {how}"
    return move


def main(argv=None) -> None:
    args = parse_args(argv)
    report = build(args)
    print(json.dumps({key: report[key] for key in ("clips", "timing", "scale", "movement", "augmented")}, indent=2))


if __name__ == "__main__":
    main()
