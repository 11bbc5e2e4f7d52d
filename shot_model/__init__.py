"""shot-model: shot scale and camera movement for every shot of a video (MovieShots taxonomy).

The names below load on first use, so `shot-model --help` answers without importing torch or transformers.
Using any of the model's names (`ShotVideoMAEConfig`, `ShotVideoMAEForShotClassification`, ...) registers it with
transformers' Auto classes; `ShotClassifier` on a CPU loads a local folder without transformers, so it registers
nothing until it needs transformers (a Hub id, CUDA, or its `model` or `config` asked for).
"""

import importlib

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "ShotClassifier": "classifier",
    "ModelLoadError": "classifier",
    "MOVEMENT_LABELS": "models.shot_videomae",
    "SCALE_LABELS": "models.shot_videomae",
    "ShotVideoMAEConfig": "models.shot_videomae",
    "ShotClassifierOutput": "models.shot_videomae",
    "ShotVideoMAEForShotClassification": "models.shot_videomae",
    "ShotVideoMAEPreTrainedModel": "models.shot_videomae",
    "check_processor_matches": "models.shot_videomae",
    "video_processor_for": "models.shot_videomae",
    "AnalysisSettings": "pipeline",
    "analyze_video": "pipeline",
    "Shot": "results",
    "ShotPrediction": "results",
    "VideoAnalysis": "results",
    "SplitSettings": "shots",
    "detect_shots": "shots",
    "VideoError": "video",
    "VideoInfo": "video",
    "probe_video": "video",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'shot_model' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted([*globals(), *_EXPORTS])
