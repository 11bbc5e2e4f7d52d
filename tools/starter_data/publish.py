"""Turn a trained run into the shipped starter checkpoint: the model and processor, with the figures of the model and
both baselines on the dev set (and the real validation set, and the starter it replaces, when given) written into its
config, so its model card shows them.

    python validate.py --model runs/starter-v5/model --report-dir runs/starter-v5/dev-report
    python validate.py --model runs/starter-v5/model --shots data/real_shots.csv --split val --report-dir runs/starter-v5/val-report
    python -m tools.starter_data.publish runs/starter-v5/model checkpoints/shot-videomae-starter \
        --dev-report runs/starter-v5/dev-report/report.json --val-report runs/starter-v5/val-report/report.json

After editing the model's code (`shot_model/models/shot_videomae/`), refresh the starter's copies of it (`make starter-code`):

    python -m tools.starter_data.publish --refresh-code checkpoints/shot-videomae-starter
"""

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from transformers import AutoVideoProcessor

from shot_model import ShotVideoMAEForShotClassification

RECIPE = """Rebuild it from a clone of the shot-model repository, with `../shared/media/train` and `../shared/stills` beside it (about 2.5 h on 2 CPU cores):

```sh
python -m tools.starter_data.build --out cache/starter-data-windows --clips 6000 --seed 0 --window-labels data/window_labels.csv
python -m tools.starter_data.pose_windows frames --out cache/pose && make pose-teacher
cache/pose-venv/bin/python tools/starter_data/pose_teacher.py cache/pose
python -m tools.starter_data.composites cache/pose --out cache/composites --count 2000 --with cache/starter-data-windows/labels.csv
python -m tools.starter_data.build --out cache/starter-data-slow --clips 6000 --seed 0 --window-labels data/window_labels.csv --min-travel 0.06
accelerate launch --cpu train.py --config configs/starter-movement.yaml   # stage 1: VideoMAE stream, movement head
accelerate launch --cpu train.py --config configs/starter-scale.yaml      # stage 2: appearance stream, scale head
accelerate launch --cpu train.py --config configs/starter.yaml            # stage 3: camera-motion stream joins the movement head
python -m tools.starter_data.scale_head features --model runs/starter/model --out cache/scale-features   # stage 4: the scale head
python -m tools.starter_data.scale_head fit --model runs/starter/model --features cache/scale-features --out runs/starter-v5/model  # on real framing
python validate.py --model runs/starter-v5/model --report-dir runs/starter-v5/dev-report
python validate.py --model runs/starter-v5/model --shots data/real_shots.csv --split val --report-dir runs/starter-v5/val-report
python -m tools.starter_data.publish runs/starter-v5/model checkpoints/shot-videomae-starter --dev-report runs/starter-v5/dev-report/report.json --val-report runs/starter-v5/val-report/report.json
```"""


def report_figures(report: dict, set_name: str = "dev set") -> dict:
    """{row name: {metric: value}} for the card, from validate.py's report.json on the dev or validation set."""
    shots = report["model"]["scale"]["count"]
    names = {"model": f"{set_name} ({shots} hand-labelled real shots)", "rule": f"{set_name}, rule baseline", "majority": f"{set_name}, majority baseline"}
    return {
        names[method]: {f"{head}_{name}": round(heads[head][name], 3) for head in ("scale", "movement") for name in ("accuracy", "macro_f1")}
        for method, heads in report.items()
    }


def model_row(figures: dict, set_name: str) -> str:
    """The name of the model's own row among `report_figures`' rows."""
    return next(name for name in figures if name.startswith(f"{set_name} ("))


# A lead smaller than this many dev shots is noise: two builds of one recipe differed by 5 (docs/benchmarks.md,
# section 10), and decoding without the deblocking filter, under one grey level at the model's size, turned 2 of
# the model's answers (section 12).
CLEAR_LEAD_SHOTS = 5


def standing(report: dict) -> str:
    """One sentence per head, from the figures, on how the model compares with the baselines on the dev set."""
    sentences = []
    for head in ("scale", "movement"):
        model, rule, majority = (report[method][head] for method in ("model", "rule", "majority"))
        count = model["count"]
        figures = f"accuracy {model['accuracy']:.3f} / macro-F1 {model['macro_f1']:.3f}, against the rule's {rule['accuracy']:.3f} / {rule['macro_f1']:.3f}"
        best = max(rule["accuracy"], majority["accuracy"])
        lead = round((model["accuracy"] - best) * count)
        better_f1 = model["macro_f1"] > max(rule["macro_f1"], majority["macro_f1"])
        if lead >= CLEAR_LEAD_SHOTS and better_f1:
            sentences.append(f"On the hand-labelled dev set its {head} labels beat both baselines clearly: {lead} more of {count} shots right, and a higher macro-F1 ({figures}).")
        elif lead > 0 or better_f1:
            shots = f"{lead} more" if lead > 0 else "as many" if lead == 0 else f"{-lead} fewer"
            shots += f" of {count} shots right"
            noise = ", within the dev set's noise" if lead < CLEAR_LEAD_SHOTS else ""
            sentences.append(
                f"**On the hand-labelled dev set its {head} labels are level with the best baseline: {shots}, "
                f"{'a higher' if better_f1 else 'a lower'} macro-F1 ({figures}){noise}.**"
            )
        else:
            sentences.append(f"**On the hand-labelled dev set its {head} labels do not beat the baselines ({figures}): treat them as a placeholder.**")
    return " ".join(sentences)


def refresh_code(folder: Path) -> list[Path]:
    """Rewrite a saved model's code copies and model card from the package's current code, weights untouched.

    `save_pretrained` copies the model's modules beside the weights (what `trust_remote_code` loads) and renders the
    card from the config; this saves the model to a temporary folder and takes just those files from it.
    """
    model = ShotVideoMAEForShotClassification.from_pretrained(folder)
    with tempfile.TemporaryDirectory() as scratch:
        model.save_pretrained(scratch)
        written = sorted(Path(scratch).glob("*.py")) + [Path(scratch) / "README.md"]
        for stale in folder.glob("*.py"):
            stale.unlink()
        for path in written:
            shutil.copy2(path, folder / path.name)
    return [folder / path.name for path in written]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_model", type=Path, help="the run's model folder (runs/starter/model); with --refresh-code, the published folder")
    parser.add_argument("target", type=Path, nargs="?", help="where the starter checkpoint goes")
    parser.add_argument("--dev-report", type=Path, help="report.json from validate.py")
    parser.add_argument("--val-report", type=Path, help="report.json from validate.py on the real validation set (--shots data/real_shots.csv --split val)")
    parser.add_argument(
        "--previous", nargs=3, metavar=("NAME", "DEV_REPORT", "VAL_REPORT"),
        help="the starter this one replaces, and its validate.py reports on the dev and real validation sets, for the card",
    )
    parser.add_argument("--refresh-code", action="store_true", help="only rewrite RUN_MODEL's code copies and card from the package (after editing shot_model/models/)")
    args = parser.parse_args(argv)
    if args.refresh_code:
        for path in refresh_code(args.run_model):
            print(path)
        return
    if args.target is None or args.dev_report is None:
        parser.error("publishing needs TARGET and --dev-report (or pass --refresh-code)")
    reports = [path for path in (args.dev_report, args.val_report, *(args.previous or [])[1:]) if path]
    inside = [str(path) for path in reports if Path(path).resolve().is_relative_to(args.target.resolve())]
    if inside or args.run_model.resolve() == args.target.resolve():
        parser.error(f"the run and its reports must lie outside {args.target}, which is replaced: {inside or [str(args.run_model)]}")
    model = ShotVideoMAEForShotClassification.from_pretrained(args.run_model)
    processor = AutoVideoProcessor.from_pretrained(args.run_model)
    report = json.loads(args.dev_report.read_text())
    # Rows an earlier publishing wrote stay unless these reports replace them; train.py's "val" row is renamed.
    results = dict(model.config.eval_results or {})
    generated = results.pop("val", None)
    if generated:
        results["validation (generated clips of held-out sources)"] = generated
    results.update(report_figures(report))
    if args.val_report:
        results.update(report_figures(json.loads(args.val_report.read_text()), "real validation set"))
    if args.previous:
        name, *previous_reports = args.previous
        for set_name, path in zip(("dev set", "real validation set"), previous_reports):
            figures = report_figures(json.loads(Path(path).read_text()), set_name)
            results[f"{name}, {set_name}"] = figures[model_row(figures, set_name)]  # the baselines are the same
    model.config.eval_results = results
    # The run's description up to any recipe an earlier publishing added, so republishing does not repeat it.
    described = (model.config.training_data or "").split("\n\nRebuild it from")[0]
    model.config.training_data = f"{described}\n\n{RECIPE}\n\n{standing(report)}"
    # Built beside the target and swapped in, so a failure leaves the published checkpoint as it was.
    staging = args.target.with_name(f".{args.target.name}.publishing")
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging)
    processor.save_pretrained(staging)
    shutil.copytree(args.dev_report.parent, staging / "dev_report")
    if args.val_report:
        shutil.copytree(args.val_report.parent, staging / "val_report")
    if args.target.exists():
        shutil.rmtree(args.target)
    staging.rename(args.target)
    print(f"{args.target}: {sum(p.stat().st_size for p in args.target.rglob('*') if p.is_file()) / 2**20:.1f} MB")


if __name__ == "__main__":
    main()
