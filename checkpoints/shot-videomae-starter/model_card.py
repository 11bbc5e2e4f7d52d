"""The model card (`README.md` of a saved model folder), written from the model's config alone.

Deriving the card from the config means a saved folder can never carry a card that disagrees with its weights.
"""

import json

SCALE_DEFINITIONS = {
    "ECS": "extreme close-up: part of a face or a small detail fills the frame",
    "CS": "close-up: a head or head-and-shoulders (or one object) fills the frame",
    "MS": "medium shot: a person from about the waist or knees up",
    "FS": "full shot: the whole body, filling roughly half the frame height or more",
    "LS": "long shot: people small in a wide setting; landscapes, establishing shots",
}
MOVEMENT_DEFINITIONS = {
    "Static": "the camera does not move (subject motion alone is Static)",
    "Motion": "pan, tilt, track, crane, follow or handheld with a clear direction",
    "Push": "the camera moves in or zooms in: the framing gets tighter",
    "Pull": "the camera moves out or zooms out: the framing gets wider",
}


def render_model_card(config) -> str:
    """The Markdown model card, with Hub metadata, for a `ShotVideoMAEConfig`."""
    sections = [
        _front_matter(config),
        "# Shot scale and camera movement classifier (VideoMAE)",
        "Classifies one shot of video by its **shot scale** and its **camera movement**, following the MovieShots "
        "taxonomy (Rao et al., ECCV 2020; `Multi_movement` folds into Motion). Made with the `shot-model` "
        "package.",
        _labels_section(config),
        _input_section(config),
        "## Training data\n\n" + (config.training_data or "Not recorded: this model has not been trained yet."),
        _metrics_section(config.eval_results),
        _usage_section(),
    ]
    return "\n\n".join(sections) + "\n"


def _front_matter(config) -> str:
    metadata = {
        "library_name": "transformers",
        "pipeline_tag": "video-classification",
        "tags": ["video-classification", "shot-type", "camera-movement", "videomae", "shot-model"],
    }
    if config.backbone_name_or_path:
        metadata["base_model"] = config.backbone_name_or_path
    # JSON is valid YAML, and needs no YAML library here (this file travels with the weights).
    lines = [f"{key}: {json.dumps(value)}" for key, value in metadata.items()]
    return "---\n" + "\n".join(lines) + "\n---"


def _labels_section(config) -> str:
    rows = ["## Labels", "", "| head | index | label | meaning |", "| --- | --- | --- | --- |"]
    heads = []
    if config.has_scale_head:
        heads.append(("scale", config.scale_labels, SCALE_DEFINITIONS))
    if config.has_movement_head:
        heads.append(("movement", config.movement_labels, MOVEMENT_DEFINITIONS))
    for head, labels, definitions in heads:
        for index, label in enumerate(labels):
            rows.append(f"| {head} | {index} | {label} | {definitions.get(label, '')} |")
    return "\n".join(rows)


def _input_section(config) -> str:
    return "\n".join(
        [
            "## Input",
            "",
            f"- One clip per shot: {config.num_frames} RGB frames sampled evenly across the shot, resized and centre-"
            f"cropped to {config.image_size}x{config.image_size}, normalised as in `video_preprocessor_config.json`.",
            "- `pixel_values` of shape `(batch, frames, channels, height, width)` = "
            f"`(batch, {config.num_frames}, {config.num_channels}, {config.image_size}, {config.image_size})`.",
            f"- Backbone: VideoMAE, {config.num_hidden_layers} layers, hidden size {config.hidden_size}, "
            f"{config.num_attention_heads} heads, patch {config.patch_size}, tubelet {config.tubelet_size}"
            + (f", started from `{config.backbone_name_or_path}`." if config.backbone_name_or_path else "."),
        ]
        + (
            ["- Inside the model each frame's difference to the next frame is added as "
             f"{config.num_channels} more channels (`frame_differences`), so the first layer sees the change over time."]
            if config.frame_differences
            else []
        )
        + (
            [f"- Appearance stream: {config.appearance_stream} with its ImageNet weights (Apache-2.0) looks at "
             f"{config.appearance_frames} frame(s) of the clip at {config.appearance_size} px; the scale head reads its "
             "pooled features, the movement head the VideoMAE stream's."]
            if config.appearance_stream
            else []
        )
        + (
            ["- Camera-motion stream: the shift and zoom of the whole picture between consecutive frames, measured by "
             "phase correlation of patches and a robust similarity fit (no learnt weights), go through a batch norm "
             "and a linear layer whose scores add to the movement head's."]
            if config.camera_motion_stream
            else []
        )
    )


def _metrics_section(eval_results) -> str:
    if not eval_results:
        return "## Evaluation\n\nNo evaluation recorded."
    rows = ["## Evaluation", "", "| split | metric | value |", "| --- | --- | --- |"]
    for split, metrics in eval_results.items():
        for metric, value in metrics.items():
            shown = f"{value:.3f}" if isinstance(value, float) else str(value)
            rows.append(f"| {split} | {metric} | {shown} |")
    return "\n".join(rows)


def _usage_section() -> str:
    return """## Use

```python
from transformers import AutoModel, AutoVideoProcessor

model = AutoModel.from_pretrained("PATH_OR_REPO", trust_remote_code=True)
processor = AutoVideoProcessor.from_pretrained("PATH_OR_REPO")
```

Or, with the `shot-model` package installed, split a whole video into shots and classify each:
`shot-model analyze trailer.mp4 --model PATH_OR_REPO`."""
