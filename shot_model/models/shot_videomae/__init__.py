"""ShotVideoMAE: a VideoMAE backbone with a scale head and a movement head (plus optional appearance and
camera-motion streams).

The names below load on first use, and using any of them registers the model with transformers' Auto classes.
Importing the package alone costs nothing: the pure-torch streams (`appearance_stream`, `camera_motion_stream`)
then import without transformers, which is what lets `shot_model.fast_loading` load a saved model for a CPU
without paying about 3 s for importing transformers' model stack.
"""

import importlib

# public name -> the module of this package that defines it
_EXPORTS = {
    "BACKBONE_KEYS": "configuration_shot_videomae",
    "CONFIG_FORMAT_VERSION": "configuration_shot_videomae",
    "MOVEMENT_LABELS": "configuration_shot_videomae",
    "SCALE_LABELS": "configuration_shot_videomae",
    "ShotVideoMAEConfig": "configuration_shot_videomae",
    "ShotClassifierOutput": "modeling_shot_videomae",
    "ShotVideoMAEForShotClassification": "modeling_shot_videomae",
    "ShotVideoMAEPreTrainedModel": "modeling_shot_videomae",
    "check_processor_matches": "processing_shot_videomae",
    "video_processor_for": "processing_shot_videomae",
}

__all__ = sorted(_EXPORTS)


def register_auto_classes() -> None:
    """Make `AutoConfig`/`AutoModel` know the model type, and have a saved folder carry these classes' code and an
    `auto_map`, so that `trust_remote_code=True` loads it anywhere. Safe to call again."""
    from transformers import AutoConfig, AutoModel

    from .configuration_shot_videomae import ShotVideoMAEConfig
    from .modeling_shot_videomae import ShotVideoMAEForShotClassification

    AutoConfig.register(ShotVideoMAEConfig.model_type, ShotVideoMAEConfig, exist_ok=True)
    AutoModel.register(ShotVideoMAEConfig, ShotVideoMAEForShotClassification, exist_ok=True)
    ShotVideoMAEConfig.register_for_auto_class("AutoConfig")
    ShotVideoMAEForShotClassification.register_for_auto_class("AutoModel")


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    register_auto_classes()
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted([*globals(), *_EXPORTS])
