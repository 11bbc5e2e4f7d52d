"""Accuracy on the hand-labelled dev set (data/dev_set.csv: real train shots no model was trained on), for a
model and two baselines: the majority class, and a non-learned rule (global motion for movement, face size for
scale; data/starter/rule_baseline.py).

    python bench/dev_set_accuracy.py --model checkpoints/shot-videomae-starter [--report-dir runs/dev-report]

Clips are made exactly as `shot-model analyze` makes them: frames decoded once with the pipeline's decoder at
its resolution, sampled evenly inside the shot.
"""

import argparse
import csv
import json
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from data.starter.rule_baseline import classify_shot  # noqa: E402
from shot_model import ShotClassifier  # noqa: E402
from shot_model.classifier import average_probabilities  # noqa: E402
from shot_model.metrics import head_metrics, plot_confusion  # noqa: E402
from shot_model.sampling import clip_frame_indices, rgb_clip  # noqa: E402
from shot_model.shot_dataset import MISSING_LABEL  # noqa: E402
from shot_model.shots import SplitSettings  # noqa: E402
from shot_model.video import analysis_size, iter_frames, probe_video  # noqa: E402

DEV_SET = REPO / "data" / "dev_set.csv"
RULE_FRAMES = 16


def dev_shots(path: Path) -> list[dict]:
    with open(path) as file:
        rows = list(csv.DictReader(file))
    for row in rows:
        row["path"] = (path.parent / row["video"]).resolve()
        row["start_frame"], row["end_frame"] = int(row["start"].rstrip("f")), int(row["end"].rstrip("f"))
    return rows


def frames_of_shots(video: Path, shots: list[dict], wanted_per_shot) -> list[dict[int, object]]:
    """Decode `video` once; for each shot keep the frames (by index) that `wanted_per_shot(shot)` asks for."""
    wanted = [set(wanted_per_shot(shot)) for shot in shots]
    everything = set().union(*wanted)
    kept = {}
    size = analysis_size(probe_video(video), SplitSettings().decode_short_side)
    for frame in iter_frames(video, size):
        if frame.index in everything:
            kept[frame.index] = frame
    return [{index: kept[index] for index in indices} for indices in wanted]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None, help="model folder (default: the starter checkpoint)")
    parser.add_argument("--dev-set", type=Path, default=DEV_SET)
    parser.add_argument("--clips-per-shot", type=int, default=1)
    parser.add_argument("--report-dir", type=Path, help="write report.json, shots.json (every shot's answers) and confusion matrices here")
    args = parser.parse_args()
    classifier = ShotClassifier.from_pretrained(args.model)
    config = classifier.config
    shots = dev_shots(args.dev_set)

    def model_clips(shot):
        return clip_frame_indices(shot["start_frame"], shot["end_frame"], config.num_frames, args.clips_per_shot)

    def rule_indices(shot):
        return clip_frame_indices(shot["start_frame"], shot["end_frame"], RULE_FRAMES)[0]

    predictions = {"model": {"scale": [], "movement": []}, "rule": {"scale": [], "movement": []}}
    by_video: dict[Path, list[dict]] = {}
    for shot in shots:
        by_video.setdefault(shot["path"], []).append(shot)
    ordered = []
    for video, video_shots in by_video.items():
        frames = frames_of_shots(video, video_shots, lambda shot: [i for clip in model_clips(shot) for i in clip] + rule_indices(shot))
        for shot, kept in zip(video_shots, frames):
            clips = [rgb_clip([kept[i] for i in indices]) for indices in model_clips(shot)]
            averaged = average_probabilities(classifier.classify(clips))
            for head in ("scale", "movement"):
                scores = getattr(averaged, head)
                if scores:  # a single-head model has no answer for the other head (empty scores)
                    predictions["model"][head].append(max(scores, key=scores.get))
            scale, movement = classify_shot([kept[i].bgr[:, :, ::-1] for i in rule_indices(shot)])
            predictions["rule"]["scale"].append(scale)
            predictions["rule"]["movement"].append(movement)
            ordered.append(shot)

    names = {"scale": config.scale_labels, "movement": config.movement_labels}
    truth = {head: [shot[head] for shot in ordered] for head in names}
    majority = {head: Counter(truth[head]).most_common(1)[0][0] for head in names}
    predictions["majority"] = {head: [majority[head]] * len(ordered) for head in names}
    report = {}
    print(f"dev set: {len(ordered)} shots from {len(by_video)} videos ({args.dev_set})")
    print(f"{'method':<10} {'scale acc':>10} {'scale F1':>9} {'move acc':>9} {'move F1':>8}")
    for method, heads in predictions.items():
        report[method] = {}
        for head, labels in names.items():
            if not heads[head]:
                continue
            as_index = lambda values: [labels.index(v) if v in labels else MISSING_LABEL for v in values]  # noqa: E731
            report[method][head] = head_metrics(as_index(truth[head]), as_index(heads[head]), labels)
        figures = report[method]
        cells = [f"{figures[head][name]:{width}.3f}" if head in figures else f"{'-':>{width}}"
                 for head, name, width in (("scale", "accuracy", 10), ("scale", "macro_f1", 9), ("movement", "accuracy", 9), ("movement", "macro_f1", 8))]
        print(f"{method:<10} " + " ".join(cells))
    print(f"(majority = always {majority['scale']} / always {majority['movement']}, the dev set's own most common classes)")
    if args.report_dir:
        args.report_dir.mkdir(parents=True, exist_ok=True)
        (args.report_dir / "report.json").write_text(json.dumps(report, indent=2))
        for method in report:
            for head in report[method]:
                plot_confusion(report[method][head], f"{method} on the dev set: {head}", args.report_dir / f"confusion_{method}_{head}.png")
        print(f"Report: {args.report_dir / 'report.json'}")
        # One row per shot, so errors can be traced to a video (30 of the 57 shots come from one 160x90 clip).
        per_shot = []
        for i, shot in enumerate(ordered):
            row = {"video": shot["video"], "start": shot["start"], "end": shot["end"]}
            for head in names:
                row[f"{head}_truth"] = truth[head][i]
                for method, heads in predictions.items():
                    row[f"{head}_{method}"] = heads[head][i] if heads[head] else None  # a single-head model has no answer
            per_shot.append(row)
        (args.report_dir / "shots.json").write_text(json.dumps(per_shot, indent=1))


if __name__ == "__main__":
    main()
