"""ShotVideoMAE: a VideoMAE backbone with a scale head and a movement head (plus optional appearance and
camera-motion streams). Importing it registers the model with transformers' Auto classes.
"""

from transformers import AutoConfig, AutoModel

from .configuration_shot_videomae import BACKBONE_KEYS, CONFIG_FORMAT_VERSION, MOVEMENT_LABELS, SCALE_LABELS, ShotVideoMAEConfig
from .modeling_shot_videomae import ShotClassifierOutput, ShotVideoMAEForShotClassification, ShotVideoMAEPreTrainedModel
from .processing_shot_videomae import check_processor_matches, video_processor_for

AutoConfig.register(ShotVideoMAEConfig.model_type, ShotVideoMAEConfig, exist_ok=True)
AutoModel.register(ShotVideoMAEConfig, ShotVideoMAEForShotClassification, exist_ok=True)
# A saved folder then carries these classes' code and an `auto_map`, so `trust_remote_code=True` loads it anywhere.
ShotVideoMAEConfig.register_for_auto_class("AutoConfig")
ShotVideoMAEForShotClassification.register_for_auto_class("AutoModel")

__all__ = [
    "BACKBONE_KEYS",
    "CONFIG_FORMAT_VERSION",
    "MOVEMENT_LABELS",
    "SCALE_LABELS",
    "ShotClassifierOutput",
    "ShotVideoMAEConfig",
    "ShotVideoMAEForShotClassification",
    "ShotVideoMAEPreTrainedModel",
    "check_processor_matches",
    "video_processor_for",
]
