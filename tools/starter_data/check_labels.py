"""An independent look at a built set's labels: the rule baseline run on the rendered clips, against the labels.

Movement labels are exact by construction, so a confusion dominated by the diagonal says the renderer moves the
camera as the labels claim (the baseline's own misses aside). `python -m tools.starter_data.check_labels OUT [--count N]`
"""

import argparse
import csv
import json
import random
from collections import Counter
from pathlib import Path

from shot_model.evaluation.rule_baseline import classify_shot
from shot_model.models.shot_videomae.configuration_shot_videomae import MOVEMENT_LABELS, SCALE_LABELS

from .contact_sheet import clip_frames


def confusion(pairs: list[tuple[str, str]], labels: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """{true: {predicted: count}} over (true, predicted) pairs."""
    counts = Counter(pairs)
    return {true: {predicted: counts[(true, predicted)] for predicted in labels} for true in labels}


def check(out_dir: Path, count: int, seed: int) -> dict:
    with open(out_dir / "labels.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows = random.Random(seed).sample(rows, min(count, len(rows)))
    movement_pairs, scale_pairs = [], []
    for row in rows:
        frames = [frame[:, :, ::-1] for frame in clip_frames(out_dir / row["video"])]
        scale, movement = classify_shot(frames)
        movement_pairs.append((row["movement"], movement))
        if row["scale"]:
            scale_pairs.append((row["scale"], scale))
    return {
        "clips": len(rows),
        "movement_agreement": round(sum(a == b for a, b in movement_pairs) / len(movement_pairs), 3),
        "scale_agreement": round(sum(a == b for a, b in scale_pairs) / max(1, len(scale_pairs)), 3),
        "movement_confusion": confusion(movement_pairs, MOVEMENT_LABELS),
        "scale_confusion": confusion(scale_pairs, SCALE_LABELS),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(json.dumps(check(args.out_dir, args.count, args.seed), indent=1))


if __name__ == "__main__":
    main()
