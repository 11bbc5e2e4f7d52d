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

from shot_model import ShotClassifier, ShotVideoMAEForShotClassification, fast_inference, loading, video_processor_for
from shot_model.fast_inference import SAVED_PROCESSOR_DEFAULTS, FastShotClassifier
from shot_model.fast_loading import sinusoid_position_table
from shot_model.models.shot_videomae.configuration_shot_videomae import CONFIG_FORMAT_VERSION


def test_the_cli_path_loads_and_classifies_the_starter_without_transformers():
    script = (
        "import sys, numpy as np\n"
        "from shot_model import ShotClassifier\n"
        "classifier = ShotClassifier.from_pretrained()\n"
        "result = classifier.classify([np.zeros((classifier.num_frames, 90, 160, 3), np.uint8)])[0]\n"
        "print(round(sum(result.scale.values()), 4), classifier.weights_fingerprint)\n"
        "print(sorted(name for name in ('transformers', 'torchvision', 'torch._dynamo') if name in sys.modules))\n"
    )
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.splitlines()
    assert output[0].startswith("1.0 ")
    assert output[1] == "[]"


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
    assert list(fast.config.scale_labels) == list(ordinary.config.scale_labels)
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
    torch.testing.assert_close(fast.fast_model(pixel_values).movement_logits, ordinary.model(pixel_values).movement_logits, atol=1e-4, rtol=0)


def test_a_folder_the_fast_path_does_not_cover_loads_the_ordinary_way(tmp_path):
    relu = ShotVideoMAEForShotClassification(tiny_config(hidden_act="relu")).eval()
    relu.save_pretrained(tmp_path / "relu")
    video_processor_for(relu.config).save_pretrained(tmp_path / "relu")
    classifier = ShotClassifier.from_pretrained(tmp_path / "relu", device="cpu")
    assert classifier._model is not None and classifier.fast_model is None and "relu" in classifier.fast_unavailable

    # A processor setting the fast processor does not rebuild: the model is still fast, the pixels the processor's.
    model = ShotVideoMAEForShotClassification(tiny_config()).eval()
    model.save_pretrained(tmp_path / "nearest")
    video_processor_for(model.config).save_pretrained(tmp_path / "nearest")
    settings_path = tmp_path / "nearest" / "video_preprocessor_config.json"
    settings_path.write_text(json.dumps({**json.loads(settings_path.read_text()), "resample": 0}))
    classifier = ShotClassifier.from_pretrained(tmp_path / "nearest", device="cpu")
    assert classifier.fast_processor.reason.startswith("resample 0")
    clip = np.random.default_rng(1).integers(0, 256, (4, 40, 50, 3), dtype=np.uint8)
    assert torch.equal(classifier.fast_processor([clip]), classifier.video_processor([clip], return_tensors="pt")["pixel_values"])


def test_what_the_fast_path_holds_for_transformers_equals_transformers():
    """The constants fast_loading keeps so as not to import transformers."""
    assert loading.CONFIG_FORMAT_VERSION == CONFIG_FORMAT_VERSION
    assert (list(fast_inference.IMAGENET_MEAN), list(fast_inference.IMAGENET_STD)) == (list(IMAGENET_DEFAULT_MEAN), list(IMAGENET_DEFAULT_STD))
    for name, value in SAVED_PROCESSOR_DEFAULTS.items():
        assert getattr(VideoMAEVideoProcessor, name, None) == value, name
    for tokens, hidden in ((196, 192), (8, 32)):
        assert torch.equal(sinusoid_position_table(tokens, hidden), get_sinusoid_encoding_table(tokens, hidden)[0])
    model = ShotVideoMAEForShotClassification(tiny_config(appearance_stream="efficientnet-lite0", camera_motion_stream=True, frame_differences=True))
    assert {model.fc_norm.eps, model.appearance_norm.eps, model.camera_motion_norm.eps} == {fast_inference.HEAD_NORM_EPS}
