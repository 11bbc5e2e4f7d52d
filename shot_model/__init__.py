"""shot-model: shot scale and camera movement for every shot of a video (MovieShots taxonomy).

Importing the package registers the model with transformers' Auto classes.
"""

__version__ = "0.1.0"

from transformers import AutoConfig, AutoModel

from .classifier import ModelLoadError, ShotClassifier
from .configuration_shot_videomae import MOVEMENT_LABELS, SCALE_LABELS, ShotVideoMAEConfig
from .modeling_shot_videomae import ShotClassifierOutput, ShotVideoMAEForShotClassification, ShotVideoMAEPreTrainedModel
from .pipeline import AnalysisSettings, analyze_video
from .processing_shot_videomae import check_processor_matches, video_processor_for
from .results import Shot, ShotPrediction, VideoAnalysis
from .shots import SplitSettings, detect_shots
from .video import VideoError, VideoInfo, probe_video

AutoConfig.register(ShotVideoMAEConfig.model_type, ShotVideoMAEConfig, exist_ok=True)
AutoModel.register(ShotVideoMAEConfig, ShotVideoMAEForShotClassification, exist_ok=True)
# A saved folder then carries these classes' code and an `auto_map`, so `trust_remote_code=True` loads it anywhere.
ShotVideoMAEConfig.register_for_auto_class("AutoConfig")
ShotVideoMAEForShotClassification.register_for_auto_class("AutoModel")

__all__ = [
    "AnalysisSettings",
    "ModelLoadError",
    "MOVEMENT_LABELS",
    "SCALE_LABELS",
    "Shot",
    "ShotClassifier",
    "ShotClassifierOutput",
    "ShotPrediction",
    "ShotVideoMAEConfig",
    "ShotVideoMAEForShotClassification",
    "ShotVideoMAEPreTrainedModel",
    "SplitSettings",
    "VideoAnalysis",
    "VideoError",
    "VideoInfo",
    "analyze_video",
    "check_processor_matches",
    "detect_shots",
    "probe_video",
    "video_processor_for",
]
