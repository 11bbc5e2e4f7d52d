"""A saved model folder straight into its fast CPU copy, without transformers.

On a CPU, `ShotClassifier` classifies through `FastShotClassifier` and `FastVideoProcessor`, which need only the
model's config, weights and processor settings. Building them from `config.json`, `model.safetensors` and
`video_preprocessor_config.json` skips importing transformers' model stack (it pulls in torch._dynamo and
torch.distributed: about 3 s of a 4.6 s start-up here, docs/experiments.md section 16), and gives the same answers
as loading the model first (tests/test_fast_loading.py).

A folder this does not cover (sharded or pickled weights, settings the fast copy does not rebuild, weights that do
not fit the config) loads the ordinary way, and that path then says what is wrong with it, if anything.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from .fast_inference import IMAGENET_MEAN, IMAGENET_STD, FastShotClassifier, FastVideoProcessor, UnsupportedModel
from .loading import damaged_weights

# The config entries the fast copy reads; a saved ShotVideoMAEConfig writes every one of them.
CONFIG_KEYS = (
    "hidden_act", "hidden_size", "num_attention_heads", "num_hidden_layers", "layer_norm_eps", "use_mean_pooling",
    "image_size", "patch_size", "tubelet_size", "num_frames", "num_channels", "frame_differences",
    "appearance_stream", "appearance_size", "appearance_frames", "camera_motion_stream", "scale_labels", "movement_labels",
)  # fmt: skip
# Older VideoMAE checkpoints name the query and value biases so; transformers renames them when it loads a model.
LEGACY_NAMES = {".attention.attention.q_bias": ".attention.attention.query.bias", ".attention.attention.v_bias": ".attention.attention.value.bias"}


@dataclass
class FastParts:
    """What `ShotClassifier` classifies with on a CPU, made from a saved folder."""

    config: SimpleNamespace  # config.json's entries as attributes
    weights: dict[str, torch.Tensor]  # fp32, under the names `model.state_dict()` gives them
    model: FastShotClassifier
    processor: FastVideoProcessor


def load_fast_parts(folder: Path, config: dict, load_processor, fused: bool | None = None) -> FastParts | str:
    """The fast copy of the model saved in `folder` (`config` is its config.json, already checked), or the reason it
    has to be loaded the ordinary way. `load_processor()` loads the saved processor itself, for calls the fast one
    does not cover.

    Raises:
        ModelLoadError: the weights file is damaged.
    """
    missing = [key for key in CONFIG_KEYS if key not in config]
    if missing:
        return f"config.json has no {', '.join(missing)}"
    weights_path, processor_path = folder / "model.safetensors", folder / "video_preprocessor_config.json"
    if not weights_path.is_file() or not processor_path.is_file():
        return "the folder has no model.safetensors or no video_preprocessor_config.json"
    settings = SimpleNamespace(**config)
    try:
        weights = saved_weights(weights_path)
    except SafetensorError as error:
        raise damaged_weights(folder, error) from error
    try:
        processor_settings = json.loads(processor_path.read_text())
        reason = weights_reason(settings, weights) or processor_reason(settings, processor_settings)
        if reason is not None:
            return reason
        tokens = (settings.num_frames // settings.tubelet_size) * (settings.image_size // settings.patch_size) ** 2
        model = FastShotClassifier.from_weights(settings, weights, sinusoid_position_table(tokens, settings.hidden_size), fused)
    except (OSError, ValueError, KeyError, RuntimeError, UnsupportedModel) as error:  # the ordinary load will tell
        return f"{type(error).__name__}: {error}"
    return FastParts(settings, weights, model, FastVideoProcessor.from_saved(processor_settings, load_processor))


def saved_weights(path: Path) -> dict[str, torch.Tensor]:
    """A safetensors file's tensors, floats in fp32 (as the ordinary load makes them on a CPU), under today's names."""
    weights = {}
    for name, tensor in load_file(path).items():
        for legacy, current in LEGACY_NAMES.items():
            if name.endswith(legacy):
                name = name[: -len(legacy)] + current
        weights[name] = tensor.float() if tensor.is_floating_point() else tensor
    return weights


def weights_reason(config, weights: dict[str, torch.Tensor]) -> str | None:
    """Why the weights do not fit the config (the ordinary load then reports it), or None."""
    for head, labels in (("scale_head", config.scale_labels), ("movement_head", config.movement_labels)):
        weight = weights.get(f"{head}.classifier.weight")
        if weight is not None and weight.shape[0] != len(labels):
            return f"{head} has {weight.shape[0]} outputs for {len(labels)} labels"
    layers = {name.split(".")[3] for name in weights if name.startswith("videomae.encoder.layer.")}
    if len(layers) != config.num_hidden_layers:
        return f"{len(layers)} encoder layers saved for num_hidden_layers={config.num_hidden_layers}"
    return None


def processor_reason(config, processor_settings: dict) -> str | None:
    """Why the saved processor would not feed this model (the ordinary load says so as an error), or None."""
    normalisation = (processor_settings.get("image_mean"), processor_settings.get("image_std"))
    if config.appearance_stream and normalisation != (list(IMAGENET_MEAN), list(IMAGENET_STD)):
        return f"the processor normalises with {normalisation}, the appearance stream expects ImageNet's"
    crop = processor_settings.get("crop_size") or {}
    if (crop.get("height"), crop.get("width")) != (config.image_size, config.image_size):
        return f"the processor crops to {crop}, the model takes {config.image_size}x{config.image_size}"
    if processor_settings.get("num_frames") not in (None, config.num_frames):
        return f"the processor samples {processor_settings.get('num_frames')} frames, the model takes {config.num_frames}"
    return None


def sinusoid_position_table(tokens: int, hidden: int) -> torch.Tensor:
    """(tokens, hidden) fixed position embeddings, computed as transformers' VideoMAE computes them (numpy, float64,
    element by element, then float32), so they are the same to the bit (a test compares them)."""
    angles = np.array([[position / np.power(10000, 2 * (j // 2) / hidden) for j in range(hidden)] for position in range(tokens)])
    angles[:, 0::2] = np.sin(angles[:, 0::2])
    angles[:, 1::2] = np.cos(angles[:, 1::2])
    return torch.FloatTensor(angles)
