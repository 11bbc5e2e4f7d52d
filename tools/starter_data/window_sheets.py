"""Sheets of candidate crop windows for labelling shot scale by eye, so scale varies within a source.

Most sources have no face to frame, so their only scale label was the hand label of the whole shot: every clip
of a source then carried the same scale, and a model learned the scene instead of the framing. Here each source
offers tighter windows (about 20-70% of the frame, on its subject or elsewhere) over still stretches; people label
each window's scale from its first, middle and last frame (`../shared/LABELING.md`), independently, and the
windows they agree on become labelled framings for the generator (`data/window_labels.csv`, `planning.py`).

`python -m tools.starter_data.window_sheets --out cache/window-sheets` writes `candidates.csv` and one PNG per source.
"""

import argparse
import csv
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from shot_model.evaluation.framing import largest_window_height

from .planning import MIN_WINDOW_HEIGHT, clip_aspect, find_spans
from .source_analysis import SourceAnalysis, cached_analysis
from .sources import DEFAULT_MEDIA_DIR, decode_source, source_shots
from .virtual_camera import Window, on_canvas, render_window, window_fits

WINDOWS_PER_STRETCH = 6
STRETCHES_PER_SOURCE = 3
STRETCH_SECONDS = 4.0
# Window heights as a share of the largest window: tighter than a light crop (whose scale is the hand label).
HEIGHT_SHARES = (0.2, 0.7)
CANDIDATE_FIELDS = ("id", "source", "first", "last", "cx", "cy", "h", "aspect")


@dataclass(frozen=True)
class Candidate:
    """A fixed window over source frames [first, last], to be labelled."""

    id: str
    source: str
    first: int
    last: int
    window: Window
    aspect: float


def still_stretches(analysis: SourceAnalysis, count: int = STRETCHES_PER_SOURCE, seconds: float = STRETCH_SECONDS) -> list[tuple[int, int]]:
    """Up to `count` non-overlapping still spans of about `seconds`, spread through the source."""
    spans = find_spans(analysis).still
    if not spans:
        return []
    times = analysis.times
    # For each start, the still span whose length is closest to `seconds`; then the starts nearest evenly
    # spread moments, skipping any that overlaps a stretch already chosen. (The labelled windows' ids and geometry
    # come from this exact choice: changing it changes the candidates.)
    by_start: dict[int, tuple[int, int]] = {}
    for first, last in spans:
        best = by_start.get(first)
        length = times[last] - times[first]
        if best is None or abs(length - seconds) < abs(times[best[1]] - times[best[0]] - seconds):
            by_start[first] = (first, last)
    chosen: list[tuple[int, int]] = []
    for target in np.linspace(0, 1, count + 2)[1:-1]:
        wanted = times[0] + target * (times[-1] - times[0])
        for first, last in sorted(by_start.values(), key=lambda span: abs(times[span[0]] - wanted)):
            if all(last < other_first or first > other_last for other_first, other_last in chosen):
                chosen.append((first, last))
                break
    return sorted(chosen)


def subject_anchor(analysis: SourceAnalysis, first: int, last: int) -> tuple[float, float] | None:
    """The main subject over [first, last]: (x centre, top of the head), or None if no face or person is seen.

    Framings are anchored on the head, as a camera operator frames people: a window on a torso alone says little.
    """
    for tracks, kind in ((analysis.face_tracks, "face"), (analysis.person_tracks, "person")):
        boxes = [box for track in tracks for box in track.within(first, last)]
        if boxes:
            largest = max(boxes, key=lambda box: box.h)
            top = largest.top - (0.3 * largest.h if kind == "face" else 0.0)
            return largest.cx, top
    return None


def candidate_windows(analysis: SourceAnalysis, first: int, last: int, rng: np.random.Generator) -> list[Window]:
    """WINDOWS_PER_STRETCH windows of varied size: about half framed on the subject's head (or the frame centre)
    with some headroom, the rest anywhere in the frame."""
    aspect = clip_aspect(analysis)
    largest = largest_window_height(analysis.width, analysis.height, aspect)
    anchor = subject_anchor(analysis, first, last)
    # Evenly spread sizes (log scale), shuffled, so each stretch gets tight and loose windows.
    shares = np.exp(np.linspace(math.log(HEIGHT_SHARES[0]), math.log(HEIGHT_SHARES[1]), WINDOWS_PER_STRETCH))
    windows = []
    for index, share in enumerate(rng.permutation(shares)):
        height = max(largest * share, MIN_WINDOW_HEIGHT)
        half_w, half_h = height * aspect / 2, height / 2
        if index % 2 == 0 and anchor is not None:
            head_x, head_top = anchor
            cx = head_x + rng.normal(0, 0.08) * height
            cy = head_top - rng.uniform(0.03, 0.12) * height + half_h
        elif index % 2 == 0:
            cx, cy = analysis.width / 2 + rng.normal(0, 0.1) * height, analysis.height / 2 + rng.normal(0, 0.1) * height
        else:
            cx, cy = rng.uniform(half_w, analysis.width - half_w), rng.uniform(half_h, analysis.height - half_h)
        window = Window(float(np.clip(cx, half_w, analysis.width - half_w)), float(np.clip(cy, half_h, analysis.height - half_h)), float(height))
        if window_fits(window, aspect, analysis.width, analysis.height):
            windows.append(window)
    return windows


def sheet_row(frames: list[np.ndarray], candidate: Candidate) -> np.ndarray:
    """The whole frame (window outlined) for context, then the window at the stretch's first, middle and last frame."""
    middle = (candidate.first + candidate.last) // 2
    context = frames[middle].copy()
    window, aspect = candidate.window, candidate.aspect
    top_left = (round(window.cx - window.h * aspect / 2), round(window.cy - window.h / 2))
    bottom_right = (round(window.cx + window.h * aspect / 2), round(window.cy + window.h / 2))
    cv2.rectangle(context, top_left, bottom_right, (0, 220, 255), max(2, context.shape[0] // 150))
    context = cv2.resize(context, (round(144 * context.shape[1] / context.shape[0]), 144), interpolation=cv2.INTER_AREA)
    views = [on_canvas(render_window(frames[index], window, aspect)) for index in (candidate.first, middle, candidate.last)]
    tiles = [np.pad(tile, ((0, 0), (0, 6), (0, 0))) for tile in [context] + views]
    strip = np.hstack(tiles)
    caption = np.zeros((22, strip.shape[1], 3), np.uint8)
    text = f"{candidate.id}   context | window: first, middle, last frame   ({candidate.last - candidate.first + 1} frames)"
    cv2.putText(caption, text, (4, 15), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1)
    return np.vstack([strip, caption, np.zeros((8, strip.shape[1], 3), np.uint8)])


def write_sheets(out_dir: Path, media_dir: Path, analysis_cache: Path, seed: int) -> list[Candidate]:
    """Candidates for every source, one sheet per source, and candidates.csv; returns the candidates."""
    out_dir.mkdir(parents=True, exist_ok=True)
    candidates = []
    for number, source in enumerate(source_shots(media_dir)):
        analysis = cached_analysis(source, analysis_cache)
        rng = np.random.default_rng([seed, number])
        placed = [(first, last, window) for first, last in still_stretches(analysis) for window in candidate_windows(analysis, first, last, rng)]
        mine = [
            Candidate(f"{number:02d}-{index:02d}", source.name, first, last, window, clip_aspect(analysis))
            for index, (first, last, window) in enumerate(placed)
        ]
        if not mine:
            continue
        frames = decode_source(source).frames
        rows = [sheet_row(frames, candidate) for candidate in mine]
        width = max(row.shape[1] for row in rows)
        sheet = np.vstack([np.pad(row, ((0, 0), (0, width - row.shape[1]), (0, 0))) for row in rows])
        cv2.imwrite(str(out_dir / f"{number:02d}_{Path(source.name).stem}.png"), sheet)
        candidates += mine
        print(f"{source.name}: {len(mine)} windows", flush=True)
    with open(out_dir / "candidates.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CANDIDATE_FIELDS)
        for c in candidates:
            writer.writerow([c.id, c.source, c.first, c.last, f"{c.window.cx:.1f}", f"{c.window.cy:.1f}", f"{c.window.h:.1f}", f"{c.aspect:.4f}"])
    return candidates


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for candidates.csv and the sheets")
    parser.add_argument("--media-dir", type=Path, default=DEFAULT_MEDIA_DIR)
    parser.add_argument("--analysis-cache", type=Path, default=Path("cache/starter-analysis"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    candidates = write_sheets(args.out, args.media_dir, args.analysis_cache, args.seed)
    print(f"{len(candidates)} candidate windows in {args.out}")


if __name__ == "__main__":
    main()
