"""Turn a trained run into the shipped starter checkpoint: the model and processor, with the dev-set figures of
the model and both baselines written into its config, so its model card shows them.

    python bench/dev_set_accuracy.py --model runs/starter/model --report-dir runs/starter/dev-report
    python -m data.starter.publish runs/starter/model checkpoints/shot-videomae-starter \
        --dev-report runs/starter/dev-report/report.json
"""

import argparse
import json
import shutil
from pathlib import Path

from transformers import AutoVideoProcessor

from shot_model import ShotVideoMAEForShotClassification


RECIPE = """Rebuild it from a clone of the shot-model repository, with `../shared/media/train` beside it (about 50 min on 2 CPU cores):

```sh
python -m data.starter.build --out cache/starter-data --clips 6000 --seed 0
accelerate launch --cpu train.py --config configs/starter.yaml
python bench/dev_set_accuracy.py --model runs/starter/model --report-dir runs/starter/dev-report
python -m data.starter.publish runs/starter/model checkpoints/shot-videomae-starter --dev-report runs/starter/dev-report/report.json
```"""


def dev_figures(report: dict) -> dict:
    """{row name: {metric: value}} for the card, from bench/dev_set_accuracy.py's report.json."""
    shots = report["model"]["scale"]["count"]
    names = {"model": f"dev set ({shots} hand-labelled real shots)", "rule": "dev set, rule baseline", "majority": "dev set, majority baseline"}
    return {
        names[method]: {f"{head}_{name}": round(heads[head][name], 3) for head in ("scale", "movement") for name in ("accuracy", "macro_f1")}
        for method, heads in report.items()
    }


def standing(report: dict) -> str:
    """One sentence, from the figures, on how the model compares with the baselines on the dev set."""
    behind = [
        f"{head} (macro-F1 {report['model'][head]['macro_f1']:.3f} against the rule's {report['rule'][head]['macro_f1']:.3f})"
        for head in ("scale", "movement")
        if report["model"][head]["macro_f1"] <= max(report[baseline][head]["macro_f1"] for baseline in ("rule", "majority"))
    ]
    if behind:
        return "**Status: on the hand-labelled dev set this model does not beat the baselines on " + " and ".join(behind) + ". Treat its labels as a placeholder.**"
    return "On the hand-labelled dev set this model beats both baselines on both heads (figures below)."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_model", type=Path, help="the run's model folder (runs/starter/model)")
    parser.add_argument("target", type=Path, help="where the starter checkpoint goes")
    parser.add_argument("--dev-report", type=Path, required=True, help="report.json from bench/dev_set_accuracy.py")
    args = parser.parse_args()
    model = ShotVideoMAEForShotClassification.from_pretrained(args.run_model)
    processor = AutoVideoProcessor.from_pretrained(args.run_model)
    report = json.loads(args.dev_report.read_text())
    validation = (model.config.eval_results or {}).get("val", {})
    model.config.eval_results = {**dev_figures(report), "validation (generated clips of held-out sources)": validation}
    model.config.training_data = f"{model.config.training_data}\n\n{RECIPE}\n\n{standing(report)}"
    if args.target.exists():
        shutil.rmtree(args.target)
    model.save_pretrained(args.target)
    processor.save_pretrained(args.target)
    shutil.copytree(args.dev_report.parent, args.target / "dev_report")
    print(f"{args.target}: {sum(p.stat().st_size for p in args.target.rglob('*') if p.is_file()) / 2**20:.1f} MB")


if __name__ == "__main__":
    main()
