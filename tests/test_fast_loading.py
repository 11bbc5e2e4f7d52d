"""Loading a saved folder straight into the fast CPU copy: no transformers, and the answers of the ordinary load."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import tiny_config
from test_fast_inference import moving_camera_clips, randomised
from transformers import VideoMAEVideoProcessor
from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
from transformers.models.videomae.modeling_videomae import get_sinusoid_encoding_table

from shot_model import ModelLoadError, ShotClassifier, ShotVideoMAEForShotClassification, fast_inference, loading, video_processor_for
from shot_model.fast_inference import SAVED_PROCESSOR_DEFAULTS, FastShotClassifier
from shot_model.fast_loading import CONFIG_DEFAULTS, sinusoid_position_table
from shot_model.models.shot_videomae.configuration_shot_videomae import CONFIG_FORMAT_VERSION, ShotVideoMAEConfig


def test_the_starter_loads_and_classifies_without_importing_transformers():
    """What analyze, classify and batch do on a CPU: the start-up they save is transformers' model stack."""
    script = (
        "import json, sys, numpy as np\n"
        "from shot_model import ShotClassifier\n"
        "classifier = ShotClassifier.from_pretrained()\n"
        "result = classifier.classify([np.full((classifier.num_frames, 90, 160, 3), 90, np.uint8)])[0]\n"
        "print(json.dumps([result.scale, result.movement, classifier.weights_fingerprint]))\n"
        "print(sorted(name for name in ('transformers', 'torchvision', 'torch._dynamo') if name in sys.modules))\n"
    )
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.splitlines()
    assert output[1] == "[]"
    scale, movement, fingerprint = json.loads(output[0])
    ordinary = ShotClassifier.from_pretrained(fast=False)
    expected = ordinary.classify([np.full((ordinary.num_frames, 90, 160, 3), 90, np.uint8)])[0]
    assert fingerprint == ordinary.weights_fingerprint
    for got, want in ((scale, expected.scale), (movement, expected.movement)):
        assert got.keys() == want.keys() and max(abs(got[label] - want[label]) for label in got) < 1e-5


def test_the_starter_loaded_fast_answers_as_the_model_loaded_by_transformers():
    fast = ShotClassifier.from_pretrained()
    ordinary = ShotClassifier.from_pretrained(fast=False)
    assert fast._model is None  # nothing loaded through transformers yet
    rng = np.random.default_rng(0)
    clips = [rng.integers(0, 256, (fast.num_frames, 144, 256, 3), dtype=np.uint8) for _ in range(5)]
    pixel_values = fast.fast_processor(clips)
    assert torch.equal(pixel_values, ordinary.video_processor(clips, return_tensors="pt")["pixel_values"])
    from_files, from_model = fast.fast_model(pixel_values), FastShotClassifier(ordinary.model)(pixel_values)
    for head in ("scale_logits", "movement_logits", "appearance_features", "camera_motion_features"):
        assert torch.equal(getattr(from_files, head), getattr(from_model, head)), head
    assert fast.weights_fingerprint == ordinary.weights_fingerprint  # results name the same model
    assert fast.scale_labels == list(ordinary.config.scale_labels)
    loaded_config, config = fast.config.to_dict(), ordinary.config.to_dict()  # the config class, read from the folder
    assert fast._model is None and {**loaded_config, "_name_or_path": ""} == {**config, "_name_or_path": ""}
    # The model and processor themselves are there when asked for.
    assert isinstance(fast.model, ShotVideoMAEForShotClassification) and not fast.model.training
    assert isinstance(fast.video_processor, VideoMAEVideoProcessor)


@pytest.mark.parametrize(
    "overrides",
    [
        {"camera_motion_stream": True, "frame_differences": True},
        {"appearance_stream": "efficientnet-lite0", "appearance_size": 57, "appearance_frames": 3, "camera_motion_stream": True, "frame_differences": True},
        {"active_heads": "scale", "appearance_stream": "efficientnet-lite0", "appearance_size": 64},
        {"active_heads": "movement", "camera_motion_stream": True},
        {"use_mean_pooling": False, "qv_bias": False, "num_hidden_layers": 2},
    ],
    ids=["camera", "all-streams", "scale-only", "movement-only", "cls-token"],
)
def test_every_kind_of_saved_model_loads_fast_with_its_own_answers(overrides, tmp_path):
    torch.manual_seed(0)
    config = tiny_config(image_size=64, num_frames=4, **overrides)
    model = randomised(ShotVideoMAEForShotClassification(config)).eval()
    model.save_pretrained(tmp_path)
    video_processor_for(config).save_pretrained(tmp_path)
    classifier = ShotClassifier.from_pretrained(tmp_path, device="cpu")
    assert classifier._model is None, "took the ordinary path"
    pixel_values = moving_camera_clips(config, count=5)
    with torch.inference_mode():
        reference = model(pixel_values)
    got = classifier.fast_model(pixel_values)
    for head in ("scale_logits", "movement_logits"):
        expected = getattr(reference, head)
        assert (expected is None) == (getattr(got, head) is None), head
        if expected is not None:
            torch.testing.assert_close(getattr(got, head), expected, atol=1e-4, rtol=0)
            assert torch.equal(getattr(got, head).argmax(-1), expected.argmax(-1))


def test_fp16_weights_load_as_the_ordinary_load_makes_them(tmp_path):
    config = tiny_config(image_size=64, camera_motion_stream=True, frame_differences=True)
    model = randomised(ShotVideoMAEForShotClassification(config)).eval()
    model.half().save_pretrained(tmp_path)
    video_processor_for(config).save_pretrained(tmp_path)
    fast, ordinary = ShotClassifier.from_pretrained(tmp_path, device="cpu"), ShotClassifier.from_pretrained(tmp_path, device="cpu", fast=False)
    assert fast._model is None and fast.weights_fingerprint == ordinary.weights_fingerprint
    pixel_values = moving_camera_clips(config)
    got, expected = fast.fast_model(pixel_values), ordinary.model(pixel_values)
    for head in ("scale_logits", "movement_logits"):
        torch.testing.assert_close(getattr(got, head), getattr(expected, head), atol=1e-4, rtol=0)


def test_a_folder_the_fast_path_does_not_cover_loads_the_ordinary_way(tmp_path):
    relu = ShotVideoMAEForShotClassification(tiny_config(hidden_act="relu")).eval()
    relu.save_pretrained(tmp_path / "relu")
    video_processor_for(relu.config).save_pretrained(tmp_path / "relu")
    classifier = ShotClassifier.from_pretrained(tmp_path / "relu", device="cpu")
    assert classifier._model is not None and classifier.fast_model is None and "relu" in classifier.fast_unavailable
    assert "relu" in classifier.fast_loading_unavailable

    # A processor setting the fast processor does not rebuild: the model is still fast, the pixels the processor's.
    model = ShotVideoMAEForShotClassification(tiny_config()).eval()
    model.save_pretrained(tmp_path / "nearest")
    video_processor_for(model.config).save_pretrained(tmp_path / "nearest")
    settings_path = tmp_path / "nearest" / "video_preprocessor_config.json"
    settings_path.write_text(json.dumps({**json.loads(settings_path.read_text()), "resample": 0}))
    classifier = ShotClassifier.from_pretrained(tmp_path / "nearest", device="cpu")
    assert classifier.fast_loading_unavailable.startswith("resample 0") and classifier.fast_model is not None
    assert classifier.fast_processor.reason.startswith("resample 0")
    clip = np.random.default_rng(1).integers(0, 256, (4, 40, 50, 3), dtype=np.uint8)
    assert torch.equal(classifier.fast_processor([clip]), classifier.video_processor([clip], return_tensors="pt")["pixel_values"])


def test_what_the_fast_path_holds_for_transformers_equals_transformers():
    """The constants fast_loading keeps so as not to import transformers."""
    assert loading.CONFIG_FORMAT_VERSION == CONFIG_FORMAT_VERSION
    assert (list(fast_inference.IMAGENET_MEAN), list(fast_inference.IMAGENET_STD)) == (list(IMAGENET_DEFAULT_MEAN), list(IMAGENET_DEFAULT_STD))
    defaults = VideoMAEVideoProcessor()
    for name, value in SAVED_PROCESSOR_DEFAULTS.items():
        assert getattr(defaults, name) == value, name
    assert CONFIG_DEFAULTS == {name: ShotVideoMAEConfig().to_dict()[name] for name in CONFIG_DEFAULTS}
    for tokens, hidden in ((196, 192), (8, 32)):
        assert torch.equal(sinusoid_position_table(tokens, hidden), get_sinusoid_encoding_table(tokens, hidden)[0])
    model = ShotVideoMAEForShotClassification(tiny_config(appearance_stream="efficientnet-lite0", camera_motion_stream=True, frame_differences=True))
    assert {model.fc_norm.eps, model.appearance_norm.eps, model.camera_motion_norm.eps} == {fast_inference.HEAD_NORM_EPS}


def test_an_older_format_folder_loads_fast_with_the_defaults_its_config_leaves_out(tmp_path):
    """A format-1 config.json has no frame_differences, appearance or camera-motion entries."""
    model = randomised(ShotVideoMAEForShotClassification(tiny_config(image_size=64))).eval()
    model.save_pretrained(tmp_path)
    video_processor_for(model.config).save_pretrained(tmp_path)
    config_path = tmp_path / "config.json"
    old = {name: value for name, value in json.loads(config_path.read_text()).items() if not name.startswith(("appearance", "camera_motion", "frame_diff"))}
    config_path.write_text(json.dumps(old))
    fast, ordinary = ShotClassifier.from_pretrained(tmp_path, device="cpu"), ShotClassifier.from_pretrained(tmp_path, device="cpu", fast=False)
    assert fast._model is None, fast.fast_loading_unavailable
    pixel_values = moving_camera_clips(model.config)
    torch.testing.assert_close(fast.fast_model(pixel_values).scale_logits, ordinary.model(pixel_values).scale_logits, atol=1e-5, rtol=0)


def test_a_head_the_config_leaves_out_is_not_loaded_even_when_the_file_holds_it(tmp_path):
    """As transformers builds the model from the config: the same heads, the same fingerprint."""
    model = randomised(ShotVideoMAEForShotClassification(tiny_config(camera_motion_stream=True))).eval()
    model.save_pretrained(tmp_path)
    video_processor_for(model.config).save_pretrained(tmp_path)
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps({**json.loads(config_path.read_text()), "active_heads": "scale"}))
    fast, ordinary = ShotClassifier.from_pretrained(tmp_path, device="cpu"), ShotClassifier.from_pretrained(tmp_path, device="cpu", fast=False)
    assert fast._model is None and fast.fast_model.movement_head is None
    assert fast.weights_fingerprint == ordinary.weights_fingerprint
    result = fast.classify([np.zeros((4, 32, 32, 3), np.uint8)])[0]
    assert result.movement == {} and result.scale.keys() == ordinary.classify([np.zeros((4, 32, 32, 3), np.uint8)])[0].scale.keys()


@pytest.mark.parametrize("stream", ["camera_motion_stream", "appearance_stream"])
def test_a_stream_the_config_turns_off_is_refused_or_left_out_as_transformers_does(stream, tmp_path):
    """A file that holds a stream its config turns off: the weights fingerprint (which names the model in results)
    must agree with the ordinary load, and weights that no longer fit must be refused at load, not on a first video."""
    on = {"camera_motion_stream": True} if stream == "camera_motion_stream" else {"appearance_stream": "efficientnet-lite0"}
    model = randomised(ShotVideoMAEForShotClassification(tiny_config(**on))).eval()
    model.save_pretrained(tmp_path)
    video_processor_for(model.config).save_pretrained(tmp_path)
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps({**json.loads(config_path.read_text()), stream: False if stream == "camera_motion_stream" else None}))
    if stream == "appearance_stream":  # the scale head reads the stream's 1280 features: without it, it cannot run
        for fast in (True, False):
            with pytest.raises(ModelLoadError, match="not fit"):
                ShotClassifier.from_pretrained(tmp_path, device="cpu", fast=fast)
        return
    fast, ordinary = ShotClassifier.from_pretrained(tmp_path, device="cpu"), ShotClassifier.from_pretrained(tmp_path, device="cpu", fast=False)
    assert fast._model is None and not fast.fast_model.measures_camera_motion
    assert fast.weights_fingerprint == ordinary.weights_fingerprint
