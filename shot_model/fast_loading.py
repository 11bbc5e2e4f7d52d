"""A saved model folder straight into its fast CPU copy, without transformers.

On a CPU, `ShotClassifier` classifies through `FastShotClassifier` and `FastVideoProcessor`, which need only the
model's config, weights and processor settings. Building them from `config.json`, `model.safetensors` and
`video_preprocessor_config.json` skips importing transformers' model stack (it pulls in torch._dynamo and
torch.distributed: about 3 s of a 4.6 s start-up here, docs/experiments.md section 16), and gives the same answers
as loading the model first (tests/test_fast_loading.py).

A folder this does not cover (sharded or pickled weights, settings the fast copy or processor does not rebuild) loads
the ordinary way; `ShotClassifier.fast_loading_unavailable` says why. A folder whose files do not fit each other is
refused here with the file named, as the ordinary load refuses it.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from .fast_inference import IMAGENET_MEAN, IMAGENET_STD, FastShotClassifier, FastVideoProcessor, saved_processor_reason, unsupported_config_reason
from .loading import ModelLoadError, damaged_weights

# The config entries the fast copy reads, with ShotVideoMAEConfig's defaults: a folder saved by an older shot-model
# leaves out what its format did not have yet, which the config class fills in the same way (a test keeps these equal).
CONFIG_DEFAULTS = {
    "hidden_act": "gelu", "hidden_size": 192, "num_attention_heads": 3, "num_hidden_layers": 12, "layer_norm_eps": 1e-12,
    "qv_bias": True, "use_mean_pooling": True, "image_size": 112, "patch_size": 16, "tubelet_size": 2, "num_frames": 8,
    "num_channels": 3, "frame_differences": False, "appearance_stream": None, "appearance_size": 144, "appearance_frames": 2,
    "camera_motion_stream": False, "scale_labels": ["ECS", "CS", "MS", "FS", "LS"], "movement_labels": ["Static", "Motion", "Push", "Pull"],
    "active_heads": "both",
}  # fmt: skip
# Older VideoMAE checkpoints name the query and value biases so; transformers renames them when it loads a model.
LEGACY_NAMES = {".attention.attention.q_bias": ".attention.attention.query.bias", ".attention.attention.v_bias": ".attention.attention.value.bias"}
# The weights of each head, and of the streams only it reads: a config without the head has none of these modules.
HEAD_WEIGHTS = {"scale": ("scale_head.",), "movement": ("movement_head.", "camera_motion_head.", "camera_motion_norm.")}
# The weights of each optional stream: a config that turns the stream off has none of these modules either.
STREAM_WEIGHTS = {"appearance_stream": ("appearance.", "appearance_norm."), "camera_motion_stream": ("camera_motion_head.", "camera_motion_norm.")}


@dataclass
class FastParts:
    """What `ShotClassifier` classifies with on a CPU, made from a saved folder."""

    config: SimpleNamespace  # config.json's entries as attributes, defaults filled in
    weights: dict[str, torch.Tensor]  # fp32, under the names `model.state_dict()` gives them
    model: FastShotClassifier
    processor: FastVideoProcessor


def load_fast_parts(folder: Path, config: dict, load_processor, fused: bool | None = None) -> FastParts | str:
    """The fast copy of the model saved in `folder` (`config` is its config.json, already checked by
    `loading.check_model_folder`), or why it has to be loaded the ordinary way: a folder this does not cover.
    `load_processor()` loads the saved processor itself, for clips the fast one does not cover (not uint8 RGB).

    Raises:
        ModelLoadError: the folder is damaged or inconsistent (its config, weights and processor do not fit each
            other); the message names the file and what to do. The ordinary load would fail on it too, or worse,
            fill the missing weights in at random.
    """
    weights_path, processor_path = folder / "model.safetensors", folder / "video_preprocessor_config.json"
    if not weights_path.is_file() or not processor_path.is_file():
        return "the folder has no model.safetensors (sharded or pickled weights) or no video_preprocessor_config.json"
    settings = SimpleNamespace(**{**CONFIG_DEFAULTS, **config})
    reason = unsupported_config_reason(settings)
    if reason is not None:
        return reason
    processor_settings = json.loads(processor_path.read_text())  # check_model_folder has read it already
    reason = saved_processor_reason(processor_settings)
    if reason is not None:  # the processor itself must be loaded, and that needs transformers anyway
        return reason
    problem = config_problem(settings) or processor_problem(settings, processor_settings)
    if problem is not None:
        raise ModelLoadError(f"{folder}: {problem}. Fix the file, or save the model and its processor again")
    weights = _model_weights(settings, saved_weights(weights_path))
    problem = weights_problem(settings, weights)
    if problem is not None:
        raise ModelLoadError(f"{weights_path} does not fit {folder / 'config.json'}: {problem}. Save the model again")
    tokens = (settings.num_frames // settings.tubelet_size) * (settings.image_size // settings.patch_size) ** 2
    try:
        model = FastShotClassifier.from_weights(settings, weights, sinusoid_position_table(tokens, settings.hidden_size), fused)
        # One blank clip through the copy: a weight of the wrong shape for this config (a stream's input width, the
        # patch embedding's channels) fails here, at load, with the files named, and not on the user's first video.
        with torch.inference_mode():
            model(torch.zeros(1, settings.num_frames, settings.num_channels, settings.image_size, settings.image_size))
    except KeyError as error:
        raise ModelLoadError(f"{weights_path} has no weight {error} that {folder / 'config.json'}'s model needs. Save the model again") from error
    except (RuntimeError, ValueError, IndexError) as error:
        raise ModelLoadError(f"{weights_path} does not fit {folder / 'config.json'}: {error}. Save the model again") from error
    return FastParts(settings, weights, model, FastVideoProcessor.from_saved(processor_settings, load_processor))


def _model_weights(config, weights: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The weights of the modules a model with this config has: as the ordinary load does, a head the config leaves
    out is not loaded (and not fingerprinted) even when the file holds it."""
    active = {"both": ("scale", "movement")}.get(config.active_heads, (config.active_heads,))
    dropped = tuple(prefix for head, prefixes in HEAD_WEIGHTS.items() if head not in active for prefix in prefixes)
    dropped += tuple(prefix for stream, prefixes in STREAM_WEIGHTS.items() if not getattr(config, stream) for prefix in prefixes)
    if not config.qv_bias:
        dropped += tuple(name for name in weights if name.endswith((".attention.attention.query.bias", ".attention.attention.value.bias")))
    return {name: tensor for name, tensor in weights.items() if not name.startswith(dropped)}


def saved_weights(path: Path) -> dict[str, torch.Tensor]:
    """A safetensors file's tensors, floats in fp32 (as the ordinary load makes them on a CPU), under today's names."""
    try:
        tensors = load_file(path)
    except (SafetensorError, OSError) as error:
        raise damaged_weights(path, error) from error
    weights = {}
    for name, tensor in tensors.items():
        for legacy, current in LEGACY_NAMES.items():
            if name.endswith(legacy):
                name = name[: -len(legacy)] + current
        weights[name] = tensor.float() if tensor.is_floating_point() else tensor
    return weights


def config_problem(config) -> str | None:
    """What ShotVideoMAEConfig would refuse in this config (its checks, here without transformers), or None.

    A copy on purpose: the config class lives in the folder `save_pretrained` copies beside the weights, which may
    import only its own files, and importing it pulls in transformers; tests/test_model_faults.py runs the same faulty
    folders through both loads."""
    for name, default in CONFIG_DEFAULTS.items():
        value = getattr(config, name)
        if isinstance(default, bool) and not isinstance(value, bool):
            return f"{name} must be true or false, got {value!r}"
        if isinstance(default, int) and not isinstance(default, bool) and (not isinstance(value, int) or isinstance(value, bool)):
            return f"{name} must be a whole number, got {value!r}"
        if isinstance(default, float) and (not isinstance(value, (int, float)) or isinstance(value, bool)):
            return f"{name} must be a number, got {value!r}"
    if config.num_frames % config.tubelet_size:
        return f"num_frames ({config.num_frames}) is not a multiple of tubelet_size ({config.tubelet_size})"
    if config.hidden_size % config.num_attention_heads:
        return f"hidden_size ({config.hidden_size}) is not divisible by num_attention_heads ({config.num_attention_heads})"
    if not 1 <= config.appearance_frames <= config.num_frames:
        return f"appearance_frames ({config.appearance_frames}) is not between 1 and num_frames ({config.num_frames})"
    if config.active_heads not in ("both", "scale", "movement"):
        return f"active_heads is {config.active_heads!r}, not 'both', 'scale' or 'movement'"
    for name in ("scale_labels", "movement_labels"):
        labels = getattr(config, name)
        if not isinstance(labels, list) or not labels or len(set(labels)) != len(labels) or not all(isinstance(label, str) and label for label in labels):
            return f"{name} must be a non-empty list of distinct names, got {labels!r}"
        weights = getattr(config, name.replace("_labels", "_class_weights"), None)  # the training loss's; checked alike
        if weights is not None and (not isinstance(weights, list) or len(weights) != len(labels)):
            return f"{name.replace('_labels', '_class_weights')} needs one weight per class ({len(labels)}), got {weights!r}"
    return None


def processor_problem(config, processor_settings: dict) -> str | None:
    """Why the saved processor would feed the model the wrong clips (`check_processor_matches`, which the ordinary
    load runs, refuses the same), or None."""
    normalisation = (processor_settings.get("image_mean"), processor_settings.get("image_std"))
    if config.appearance_stream and normalisation != (list(IMAGENET_MEAN), list(IMAGENET_STD)):
        return f"the video processor normalises with {normalisation}, but the appearance stream expects ImageNet's"
    crop = processor_settings["crop_size"]
    if (crop.get("height"), crop.get("width")) != (config.image_size, config.image_size):
        return f"the video processor crops to {crop}, but the model takes {config.image_size}x{config.image_size}"
    if processor_settings.get("num_frames") not in (None, config.num_frames):
        return f"the video processor samples {processor_settings.get('num_frames')} frames, but the model takes {config.num_frames}"
    return None


def weights_problem(config, weights: dict[str, torch.Tensor]) -> str | None:
    """Why the weights do not fit the config, or None. (Other missing weights surface as a KeyError while the fast
    copy is built.)"""
    heads = (("scale_head", config.scale_labels, config.active_heads != "movement"), ("movement_head", config.movement_labels, config.active_heads != "scale"))
    for head, labels, expected in heads:
        weight = weights.get(f"{head}.classifier.weight")
        if expected and weight is None:
            return f"it has no {head}, which active_heads={config.active_heads!r} needs"
        if weight is not None and weight.shape[0] != len(labels):
            return f"its {head} has {weight.shape[0]} outputs for {len(labels)} labels"
    layers = {name.split(".")[3] for name in weights if name.startswith("videomae.encoder.layer.")}
    if len(layers) != config.num_hidden_layers:
        return f"it holds {len(layers)} encoder layers for num_hidden_layers={config.num_hidden_layers}"
    return None


def sinusoid_position_table(tokens: int, hidden: int) -> torch.Tensor:
    """(tokens, hidden) fixed position embeddings, computed as transformers' VideoMAE computes them (numpy, float64,
    element by element, then float32), so they are the same to the bit (a test compares them)."""
    angles = np.array([[position / np.power(10000, 2 * (j // 2) / hidden) for j in range(hidden)] for position in range(tokens)])
    angles[:, 0::2] = np.sin(angles[:, 0::2])
    angles[:, 1::2] = np.cos(angles[:, 1::2])
    return torch.FloatTensor(angles)
