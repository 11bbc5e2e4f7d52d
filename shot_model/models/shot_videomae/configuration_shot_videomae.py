"""Configuration of the shot classifier: a VideoMAE backbone with a shot-scale head and a camera-movement head.

The label sets follow the MovieShots taxonomy (Rao et al., ECCV 2020); see the project's labelling guide.
"""

from transformers import PreTrainedConfig, VideoMAEConfig

# Bumped when a saved config gains a meaning older code would misread; loaders refuse newer formats.
# 2: the appearance stream, 3: the camera-motion stream (older code would build a model without them)
CONFIG_FORMAT_VERSION = 3
SCALE_LABELS = ("ECS", "CS", "MS", "FS", "LS")
MOVEMENT_LABELS = ("Static", "Motion", "Push", "Pull")
ACTIVE_HEADS = ("both", "scale", "movement")
APPEARANCE_STREAMS = ("efficientnet-lite0",)

# The VideoMAE settings this config carries; `backbone_config()` hands exactly these to `VideoMAEConfig`.
BACKBONE_KEYS = (
    "image_size",
    "patch_size",
    "num_channels",
    "num_frames",
    "tubelet_size",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "hidden_act",
    "hidden_dropout_prob",
    "attention_probs_dropout_prob",
    "initializer_range",
    "layer_norm_eps",
    "qv_bias",
    "use_mean_pooling",
)


class ShotVideoMAEConfig(PreTrainedConfig):
    r"""
    Configuration of [`ShotVideoMAEForShotClassification`]: a VideoMAE encoder whose pooled features feed two
    linear heads, one for shot scale and one for camera movement.

    The defaults give a small model (ViT-Ti-sized, 8 frames of 112x112) that runs on a laptop CPU; the backbone
    settings of `MCG-NJU/videomae-base` are one `from_backbone(...)` call away.

    Args:
        image_size (`int`, *optional*, defaults to 112):
            Height and width of each input frame, in pixels.
        patch_size (`int`, *optional*, defaults to 16):
            Height and width of each spatial patch.
        num_channels (`int`, *optional*, defaults to 3):
            Colour channels per frame.
        num_frames (`int`, *optional*, defaults to 8):
            Frames per input clip; a multiple of `tubelet_size`.
        tubelet_size (`int`, *optional*, defaults to 2):
            Frames merged into one token along time.
        hidden_size (`int`, *optional*, defaults to 192):
            Width of the transformer.
        num_hidden_layers (`int`, *optional*, defaults to 12):
            Transformer blocks.
        num_attention_heads (`int`, *optional*, defaults to 3):
            Attention heads per block; must divide `hidden_size`.
        intermediate_size (`int`, *optional*, defaults to 768):
            Width of the feed-forward layer of each block.
        hidden_act (`str`, *optional*, defaults to `"gelu"`):
            Activation of the feed-forward layers.
        hidden_dropout_prob (`float`, *optional*, defaults to 0.0):
            Dropout on the backbone's hidden states.
        attention_probs_dropout_prob (`float`, *optional*, defaults to 0.0):
            Dropout on attention probabilities.
        initializer_range (`float`, *optional*, defaults to 0.02):
            Standard deviation of the truncated normal initialiser.
        layer_norm_eps (`float`, *optional*, defaults to 1e-12):
            Epsilon of the backbone's layer norms.
        qv_bias (`bool`, *optional*, defaults to `True`):
            Whether queries and values get a bias.
        use_mean_pooling (`bool`, *optional*, defaults to `True`):
            Pool by the mean of all tokens followed by a layer norm (as `VideoMAEForVideoClassification`); when
            `False` the backbone applies its own final norm and the first token is used.
        frame_differences (`bool`, *optional*, defaults to `False`):
            Give the backbone each frame's difference to the next frame as extra input channels (its first layer then
            takes `2 * num_channels`). A from-scratch model learns camera movement from these far faster than from
            colour alone; the clips and the video processor stay the same. Only for backbones trained this way.
        appearance_stream (`str`, *optional*):
            `"efficientnet-lite0"` gives the model a second, ImageNet-pretrained image network that looks at
            `appearance_frames` frames of each clip; the scale head then reads its pooled features instead of the
            VideoMAE stream's, which keeps camera movement. `None` (the default): one VideoMAE stream for both heads.
        appearance_size (`int`, *optional*, defaults to 144):
            Side in pixels the appearance stream sees each frame at (the clip's frames are resized to it).
        appearance_frames (`int`, *optional*, defaults to 2):
            Frames of each clip, spread evenly, whose appearance features are averaged.
        camera_motion_stream (`bool`, *optional*, defaults to `False`):
            Measure how the whole picture moves between the clip's frames (phase correlation of patches, a fitted
            shift and zoom; camera_motion_stream.py) and let the movement head read that too, through a batch norm
            and a linear layer whose scores add to the VideoMAE stream's.
        scale_labels (`list[str]`, *optional*, defaults to `["ECS", "CS", "MS", "FS", "LS"]`):
            Shot-scale classes, in head output order.
        movement_labels (`list[str]`, *optional*, defaults to `["Static", "Motion", "Push", "Pull"]`):
            Camera-movement classes, in head output order.
        active_heads (`str`, *optional*, defaults to `"both"`):
            Which heads the model has: `"both"`, `"scale"` or `"movement"`.
        head_dropout (`float`, *optional*, defaults to 0.1):
            Dropout on the pooled features before each head.
        scale_class_weights (`list[float]`, *optional*):
            Cross-entropy weight of each scale class, for imbalanced data; `None` weighs all classes equally.
        movement_class_weights (`list[float]`, *optional*):
            Cross-entropy weight of each movement class (Push and Pull are rare in real footage).
        backbone_name_or_path (`str`, *optional*):
            Hub id or folder of the pretrained VideoMAE checkpoint the backbone started from; recorded for the model
            card and used by `ShotVideoMAEForShotClassification.from_backbone`.
        training_data (`str`, *optional*):
            One paragraph on what the model was trained on, shown in the model card.
        eval_results (`dict`, *optional*):
            Evaluation figures (e.g. `{"dev": {"scale_macro_f1": 0.71}}`) shown in the model card.
        format_version (`int`, *optional*):
            The version of the format a saved config was written in; code refuses a config newer than it
            understands. A config is always saved with the oldest version that describes it (see the property).

    Example:

    ```python
    >>> from shot_model import ShotVideoMAEConfig, ShotVideoMAEForShotClassification

    >>> configuration = ShotVideoMAEConfig(num_hidden_layers=2)
    >>> model = ShotVideoMAEForShotClassification(configuration)
    >>> model.config.scale_id2label[0], model.config.movement_label2id["Push"]
    ('ECS', 2)
    ```
    """

    model_type = "shot_videomae"

    def __init__(
        self,
        image_size=112,
        patch_size=16,
        num_channels=3,
        num_frames=8,
        tubelet_size=2,
        hidden_size=192,
        num_hidden_layers=12,
        num_attention_heads=3,
        intermediate_size=768,
        hidden_act="gelu",
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        initializer_range=0.02,
        layer_norm_eps=1e-12,
        qv_bias=True,
        use_mean_pooling=True,
        frame_differences=False,
        appearance_stream=None,
        appearance_size=144,
        appearance_frames=2,
        camera_motion_stream=False,
        scale_labels=SCALE_LABELS,
        movement_labels=MOVEMENT_LABELS,
        active_heads="both",
        head_dropout=0.1,
        scale_class_weights=None,
        movement_class_weights=None,
        backbone_name_or_path=None,
        training_data=None,
        eval_results=None,
        format_version=CONFIG_FORMAT_VERSION,
        **kwargs,
    ):
        self.image_size = image_size
        self.patch_size = patch_size
        self.num_channels = num_channels
        self.num_frames = num_frames
        self.tubelet_size = tubelet_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.initializer_range = initializer_range
        self.layer_norm_eps = layer_norm_eps
        self.qv_bias = qv_bias
        self.use_mean_pooling = use_mean_pooling
        self.frame_differences = frame_differences
        if appearance_stream not in (None, *APPEARANCE_STREAMS):
            raise ValueError(f"appearance_stream must be None or one of {APPEARANCE_STREAMS}, got {appearance_stream!r}")
        if not 1 <= appearance_frames <= num_frames:
            raise ValueError(f"appearance_frames must be between 1 and num_frames ({num_frames}), got {appearance_frames}")
        self.appearance_stream = appearance_stream
        self.appearance_size = appearance_size
        self.appearance_frames = appearance_frames
        self.camera_motion_stream = bool(camera_motion_stream)
        self.scale_labels = _checked_labels("scale_labels", scale_labels)
        self.movement_labels = _checked_labels("movement_labels", movement_labels)
        if active_heads not in ACTIVE_HEADS:
            raise ValueError(f"active_heads must be one of {ACTIVE_HEADS}, got {active_heads!r}")
        self.active_heads = active_heads
        self.head_dropout = head_dropout
        self.scale_class_weights = _checked_weights("scale_class_weights", scale_class_weights, self.scale_labels)
        self.movement_class_weights = _checked_weights(
            "movement_class_weights", movement_class_weights, self.movement_labels
        )
        self.backbone_name_or_path = backbone_name_or_path
        self.training_data = training_data
        self.eval_results = eval_results
        self.format_version = format_version  # checked by the setter
        if num_frames % tubelet_size:
            raise ValueError(f"num_frames ({num_frames}) must be a multiple of tubelet_size ({tubelet_size})")
        if hidden_size % num_attention_heads:
            raise ValueError(
                f"hidden_size ({hidden_size}) must be divisible by num_attention_heads ({num_attention_heads})"
            )
        super().__init__(**kwargs)

    @property
    def format_version(self) -> int:
        """The oldest config format that describes this model, which is what gets saved: code too old to build
        one of its streams then refuses the config instead of building a model without it, and older code can
        still load models that use nothing new."""
        if self.camera_motion_stream:
            return 3
        if self.appearance_stream:
            return 2
        return 1

    @format_version.setter
    def format_version(self, version: int) -> None:
        if version > CONFIG_FORMAT_VERSION:
            raise ValueError(
                f"This config has format version {version}, newer than this code understands "
                f"({CONFIG_FORMAT_VERSION}): upgrade shot-model to load it"
            )

    def to_dict(self) -> dict:
        output = super().to_dict()
        output["format_version"] = self.format_version
        return output

    @property
    def has_scale_head(self) -> bool:
        return self.active_heads in ("both", "scale")

    @property
    def has_movement_head(self) -> bool:
        return self.active_heads in ("both", "movement")

    @property
    def scale_id2label(self) -> dict[int, str]:
        return dict(enumerate(self.scale_labels))

    @property
    def scale_label2id(self) -> dict[str, int]:
        return {label: index for index, label in enumerate(self.scale_labels)}

    @property
    def movement_id2label(self) -> dict[int, str]:
        return dict(enumerate(self.movement_labels))

    @property
    def movement_label2id(self) -> dict[str, int]:
        return {label: index for index, label in enumerate(self.movement_labels)}

    def label_id(self, head: str, label: str) -> int:
        """The class index of `label` on `head` ("scale" or "movement"); a clear error for an unknown name."""
        labels = {"scale": self.scale_labels, "movement": self.movement_labels}.get(head)
        if labels is None:
            raise ValueError(f"Unknown head {head!r}: expected 'scale' or 'movement'")
        if label not in labels:
            raise ValueError(f"Unknown {head} label {label!r}: expected one of {', '.join(labels)}")
        return labels.index(label)

    def backbone_config(self) -> VideoMAEConfig:
        """The `VideoMAEConfig` of the backbone described by this config."""
        settings = {key: getattr(self, key) for key in BACKBONE_KEYS}
        if self.frame_differences:
            settings["num_channels"] = 2 * self.num_channels  # colour, then the difference to the next frame
        return VideoMAEConfig(**settings)


def _checked_labels(name, labels) -> list[str]:
    labels = list(labels)
    if not labels or len(set(labels)) != len(labels) or not all(isinstance(label, str) and label for label in labels):
        raise ValueError(f"{name} must be a non-empty list of distinct names, got {labels!r}")
    return labels


def _checked_weights(name, weights, labels) -> list[float] | None:
    if weights is None:
        return None
    weights = [float(weight) for weight in weights]
    if len(weights) != len(labels):
        raise ValueError(f"{name} needs one weight per class ({len(labels)}: {', '.join(labels)}), got {len(weights)}")
    if any(weight < 0 for weight in weights):
        raise ValueError(f"{name} must not be negative, got {weights}")
    return weights
