"""Training and evaluation with Accelerate on the generated MovieShots-format fixture, as an engineer runs them."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml
from conftest import REPO, accelerate_launch
from datasets import load_from_disk

from shot_model import ShotVideoMAEForShotClassification, video_processor_for
from shot_model.cli import main as shot_model_main
from shot_model.data.dataset import ClipAugmentation, ShotClipDataset
from shot_model.data.movieshots_fixture import make_fixture
from shot_model.data.prepare import prepare_folders, prepare_movieshots
from shot_model.data.shot_table import MISSING_LABEL, DataFormatError, read_shot_csv, split_by_video
from shot_model.models.shot_videomae.configuration_shot_videomae import MOVEMENT_LABELS, SCALE_LABELS
from train import TrainingError, class_weights, freeze


@pytest.fixture(scope="module")
def fixture_dataset(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("movieshots")
    annotations = make_fixture(root, trailers=6, shots=8, seed=0)
    assert shot_model_main(["prepare", "movieshots", "--annotations", str(annotations), "--clips", str(root / "clips"), "--out", str(root / "dataset")]) == 0
    return root / "dataset"


def debug_config(tmp_path: Path, dataset: Path, output: dict | None = None, **training) -> Path:
    config = yaml.safe_load((REPO / "configs" / "debug.yaml").read_text())
    config["data"]["source"] = str(dataset)
    config["output"]["dir"] = str(tmp_path / "run")
    config["output"].update(output or {})
    config["training"].update(training)
    path = tmp_path / "debug.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def launch(*args, processes: int = 1) -> subprocess.CompletedProcess:
    result = accelerate_launch(str(REPO / "train.py"), *args, processes=processes)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def logged_losses(output: str) -> dict[int, float]:
    return {int(step): float(loss) for step, loss in re.findall(r"step (\d+)/\d+ loss ([\d.]+)", output)}


def test_training_learns_saves_reports_and_reloads(tmp_path, fixture_dataset):
    result = launch("--config", str(debug_config(tmp_path, fixture_dataset)))
    losses = logged_losses(result.stdout)
    steps = sorted(losses)
    assert steps[-1] == 40
    assert sum(losses[s] for s in steps[-2:]) / 2 < 0.8 * sum(losses[s] for s in steps[:2]) / 2, losses

    run = tmp_path / "run"
    assert (run / "checkpoints" / "step_20").is_dir() and (run / "checkpoints" / "step_40").is_dir()
    report = json.loads((run / "model" / "val_report" / "report.json").read_text())
    assert set(report) == {"scale", "movement"} and report["scale"]["count"] == 8
    assert (run / "model" / "val_report" / "confusion_movement.png").read_bytes().startswith(b"\x89PNG")
    assert "| val | scale_macro_f1 |" in (run / "model" / "README.md").read_text()

    # The saved model reloads and predicts exactly as the evaluation that chose it did.
    model = ShotVideoMAEForShotClassification.from_pretrained(run / "model").eval()
    evaluation = subprocess.run(
        [sys.executable, str(REPO / "train.py"), "--config", str(tmp_path / "debug.yaml"), "--eval-only", "--checkpoint", str(run / "model"),
         "--split", "val", "--report-dir", str(tmp_path / "eval")],
        capture_output=True, text=True, cwd=REPO,
    )
    assert evaluation.returncode == 0, evaluation.stderr[-3000:]
    reevaluated = json.loads((tmp_path / "eval" / "report.json").read_text())
    assert reevaluated["scale"]["confusion"] == report["scale"]["confusion"]
    assert reevaluated["movement"]["confusion"] == report["movement"]["confusion"]
    assert model.config.eval_results["val"]["scale_macro_f1"] == pytest.approx(report["scale"]["macro_f1"])


def test_resume_continues_from_the_saved_step_to_the_same_model(tmp_path, fixture_dataset):
    config = debug_config(tmp_path, fixture_dataset, output={"checkpoint_every_steps": 10, "eval_every_steps": 10}, max_steps=20)
    launch("--config", str(config))
    straight = ShotVideoMAEForShotClassification.from_pretrained(tmp_path / "run" / "model").state_dict()

    # Pretend the run was killed after its step-10 checkpoint: drop what came later, then resume.
    shutil.rmtree(tmp_path / "run" / "checkpoints" / "step_20")
    shutil.rmtree(tmp_path / "run" / "model")
    result = launch("--config", str(config), "--resume")
    assert "Resumed from" in result.stdout and "at step 10" in result.stdout
    assert min(logged_losses(result.stdout)) == 15, "logging resumes after step 10, not from the start"
    resumed = ShotVideoMAEForShotClassification.from_pretrained(tmp_path / "run" / "model").state_dict()
    for name, tensor in straight.items():
        torch.testing.assert_close(resumed[name], tensor, msg=name)


def test_two_processes_train_and_evaluate(tmp_path, fixture_dataset):
    result = launch("--config", str(debug_config(tmp_path, fixture_dataset, output={"log_every_steps": 1}, max_steps=6)), processes=2)
    assert "Training on 2 process(es)" in result.stdout
    assert re.search(r"step 6/6 loss [\d.]+ lr 0.00e\+00", result.stdout), "the learning-rate schedule ends with the run"
    assert "step 6: validation score" in result.stdout
    report = json.loads((tmp_path / "run" / "model" / "val_report" / "report.json").read_text())
    assert report["scale"]["count"] == 8, "gather_for_metrics counts every validation shot once"


def test_non_finite_loss_stops_with_a_clear_message(tmp_path, fixture_dataset):
    config = debug_config(tmp_path, fixture_dataset, learning_rate=1.0e30, max_grad_norm=None)
    command = [sys.executable, str(REPO / "train.py"), "--config", str(config)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 1
    assert "The loss became nan" in result.stderr or "The loss became inf" in result.stderr


def test_movieshots_preparation_counts_what_it_leaves_out(tmp_path):
    annotations = make_fixture(tmp_path, trailers=3, shots=4, seed=1, nested=False)
    document = json.loads(annotations.read_text())
    document["train"]["tt1000000"]["0099"] = {"scale": {"label": "CS", "value": 1}, "movement": {"label": "Multi_movement", "value": 3}}
    annotations.write_text(json.dumps(document))
    (tmp_path / "clips" / "tt1000001_shot_0003.mp4").unlink()
    (tmp_path / "clips" / "tt9999999_shot_0001.mp4").write_bytes(b"")  # a clip nobody annotated

    dataset, report = prepare_movieshots(annotations, tmp_path / "clips")

    assert report["annotated_without_clip"] == 2 and report["clips_without_annotation"] == 1
    assert "tt1000000/0099" in report["examples_without_clip"]
    assert sum(report["shots"].values()) == 12 - 1
    assert set(dataset["train"]["movement"]) <= {0, 1, 2, 3}


def test_movieshots_multi_movement_folds_into_motion(tmp_path):
    annotations = make_fixture(tmp_path, trailers=1, shots=1, seed=2)
    document = json.loads(annotations.read_text())
    shot = document["train"]["tt1000000"]["0000"]
    shot["movement"] = {"label": "Multi_movement", "value": 3}
    annotations.write_text(json.dumps(document))
    dataset, _ = prepare_movieshots(annotations, tmp_path / "clips")
    assert dataset["train"][0]["movement"] == MOVEMENT_LABELS.index("Motion")


def test_csv_format_times_labels_and_errors(tmp_path):
    (tmp_path / "labels.csv").write_text(
        "video,start,end,scale,movement\n"
        "trailer.mp4,1.5,4,CS,\n"
        "trailer.mp4,120f,300f,,Push\n"
        "other.mp4,,,LS,Static\n"
    )
    rows = read_shot_csv(tmp_path / "labels.csv", SCALE_LABELS, MOVEMENT_LABELS)
    assert [(r["start"], r["end"], r["unit"], r["scale"], r["movement"]) for r in rows] == [
        (1.5, 4.0, "seconds", 1, -100),
        (120.0, 300.0, "frames", -100, 2),
        (-1.0, -1.0, "seconds", 4, 0),
    ]
    splits = split_by_video(rows, val_fraction=0.5, test_fraction=0.0, seed=0)
    assert len(splits["train"]) + len(splits["val"]) == 3 and len(splits["val"]) in (1, 2)

    (tmp_path / "bad.csv").write_text("video,start,end,scale,movement\nx.mp4,0,1,XCU,Static\n")
    with pytest.raises(DataFormatError, match=r"bad.csv:2: unknown scale label 'XCU'"):
        read_shot_csv(tmp_path / "bad.csv", SCALE_LABELS, MOVEMENT_LABELS)
    (tmp_path / "bad.csv").write_text("video,start,end,scale\nx.mp4,0,1,CS\n")
    with pytest.raises(DataFormatError, match="missing column"):
        read_shot_csv(tmp_path / "bad.csv", SCALE_LABELS, MOVEMENT_LABELS)


def test_folder_per_class_layout(tmp_path):
    for relative in ("scale/CS/a.mp4", "scale/LS/b.mp4", "movement/Push/a.mp4"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_bytes(b"")
    rows = {Path(r["video"]).name: (r["scale"], r["movement"]) for r in prepare_folders(tmp_path)}
    assert rows == {"a.mp4": (1, 2), "b.mp4": (4, -100)}


def test_killed_training_resumes_from_its_last_saved_state(tmp_path, fixture_dataset):
    import os
    import signal
    import time

    config = debug_config(tmp_path, fixture_dataset, output={"checkpoint_every_steps": 5, "eval_every_steps": 40})
    command = [sys.executable, "-m", "accelerate.commands.launch", "--cpu", "--num_processes", "1", "--num_machines", "1",
               "--mixed_precision", "no", "--dynamo_backend", "no", str(REPO / "train.py"), "--config", str(config)]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    checkpoints = tmp_path / "run" / "checkpoints"
    deadline = time.monotonic() + 300
    while not (checkpoints / "step_15").is_dir() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the launcher and the training process, mid-run
    process.wait()
    saved = sorted(int(p.name.split("_")[1]) for p in checkpoints.glob("step_*"))
    assert saved and saved[-1] < 40, "killed before the end"

    result = launch("--config", str(config), "--resume")
    resumed_from = int(re.search(r"at step (\d+)", result.stdout).group(1))
    assert resumed_from in saved and resumed_from >= 15
    assert "step 40/40" in result.stdout and (tmp_path / "run" / "model" / "model.safetensors").is_file()


def test_a_single_head_model_trains_on_data_labelled_for_both(tmp_path, fixture_dataset):
    config = yaml.safe_load(debug_config(tmp_path, fixture_dataset, max_steps=5).read_text())
    config["model"]["active_heads"] = "movement"
    path = tmp_path / "movement.yaml"
    path.write_text(yaml.safe_dump(config))
    result = launch("--config", str(path))
    assert "step 5/5" in result.stdout
    report = json.loads((tmp_path / "run" / "model" / "val_report" / "report.json").read_text())
    assert set(report) == {"movement"}


def test_movement_only_crops_drop_the_scale_label_and_keep_the_movement(fixture_dataset):
    table = load_from_disk(str(fixture_dataset))["train"].select(range(8))
    config = ShotVideoMAEForShotClassification.config_class(num_frames=4, image_size=32)
    processor = video_processor_for(config)

    def items(chance, subject_chance=0.0):
        augmentation = ClipAugmentation(movement_crop_chance=chance, moving_subject_chance=subject_chance)
        dataset = ShotClipDataset(table, processor, num_frames=4, augmentation=augmentation)
        return [dataset[i] for i in range(len(table))]

    def labels(chance, subject_chance=0.0):
        return [(int(item["scale_labels"]), int(item["movement_labels"])) for item in items(chance, subject_chance)]

    assert labels(0.0) == list(zip(table["scale"], table["movement"]))
    assert labels(1.0) == [(MISSING_LABEL, movement) for movement in table["movement"]]
    # A stand-in subject goes only into movement-only clips, and changes their pictures, not their labels.
    assert labels(1.0, subject_chance=1.0) == [(MISSING_LABEL, movement) for movement in table["movement"]]
    plain, with_subject = items(1.0), items(1.0, subject_chance=1.0)
    assert all(not torch.equal(a["pixel_values"], b["pixel_values"]) for a, b in zip(plain, with_subject))
    assert all(torch.equal(a["pixel_values"], b["pixel_values"]) for a, b in zip(items(0.0), items(0.0, subject_chance=1.0)))
    # A head can be weighed apart: a list for one, inverse frequency for the other.
    weights = class_weights({"movement": [2.3, 1, 1, 1], "scale": "balanced"}, table)
    assert weights["movement_class_weights"] == [2.3, 1, 1, 1] and len(weights["scale_class_weights"]) == len(SCALE_LABELS)
    assert "scale_class_weights" not in class_weights({"movement": "balanced"}, table)


def test_a_new_head_trains_on_a_frozen_backbone_and_leaves_it_untouched(tmp_path, fixture_dataset):
    # First a movement-only model, then a scale head learned on its frozen backbone (and frozen movement head).
    config = yaml.safe_load(debug_config(tmp_path, fixture_dataset, max_steps=3).read_text())
    config["model"]["active_heads"] = "movement"
    first = tmp_path / "movement.yaml"
    first.write_text(yaml.safe_dump(config))
    launch("--config", str(first))
    movement_model = tmp_path / "run" / "model"
    before = ShotVideoMAEForShotClassification.from_pretrained(movement_model)

    config["model"] = {"checkpoint": str(movement_model), "active_heads": "both"}
    config["training"]["frozen"] = ["videomae", "fc_norm", "movement_head"]
    config["output"]["dir"] = str(tmp_path / "scale-run")
    second = tmp_path / "scale.yaml"
    second.write_text(yaml.safe_dump(config))
    launch("--config", str(second))
    after = ShotVideoMAEForShotClassification.from_pretrained(tmp_path / "scale-run" / "model")

    # The movement answers are exactly what they were; the new scale head answers too.
    clip = torch.randn(2, before.config.num_frames, 3, before.config.image_size, before.config.image_size)
    with torch.no_grad():
        old, new = before.eval()(clip), after.eval()(clip)
    assert torch.equal(old.movement_logits, new.movement_logits)
    assert old.scale_logits is None and new.scale_logits.shape == (2, len(SCALE_LABELS))

    config["training"]["frozen"] = ["backbone"]
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(yaml.safe_dump(config))
    result = accelerate_launch(str(REPO / "train.py"), "--config", str(wrong))
    assert result.returncode != 0 and "training.frozen: the model has no part 'backbone'" in result.stdout + result.stderr


def test_the_fine_tune_config_trains_the_shipped_starters_heads_and_nothing_else(tmp_path, fixture_dataset):
    # configs/fine-tune.yaml as the README tells a user to run it, on their prepared data, for a few steps.
    config = yaml.safe_load((REPO / "configs" / "fine-tune.yaml").read_text())
    config["model"]["checkpoint"] = str(REPO / config["model"]["checkpoint"])
    config["data"]["source"] = str(fixture_dataset)
    config["training"].update(max_steps=2, batch_size=4)
    config["output"].update(dir=str(tmp_path / "run"), eval_every_steps=2, checkpoint_every_steps=2, tracker=None)
    path = tmp_path / "fine-tune.yaml"
    path.write_text(yaml.safe_dump(config))
    launch("--config", str(path))
    starter = ShotVideoMAEForShotClassification.from_pretrained(config["model"]["checkpoint"]).state_dict()
    tuned = ShotVideoMAEForShotClassification.from_pretrained(tmp_path / "run" / "model").state_dict()
    changed = {name.split(".")[0] for name in starter if not torch.equal(starter[name], tuned[name])}
    assert {"scale_head", "movement_head"} <= changed
    assert not changed & {"videomae", "fc_norm", "appearance"}


def test_frozen_parts_can_be_single_layers():
    config = ShotVideoMAEForShotClassification.config_class(num_frames=4, image_size=32, hidden_size=32, num_hidden_layers=2,
                                                            num_attention_heads=2, intermediate_size=64)
    model = ShotVideoMAEForShotClassification(config)
    freeze(model, ["videomae.encoder.layer.0"])
    assert not any(p.requires_grad for p in model.videomae.encoder.layer[0].parameters())
    assert all(p.requires_grad for p in model.videomae.encoder.layer[1].parameters())
    with pytest.raises(TrainingError, match="no part 'videomae.encoder.layer.5'"):
        freeze(model, ["videomae.encoder.layer.5"])
