"""The starter's model card says how it compares with the baselines, and calls a lead clear only when it is."""

import json
import shutil

import pytest

from shot_model import ShotVideoMAEConfig
from tools.starter_data.publish import main, standing


def report(scale_right: int, movement_right: int, movement_f1: float = 0.6) -> dict:
    """A dev report of 57 shots: the rule gets 30 scales and 41 movements right, the majority fewer."""

    def head(right: int, f1: float) -> dict:
        return {"count": 57, "accuracy": right / 57, "macro_f1": f1}

    return {
        "model": {"scale": head(scale_right, 0.64), "movement": head(movement_right, movement_f1)},
        "rule": {"scale": head(30, 0.49), "movement": head(41, 0.58)},
        "majority": {"scale": head(25, 0.15), "movement": head(29, 0.17)},
    }


def test_a_lead_of_several_shots_is_clear_and_one_shot_is_level():
    scale, movement = standing(report(scale_right=39, movement_right=42)).split(". ", 1)
    assert "scale labels beat both baselines clearly: 9 more of 57 shots right" in scale
    assert "movement labels are level with the best baseline: 1 more of 57 shots right, a higher macro-F1" in movement
    assert "within the dev set's noise" in movement


def test_a_model_behind_the_rule_is_not_said_to_beat_it():
    text = standing(report(scale_right=39, movement_right=40, movement_f1=0.61))
    assert "movement labels are level with the best baseline: 1 fewer of 57 shots right, a higher macro-F1" in text
    text = standing(report(scale_right=39, movement_right=38, movement_f1=0.5))
    assert "movement labels do not beat the baselines" in text


def test_publishing_again_keeps_one_recipe_and_the_figures_it_does_not_replace(tiny_model_dir, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(tiny_model_dir, run)
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**config, "training_data": "Trained on renders.", "eval_results": None}))
    reports = {}
    for name, figures in (("dev", report(39, 42)), ("val", report(9, 13)), ("old-dev", report(35, 41)), ("old-val", report(6, 13))):
        (tmp_path / name).mkdir()
        reports[name] = tmp_path / name / "report.json"
        reports[name].write_text(json.dumps(figures))
    main([str(run), str(tmp_path / "first"), "--dev-report", str(reports["dev"]), "--val-report", str(reports["val"]),
          "--previous", "starter v0", str(reports["old-dev"]), str(reports["old-val"])])  # fmt: skip
    first = ShotVideoMAEConfig.from_pretrained(tmp_path / "first")
    assert first.eval_results["dev set (57 hand-labelled real shots)"]["scale_accuracy"] == round(39 / 57, 3)
    assert first.eval_results["real validation set (57 hand-labelled real shots)"]["scale_accuracy"] == round(9 / 57, 3)
    assert first.eval_results["starter v0, dev set"]["scale_accuracy"] == round(35 / 57, 3)
    assert first.eval_results["starter v0, real validation set"]["scale_accuracy"] == round(6 / 57, 3)
    assert "validation (generated clips of held-out sources)" not in first.eval_results, "no empty row for figures the run lacks"
    assert (tmp_path / "first" / "dev_report" / "report.json").is_file() and (tmp_path / "first" / "val_report" / "report.json").is_file()
    main([str(tmp_path / "first"), str(tmp_path / "second"), "--dev-report", str(reports["dev"])])
    second = ShotVideoMAEConfig.from_pretrained(tmp_path / "second")
    assert second.training_data.startswith("Trained on renders.") and second.training_data.count("Rebuild it from") == 1
    assert second.eval_results == first.eval_results


def test_publishing_refuses_to_replace_a_folder_holding_its_own_run_or_reports(tiny_model_dir, tmp_path):
    target = tmp_path / "target"
    shutil.copytree(tiny_model_dir, target)
    (target / "dev_report").mkdir()
    (target / "dev_report" / "report.json").write_text(json.dumps(report(39, 42)))
    with pytest.raises(SystemExit):
        main([str(tiny_model_dir), str(target), "--dev-report", str(target / "dev_report" / "report.json")])
    with pytest.raises(SystemExit):
        main([str(target), str(target), "--dev-report", str(target / "dev_report" / "report.json")])
    assert (target / "dev_report" / "report.json").is_file() and (target / "model.safetensors").is_file()
