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
