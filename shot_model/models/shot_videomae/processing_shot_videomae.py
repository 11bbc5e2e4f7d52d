"""The video processor that goes with a shot classifier: transformers' VideoMAE processor, sized from the config.

It is saved beside the weights (`video_preprocessor_config.json`), so `AutoVideoProcessor` loads it with the model.
"""

from transformers import VideoMAEVideoProcessor
from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD


def video_processor_for(config) -> VideoMAEVideoProcessor:
    """A processor making `(frames, 3, image_size, image_size)` clips for the model described by `config`.

    The ImageNet mean/std match the pretrained VideoMAE checkpoints, so a backbone from the Hub sees what it saw
    in pre-training.
    """
    return VideoMAEVideoProcessor(
        size={"shortest_edge": config.image_size},
        crop_size={"height": config.image_size, "width": config.image_size},
        num_frames=config.num_frames,
        image_mean=list(IMAGENET_DEFAULT_MEAN),
        image_std=list(IMAGENET_DEFAULT_STD),
    )


def check_processor_matches(config, video_processor) -> None:
    """Raise a clear error when a saved processor would feed the model clips of the wrong shape."""
    crop = video_processor.crop_size
    crop_size = (crop["height"], crop["width"]) if crop else None
    expected_size = (config.image_size, config.image_size)
    if crop_size != expected_size:
        raise ValueError(f"The video processor crops to {crop_size}, but the model expects frames of {expected_size}")
    if getattr(config, "appearance_stream", None) and (
        list(video_processor.image_mean) != list(IMAGENET_DEFAULT_MEAN) or list(video_processor.image_std) != list(IMAGENET_DEFAULT_STD)
    ):
        # The appearance stream undoes the processor's normalisation assuming ImageNet's mean and std.
        raise ValueError(
            f"The video processor normalises with mean {video_processor.image_mean} and std {video_processor.image_std}, "
            f"but this model's appearance stream expects ImageNet's ({list(IMAGENET_DEFAULT_MEAN)}, {list(IMAGENET_DEFAULT_STD)})"
        )
    if video_processor.num_frames not in (None, config.num_frames):
        raise ValueError(
            f"The video processor samples {video_processor.num_frames} frames, but the model expects {config.num_frames}"
        )
