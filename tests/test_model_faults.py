"""A damaged or foreign model folder is refused with a message naming the file and what to do."""

import json
import shutil

import pytest
import torch

from shot_model import ModelLoadError, ShotClassifier, ShotVideoMAEForShotClassification


@pytest.fixture
def model_copy(tiny_model_dir, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    return folder


def test_a_good_folder_loads(model_copy):
    assert ShotClassifier.from_pretrained(model_copy).config.num_frames == 4


def test_missing_config(model_copy):
    (model_copy / "config.json").unlink()
    with pytest.raises(ModelLoadError, match="is not a saved model folder: it has no config.json"):
        ShotClassifier.from_pretrained(model_copy)


def test_missing_weights(model_copy):
    (model_copy / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match="has no weights: model.safetensors is missing"):
        ShotClassifier.from_pretrained(model_copy)


def test_damaged_weights(model_copy):
    weights = model_copy / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(ModelLoadError, match="are damaged .*download or save the model again"):
        ShotClassifier.from_pretrained(model_copy)


def test_pickled_weights_are_refused_unless_allowed(model_copy):
    state = ShotVideoMAEForShotClassification.from_pretrained(model_copy).state_dict()
    (model_copy / "model.safetensors").unlink()
    torch.save(state, model_copy / "pytorch_model.bin")
    with pytest.raises(ModelLoadError, match=r"only pickled weights \(pytorch_model.bin\), which can run arbitrary code"):
        ShotClassifier.from_pretrained(model_copy)
    loaded = ShotClassifier.from_pretrained(model_copy, allow_pickle=True)
    torch.testing.assert_close(loaded.model.state_dict()["scale_head.classifier.weight"], state["scale_head.classifier.weight"])


def test_config_from_a_newer_version(model_copy):
    config = json.loads((model_copy / "config.json").read_text())
    config["format_version"] = 99
    (model_copy / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match="written by a newer shot-model .*upgrade shot-model"):
        ShotClassifier.from_pretrained(model_copy)


def test_missing_processor(model_copy):
    (model_copy / "video_preprocessor_config.json").unlink()
    with pytest.raises(ModelLoadError, match="has no video_preprocessor_config.json"):
        ShotClassifier.from_pretrained(model_copy)


def test_another_kind_of_model(model_copy):
    config = json.loads((model_copy / "config.json").read_text())
    config["model_type"] = "videomae"
    (model_copy / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match="holds a 'videomae' model, not a shot classifier"):
        ShotClassifier.from_pretrained(model_copy)


def _edit_json(path, **changes):
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def _drop_weight(folder, name):
    from safetensors.torch import load_file, save_file

    weights = load_file(folder / "model.safetensors")
    del weights[name]
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})


# Folders whose files do not fit each other: each must be refused, loaded fast or through transformers, never
# turned into a model with weights made up (transformers fills missing ones in at random) or a bare traceback.
INCONSISTENT = {
    "labels": (lambda folder: _edit_json(folder / "config.json", scale_labels=["CS", "MS", "LS"]), "scale_head"),
    "missing weight": (lambda folder: _drop_weight(folder, "fc_norm.weight"), "fc_norm.weight"),
    "missing head": (lambda folder: _drop_weight(folder, "movement_head.classifier.weight"), "movement_head"),
    "crop": (lambda folder: _edit_json(folder / "video_preprocessor_config.json", crop_size={"height": 48, "width": 48}), "crops to"),
    "frames": (lambda folder: _edit_json(folder / "config.json", num_frames=5), "multiple of tubelet_size"),
    "processor json": (lambda folder: (folder / "video_preprocessor_config.json").write_text("[1, 2]"), "video_preprocessor_config.json"),
    # Weights of other widths than the config's: caught when the model is built or runs its first clip, at load.
    "hidden size": (lambda folder: _edit_json(folder / "config.json", hidden_size=64, intermediate_size=128), "not fit"),
    "frame differences": (lambda folder: _edit_json(folder / "config.json", frame_differences=True), "not fit"),
    "appearance stream": (lambda folder: _edit_json(folder / "config.json", appearance_stream="efficientnet-lite0"), "not fit"),
    "value type": (lambda folder: _edit_json(folder / "config.json", num_frames="4"), "must be a whole number|Could not load the model folder"),
}


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "transformers"])
@pytest.mark.parametrize("fault", INCONSISTENT, ids=list(INCONSISTENT))
def test_a_folder_whose_files_disagree_is_refused_with_the_problem_named(model_copy, fault, fast):
    damage, message = INCONSISTENT[fault]
    damage(model_copy)
    with pytest.raises(ModelLoadError, match=message):
        ShotClassifier.from_pretrained(model_copy, device="cpu", fast=fast)


def test_the_cli_names_an_inconsistent_folder_without_a_traceback(model_copy, tmp_path):
    import subprocess
    import sys

    from media_factory import cut_video

    _edit_json(model_copy / "video_preprocessor_config.json", crop_size={"height": 48, "width": 48})
    clip = tmp_path / "clip.mp4"
    cut_video(clip, lengths=(30,))
    result = subprocess.run(
        [sys.executable, "-m", "shot_model.cli", "classify", str(clip), "--model", str(model_copy)], capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "crops to" in result.stderr and "Traceback" not in result.stderr
