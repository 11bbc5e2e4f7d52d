"""Score a model and the two baselines (a face-size rule for scale, a global-motion rule for movement; and the
majority class) on hand-labelled real shots: the dev set, the real validation set, or your own labelled CSV.

    python validate.py                                             # the starter on data/dev_set.csv
    python validate.py --model runs/starter/model --shots data/real_shots.csv --split val --report-dir runs/starter/val-report

Every accuracy figure in the README, the model card and docs/ comes from here (shot_model.evaluation.scorer).
"""

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent
DEV_SET = REPO / "data" / "dev_set.csv"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None, help="model folder or Hub id (default: the starter checkpoint)")
    parser.add_argument("--shots", type=Path, default=DEV_SET, help="labelled CSV with frame ranges (default: %(default)s)")
    parser.add_argument("--split", default=None, help="only the rows of this split (the CSV's split column), e.g. val")
    parser.add_argument("--clips-per-shot", type=int, default=1)
    parser.add_argument("--no-rule", action="store_true", help="skip the rule baseline (it is the slow part)")
    parser.add_argument("--report-dir", type=Path, help="write report.json, shots.json (every shot's answers) and confusion matrices here")
    args = parser.parse_args(argv)

    from shot_model import ModelLoadError, ShotClassifier
    from shot_model.evaluation.metrics import plot_confusion
    from shot_model.evaluation.scorer import score_shots
    from shot_model.video import VideoError

    try:
        classifier = ShotClassifier.from_pretrained(args.model)
        scored = score_shots(args.shots, classifier, args.clips_per_shot, with_rule=not args.no_rule, split=args.split)
    except (ModelLoadError, VideoError, ValueError, OSError) as error:
        print(f"validate.py: {error}", file=sys.stderr)
        return 1
    report = scored.report()
    print(f"{args.shots}{f' ({args.split})' if args.split else ''}: {len(scored.shots)} shots from {len({s['video'] for s in scored.shots})} videos; model {classifier.model_id}")
    print(f"{'method':<10} {'scale acc':>10} {'scale F1':>9} {'move acc':>9} {'move F1':>8}")
    for method, figures in report.items():
        cells = [f"{figures[head][name]:{width}.3f}" if head in figures else f"{'-':>{width}}"
                 for head, name, width in (("scale", "accuracy", 10), ("scale", "macro_f1", 9), ("movement", "accuracy", 9), ("movement", "macro_f1", 8))]
        print(f"{method:<10} " + " ".join(cells))
    if args.report_dir:
        args.report_dir.mkdir(parents=True, exist_ok=True)
        (args.report_dir / "report.json").write_text(json.dumps(report, indent=2))
        (args.report_dir / "shots.json").write_text(json.dumps(scored.per_shot(), indent=1))
        for method in report:
            for head in report[method]:
                plot_confusion(report[method][head], f"{method}: {head}", args.report_dir / f"confusion_{method}_{head}.png")
        print(f"Report: {args.report_dir / 'report.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
