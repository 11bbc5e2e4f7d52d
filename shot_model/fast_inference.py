"""A faster copy of a loaded shot classifier for inference on a CPU, giving the model's own answers.

`FastShotClassifier(model)` runs a `ShotVideoMAEForShotClassification`'s arithmetic rearranged (folded weights,
fused kernels, cache-sized sub-batches); `FastVideoProcessor` does the saved video processor's resize, crop and
normalisation directly in torch. `ShotClassifier` uses both on a CPU in fp32. The model class is untouched:
`from_pretrained`, training and CUDA run the original.

Why each change keeps the answers. The processor's output is bit-identical; the rest differs from the model only by
float rounding (the starter's logits by about 1e-5, its probabilities by a few 1e-6):

Appearance stream (EfficientNet-Lite0):
    - A `FrozenBatchNorm2d` is a per-channel affine map `s * y + t` (`s = weight / sqrt(var + eps)`,
      `t = bias - mean * s`) of a convolution's output, so it moves into the convolution: weights `W * s`, bias `t`.
    - TensorFlow "same" padding by `F.pad` becomes the convolution's own zero padding. At stride 1 (odd kernels) it
      is `k // 2` on every side. At stride 2 on an even input TensorFlow pads `p` at the top/left and `p + 1` at the
      bottom/right; the kernel grown by a zero row on top and a zero column on the left, padded `p + 1` all round,
      multiplies the same pixels by the same weights (the extra top/left padding meets only the zero weights).
      Twice as fast as padding with `F.pad` and bit-identical to it.
    - Channels-last memory, and ReLU6 and the residual add as oneDNN post-ops of the convolution (private torch
      ops: used only when a self-test passes, else the same operations in place): the same arithmetic in another
      memory order.
    - Images go through `APPEARANCE_CHUNK` at a time (every image is its own).
    - Undoing the processor's normalisation into Lite0's [-1, 1] input stays as the model does it
      (`to_lite0_input`): folded into the stem it would change the stem's zero-padded border, and it costs under 1%.
VideoMAE stream:
    - `with_frame_differences` feeds the patch embedding `[x_t, 2 (x_{t+1} - x_t)]`, the last frame repeating the
      previous difference. The embedding is linear, so a tubelet of `tau` frames is one convolution over `tau + 1`
      raw frames (stride `tau` in time) with kernel `K_j = Wc_j + 2 Wd_{j-1} - 2 Wd_j`, `Wc` and `Wd` the colour and
      difference halves of the weights (zero outside `0 <= j < tau`). A frame after the last, `2 x_{T-1} - x_{T-2}`,
      makes the last difference repeat the one before, as the model does. A quarter fewer products and no doubled
      copy of the clip.
    - The fixed position embeddings and the embedding's bias are one table, added once.
    - Query, key and value come from one product with the stacked weights (the same dot products: bit-identical);
      attention is `scaled_dot_product_attention`, which the model runs too (its SDPA implementation).
    - With mean pooling, the last block's down-projection is applied to the mean of its tokens rather than to each
      token: a linear map commutes with the mean.
Camera-motion stream:
    - Clips are measured `CAMERA_MOTION_CHUNK` at a time (every step is per clip), so intermediates stay in cache.
    - The cross-power spectrum is normalised on its real and imaginary parts (`phase_correlation_in_reals`).
The heads, their norms and the final layer norm are the model's own weights in the functions its modules call
(`F.linear`, `F.batch_norm`, `F.layer_norm`), run on these features.

`unsupported_reason(model)` says why a model cannot run this way (training mode, not on the CPU, not fp32, an
activation this file does not rebuild); `ShotClassifier` then runs the model itself. The copy holds detached,
folded weights taken at construction: never train it, and build a new one after changing the model's weights.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import torch
import torch.nn.functional as F

# Only the pure-torch streams: this module must import without transformers (see shot_model/fast_loading.py).
from .models.shot_videomae.appearance_stream import EfficientNetLite0Features, appearance_frame_indices, to_lite0_input
from .models.shot_videomae.camera_motion_stream import PATCH, camera_motion_features

# Pieces of a batch that each stream takes at a time, so that intermediates stay in cache and under glibc's 32 MB
# mmap threshold (above it every allocation is fresh pages, and page faults cost more than the arithmetic). Chosen
# by measurement on 2 Sapphire Rapids cores (bench/model_speed.py).
SUB_BATCH = 16  # clips: the default batch in one piece (as fast as two halves); bigger batches are split
CAMERA_MOTION_CHUNK = 4  # clips: 1.05-1.5x faster than 16 at once, as the allocator's state goes
APPEARANCE_CHUNK = 8  # images: up to 1.2x faster than 32 at once
# transformers' IMAGENET_DEFAULT_MEAN / _STD, which the model's video processor normalises with (a test checks they
# are equal), held here so that this module needs no transformers.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# The eps of the heads' norms: torch's defaults for nn.BatchNorm1d and nn.LayerNorm, which the model builds them with.
HEAD_NORM_EPS = 1e-5


@dataclass
class FastOutput:
    """What `ShotVideoMAEForShotClassification.forward` returns without labels (`ShotClassifierOutput`'s fields)."""

    scale_logits: torch.Tensor | None
    movement_logits: torch.Tensor | None
    pooled_features: torch.Tensor
    appearance_features: torch.Tensor | None
    camera_motion_features: torch.Tensor | None


class UnsupportedModel(ValueError):
    """The model has something `FastShotClassifier` does not rebuild: run the model itself."""


def unsupported_config_reason(config) -> str | None:
    """Why a model with this config cannot run as a `FastShotClassifier` (whatever its weights' state), or None."""
    if config.hidden_act != "gelu":
        return f"hidden_act is {config.hidden_act!r} (the fast copy rebuilds 'gelu')"
    if config.appearance_stream not in (None, "efficientnet-lite0"):
        return f"appearance stream {config.appearance_stream!r}"
    if config.frame_differences and config.num_frames < 2:
        return "frame differences need at least 2 frames"
    return None


def unsupported_reason(model) -> str | None:
    """Why `model` cannot run as a `FastShotClassifier`, or None when it can."""
    if model.training:
        return "the model is in training mode (the fast copy is for inference only)"
    parameter = next(model.parameters())
    if parameter.device.type != "cpu":
        return f"the model is on {parameter.device.type} (the fast copy is for CPUs)"
    if parameter.dtype != torch.float32:
        return f"the model is in {parameter.dtype} (the fast copy is float32)"
    return unsupported_config_reason(model.config)


def onednn_fusion_works() -> bool:
    """Whether this torch has oneDNN's convolution with ReLU6 or an add fused in. They are private torch ops, so they
    are tried, and checked against the plain ones, rather than assumed."""
    x = torch.randn(2, 4, 5, 5).contiguous(memory_format=torch.channels_last)
    other, bias = torch.randn_like(x), torch.randn(4)
    pairs = []  # (fused, plain)
    for groups in (1, 4):  # pointwise-style and depthwise
        weight = torch.randn(4, 4 // groups, 3, 3).contiguous(memory_format=torch.channels_last)
        args = (weight, bias, [1, 1], [1, 1], [1, 1], groups)
        try:
            relu6 = torch.ops.mkldnn._convolution_pointwise(x, *args, "hardtanh", [0.0, 6.0], "")
            added = torch.ops.mkldnn._convolution_pointwise.binary(x, other, *args, "add", None, None, [], None)
        except (AttributeError, RuntimeError, NotImplementedError):
            return False
        convolved = F.conv2d(x, weight, bias, padding=1, groups=groups)
        pairs += [(relu6, convolved.clamp(0, 6)), (added, convolved + other)]
    return all(torch.allclose(fused, plain, atol=1e-4) for fused, plain in pairs)


class FastShotClassifier:
    """A `ShotVideoMAEForShotClassification`'s forward pass for inference on a CPU in fp32: the same logits, faster.

    Arguments:
        model: the loaded model, in eval mode on the CPU. Its weights are read (and folded) here, not changed.
        fused: use oneDNN's fused kernels; `None` (the default) uses them when `onednn_fusion_works()`.

    `FastShotClassifier.from_weights(config, weights)` builds the same from a saved model's config and state dict,
    without the model (shot_model/fast_loading.py).

    Raises:
        UnsupportedModel: `unsupported_reason(model)` is not None.
    """

    def __init__(self, model, fused: bool | None = None):
        reason = unsupported_reason(model)
        if reason is not None:
            raise UnsupportedModel(reason)
        self._build(model.config, model.state_dict(), model.videomae.embeddings.position_embeddings[0], fused)
        self.model = model

    @classmethod
    def from_weights(cls, config, weights: dict[str, torch.Tensor], position_embeddings: torch.Tensor, fused: bool | None = None) -> "FastShotClassifier":
        """The fast copy of the model that `config` and its fp32 CPU `weights` (the model's `state_dict()` names)
        describe; `position_embeddings` is the backbone's fixed (tokens, hidden) table, which is not saved."""
        reason = unsupported_config_reason(config)
        if reason is not None:
            raise UnsupportedModel(reason)
        fast = cls.__new__(cls)
        fast._build(config, weights, position_embeddings, fused)
        fast.model = None
        return fast

    @torch.no_grad()
    def _build(self, config, weights: dict[str, torch.Tensor], position_embeddings: torch.Tensor, fused: bool | None) -> None:
        self.config = config
        self.videomae = FastVideoMAEEncoder(weights, position_embeddings, config)
        self.appearance = None
        if config.appearance_stream:
            network = EfficientNetLite0Features()
            network.load_state_dict({name[len("appearance.") :]: value for name, value in weights.items() if name.startswith("appearance.")})
            self.appearance = FoldedEfficientNetLite0(network, config.appearance_size, onednn_fusion_works() if fused is None else fused)
            self.appearance_norm = _batch_norm_of(weights, "appearance_norm")
        self.scale_head = _linear_of(weights, "scale_head.classifier")
        self.movement_head = _linear_of(weights, "movement_head.classifier")
        self.measures_camera_motion = config.camera_motion_stream and self.movement_head is not None
        if self.measures_camera_motion:  # both are the model's whenever it measures camera motion
            self.camera_motion_norm = _batch_norm_of(weights, "camera_motion_norm")
            self.camera_motion_head = weights["camera_motion_head.classifier.weight"], weights["camera_motion_head.classifier.bias"]

    @torch.inference_mode()
    def __call__(self, pixel_values: torch.Tensor) -> FastOutput:
        """(batch, frames, 3, image_size, image_size) normalised clips, as the processor makes them -> the logits and
        features `ShotVideoMAEForShotClassification.forward` gives (without a loss)."""
        if self.model is not None and self.model.training:
            raise RuntimeError("FastShotClassifier is for inference only, and its model is in training mode")
        if pixel_values.device.type != "cpu":
            raise ValueError(f"FastShotClassifier runs on the CPU; got pixel_values on {pixel_values.device}")
        self._check_pixel_values(pixel_values)
        pixel_values = pixel_values.float()
        parts = [self._features(pixel_values[start : start + SUB_BATCH]) for start in range(0, pixel_values.shape[0], SUB_BATCH)]
        pooled, appearance, camera_motion = (torch.cat(column) if column[0] is not None else None for column in zip(*parts))

        # The heads as the model runs them in eval mode (dropout is the identity there).
        scale_features = _batch_normed(appearance, self.appearance_norm) if appearance is not None else pooled
        scale_logits = F.linear(scale_features, *self.scale_head) if self.scale_head is not None else None
        movement_logits = F.linear(pooled, *self.movement_head) if self.movement_head is not None else None
        if camera_motion is not None:
            movement_logits = movement_logits + F.linear(_batch_normed(camera_motion, self.camera_motion_norm), *self.camera_motion_head)
        return FastOutput(
            scale_logits=scale_logits,
            movement_logits=movement_logits,
            pooled_features=pooled,
            appearance_features=appearance,
            camera_motion_features=camera_motion,
        )

    def _check_pixel_values(self, pixel_values: torch.Tensor) -> None:
        """The model's own shape check (`ShotVideoMAEForShotClassification._check_pixel_values`)."""
        config = self.config
        expected = (config.num_frames, config.num_channels, config.image_size, config.image_size)
        if pixel_values.ndim != 5 or tuple(pixel_values.shape[1:]) != expected:
            raise ValueError(
                "pixel_values must have shape (batch, frames, channels, height, width) = "
                f"(batch, {', '.join(map(str, expected))}), got {tuple(pixel_values.shape)}. "
                "Use the model's saved video processor to make clips of the right size."
            )

    def _features(self, pixel_values: torch.Tensor) -> tuple:
        """(pooled, appearance, camera_motion) features of a sub-batch; None for a stream the model does not have."""
        appearance = self._appearance_of(pixel_values) if self.appearance is not None else None
        camera_motion = None
        if self.measures_camera_motion:
            chunks = [pixel_values[start : start + CAMERA_MOTION_CHUNK] for start in range(0, pixel_values.shape[0], CAMERA_MOTION_CHUNK)]
            camera_motion = torch.cat([camera_motion_features(chunk, correlate=phase_correlation_in_reals) for chunk in chunks])
        return self.videomae.pooled(pixel_values), appearance, camera_motion

    def _appearance_of(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """As `ShotVideoMAEForShotClassification.appearance_of`, through the folded network."""
        indices = appearance_frame_indices(self.config.num_frames, self.config.appearance_frames)
        frames = pixel_values[:, indices]  # (batch, appearance_frames, 3, H, W)
        batch, count = frames.shape[:2]
        mean, std = (torch.tensor(values, dtype=frames.dtype) for values in (IMAGENET_MEAN, IMAGENET_STD))
        images = to_lite0_input(frames.flatten(0, 1), mean, std, self.config.appearance_size)
        features = torch.cat([self.appearance(images[start : start + APPEARANCE_CHUNK]) for start in range(0, images.shape[0], APPEARANCE_CHUNK)])
        return features.view(batch, count, -1).mean(dim=1)


def _linear_of(weights: dict[str, torch.Tensor], name: str) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(weight, bias) of the linear layer `name`, or None when the model has no such layer (a head it lacks)."""
    if f"{name}.weight" not in weights:
        return None
    return weights[f"{name}.weight"], weights[f"{name}.bias"]


def _batch_norm_of(weights: dict[str, torch.Tensor], name: str) -> tuple[torch.Tensor, ...]:
    """(running_mean, running_var, weight, bias) of the batch norm `name`."""
    return tuple(weights[f"{name}.{part}"] for part in ("running_mean", "running_var", "weight", "bias"))


def _batch_normed(features: torch.Tensor, norm: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """An `nn.BatchNorm1d` in eval mode, as the model's head norms are."""
    return F.batch_norm(features, *norm, training=False, momentum=0.0, eps=HEAD_NORM_EPS)


def _layer_norm_of(weights: dict[str, torch.Tensor], name: str, eps: float):
    """An `nn.LayerNorm` with the weights of `name`, as a function."""
    weight, bias = weights[f"{name}.weight"], weights[f"{name}.bias"]
    return lambda x: F.layer_norm(x, weight.shape, weight, bias, eps)


def phase_correlation_in_reals(patches: torch.Tensor) -> torch.Tensor:
    """`camera_motion_stream.phase_correlation`, normalising the cross-power spectrum on its real and imaginary parts:
    their `hypot` is what complex `abs` computes, and dividing each part by it is the complex-by-real division.
    torch's complex kernels for both are slower than the real ones."""
    spectra = torch.fft.rfft2(patches)
    cross = spectra[:, :-1] * spectra[:, 1:].conj()
    parts = torch.view_as_real(cross)  # (..., 2) real and imaginary: a view, so dividing it divides `cross`
    parts.div_(torch.hypot(parts[..., 0], parts[..., 1]).add_(1e-6).unsqueeze(-1))
    return torch.fft.irfft2(cross, s=(PATCH, PATCH))


def _folded(conv: torch.nn.Conv2d, norm: torch.nn.BatchNorm2d, in_size: int) -> tuple[dict, int]:
    """A `SameConv2d` on `in_size` x `in_size` inputs and the frozen batch norm after it -> one convolution with a
    bias and symmetric zero padding (module docstring), and the size of its output."""
    scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
    weight = conv.weight * scale.view(-1, 1, 1, 1)
    kernel, stride = conv.weight.shape[-1], conv.stride[0]
    out_size = math.ceil(in_size / stride)
    total = max((out_size - 1) * stride + kernel - in_size, 0)
    before, after = total // 2, total - total // 2  # TensorFlow: the odd one out goes at the bottom/right
    if after != before:
        weight = F.pad(weight, [1, 0, 1, 0])  # a zero column on the left and a zero row on top
    layer = {
        "weight": weight.contiguous(memory_format=torch.channels_last),
        "bias": (norm.bias - norm.running_mean * scale).contiguous(),
        "padding": [after, after],
        "stride": [stride, stride],
        "groups": conv.groups,
    }
    return layer, out_size


class FoldedEfficientNetLite0:
    """`EfficientNetLite0Features` for `size` x `size` images, batch norms folded and padding static (module docstring).

    Arguments:
        network: the model's appearance network (not changed).
        size: the side of the images it will see (`config.appearance_size`): static padding depends on it.
        fused: use oneDNN's post-ops (see `onednn_fusion_works`).
    """

    @torch.no_grad()
    def __init__(self, network: EfficientNetLite0Features, size: int, fused: bool):
        self.size, self.fused = size, fused
        self.stem, size = _folded(network._conv_stem, network._bn0, size)
        self.blocks = []
        for block in network._blocks:
            expand = _folded(block._expand_conv, block._bn0, size)[0] if hasattr(block, "_expand_conv") else None
            depthwise, size = _folded(block._depthwise_conv, block._bn1, size)
            project = _folded(block._project_conv, block._bn2, size)[0]
            self.blocks.append((expand, depthwise, project, block.has_skip))
        self.head = _folded(network._conv_head, network._bn1, size)[0]

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        """(N, 3, size, size) in [-1, 1] -> (N, 1280) pooled features."""
        if tuple(images.shape[-2:]) != (self.size, self.size):
            raise ValueError(f"This network was folded for {self.size}x{self.size} images, got {tuple(images.shape)}")
        x = self._conv(images.contiguous(memory_format=torch.channels_last), self.stem, relu6=True)
        for expand, depthwise, project, has_skip in self.blocks:
            y = self._conv(x, expand, relu6=True) if expand is not None else x
            y = self._conv(y, depthwise, relu6=True)
            x = self._conv(y, project, add=x if has_skip else None)
        return self._conv(x, self.head, relu6=True).mean(dim=(2, 3))

    def _conv(self, x: torch.Tensor, layer: dict, relu6: bool = False, add: torch.Tensor | None = None) -> torch.Tensor:
        """A folded convolution on a channels-last (N, C, H, W) tensor, then ReLU6 or `+ add`."""
        if self.fused:
            args = (x, layer["weight"], layer["bias"], layer["padding"], layer["stride"], [1, 1], layer["groups"])
            if add is not None:
                return torch.ops.mkldnn._convolution_pointwise.binary(args[0], add, *args[1:], "add", None, None, [], None)
            return torch.ops.mkldnn._convolution_pointwise(*args, *(("hardtanh", [0.0, 6.0]) if relu6 else ("none", [])), "")
        y = F.conv2d(x, layer["weight"], layer["bias"], layer["stride"], layer["padding"], 1, layer["groups"])
        if add is not None:
            return y.add_(add)
        return F.hardtanh_(y, 0.0, 6.0) if relu6 else y


class FastVideoMAEEncoder:
    """The model's VideoMAE backbone as plain tensor code, frame differences folded into its patch embedding
    (module docstring). `pooled(...)` gives what the heads read.

    Arguments:
        weights: the model's state dict (names as `ShotVideoMAEForShotClassification.state_dict()` gives them).
        position_embeddings: the backbone's fixed (tokens, hidden) sinusoid table, which is not among the weights.
        config: the model's config.
    """

    @torch.no_grad()
    def __init__(self, weights: dict[str, torch.Tensor], position_embeddings: torch.Tensor, config):
        self.heads = config.num_attention_heads
        self.hidden_size = config.hidden_size
        self.stride = (config.tubelet_size, config.patch_size, config.patch_size)
        self.frame_differences = config.frame_differences
        self.mean_pooling = config.use_mean_pooling
        if self.mean_pooling:  # the model's fc_norm (an nn.LayerNorm); the backbone has no final norm then
            self.final_norm = _layer_norm_of(weights, "fc_norm", HEAD_NORM_EPS)
        else:  # the backbone's own final norm, on the first token
            self.final_norm = _layer_norm_of(weights, "videomae.layernorm", config.layer_norm_eps)
        weight = weights["videomae.embeddings.patch_embeddings.projection.weight"]  # (hidden, channels, tubelet, patch, patch)
        if config.frame_differences:
            colour, difference = weight[:, : config.num_channels], weight[:, config.num_channels :]
            zero = torch.zeros_like(colour[:, :, :1])
            # K_j = Wc_j + 2 Wd_{j-1} - 2 Wd_j for j = 0 .. tubelet
            weight = torch.cat([colour, zero], 2) + 2 * torch.cat([zero, difference], 2) - 2 * torch.cat([difference, zero], 2)
        self.embedding_weight = weight.contiguous()
        self.embedding_bias = (position_embeddings + weights["videomae.embeddings.patch_embeddings.projection.bias"]).contiguous()  # (tokens, hidden)
        no_bias = torch.zeros(config.hidden_size)
        head_size = config.hidden_size // config.num_attention_heads
        self.scaling = head_size**-0.5  # as VideoMAE's self-attention scales its scores
        self.layers = []
        for index in range(config.num_hidden_layers):
            layer = f"videomae.encoder.layer.{index}"
            projections = [f"{layer}.attention.attention.{part}" for part in ("query", "key", "value")]
            self.layers.append(
                {
                    "norm_before": _layer_norm_of(weights, f"{layer}.layernorm_before", config.layer_norm_eps),
                    "qkv_weight": torch.cat([weights[f"{name}.weight"] for name in projections]).contiguous(),
                    # VideoMAE's keys have no bias; its queries and values have one when qv_bias.
                    "qkv_bias": torch.cat([weights[f"{name}.bias"] if config.qv_bias and not name.endswith("key") else no_bias for name in projections]).contiguous(),
                    "out": _linear_of(weights, f"{layer}.attention.output.dense"),
                    "norm_after": _layer_norm_of(weights, f"{layer}.layernorm_after", config.layer_norm_eps),
                    "up": _linear_of(weights, f"{layer}.intermediate.dense"),
                    "down": _linear_of(weights, f"{layer}.output.dense"),
                }
            )

    def embed(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """(batch, frames, channels, H, W) -> (batch, tokens, hidden), position embeddings added."""
        frames = pixel_values
        if self.frame_differences:
            after_last = 2 * pixel_values[:, -1:] - pixel_values[:, -2:-1]
            frames = torch.cat([pixel_values, after_last], dim=1)  # (batch, frames + 1, channels, H, W)
        embeddings = F.conv3d(frames.transpose(1, 2), self.embedding_weight, None, stride=self.stride)  # (batch, hidden, t, h, w)
        return embeddings.flatten(2).transpose(1, 2) + self.embedding_bias

    def pooled(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """(batch, frames, channels, H, W) -> (batch, hidden): the model's `pooled_features`."""
        batch = pixel_values.shape[0]
        hidden = self.embed(pixel_values).reshape(-1, self.hidden_size)  # (batch * tokens, hidden)
        for index, layer in enumerate(self.layers):
            hidden = self._block(hidden, layer, batch, mean_of_tokens=self.mean_pooling and index == len(self.layers) - 1)
        if self.mean_pooling:
            return self.final_norm(hidden)
        return self.final_norm(hidden.view(batch, -1, self.hidden_size)[:, 0])

    def _block(self, hidden: torch.Tensor, layer: dict, batch: int, mean_of_tokens: bool) -> torch.Tensor:
        """A transformer block on (batch * tokens, hidden) -> the same, or with `mean_of_tokens` (batch, hidden)."""
        size = self.hidden_size
        qkv = F.linear(layer["norm_before"](hidden), layer["qkv_weight"], layer["qkv_bias"])
        query, key, value = qkv.view(batch, -1, 3, self.heads, size // self.heads).permute(2, 0, 3, 1, 4)  # (batch, heads, tokens, head_size)
        context = F.scaled_dot_product_attention(query, key, value, scale=self.scaling).transpose(1, 2).reshape(hidden.shape)
        hidden = F.linear(context, *layer["out"]).add_(hidden)
        up = F.gelu(F.linear(layer["norm_after"](hidden), *layer["up"]))
        if mean_of_tokens:  # mean(hidden + down(up)) = mean(hidden) + down(mean(up))
            return F.linear(up.view(batch, -1, up.shape[-1]).mean(dim=1), *layer["down"]).add_(hidden.view(batch, -1, size).mean(dim=1))
        return F.linear(up, *layer["down"]).add_(hidden)


class FastVideoProcessor:
    """A saved `VideoMAEVideoProcessor`'s resize (shortest edge, bilinear, antialiased), centre crop, rescale and
    normalisation, done directly in torch on uint8 RGB clips: the same float32 pixels, bit for bit, in half the time
    (no per-call validation and regrouping; the uint8 resize runs on channels-last frames as they are decoded, and
    the normalisation writes straight into the batch).

    Calls it does not cover (another processor or setting, clips that are not uint8 RGB) go to the processor.
    """

    def __init__(self, video_processor):
        self._video_processor, self._load_processor = video_processor, None
        self._set_up(video_processor, self.unsupported_reason(video_processor))

    @classmethod
    def from_saved(cls, settings: dict, load_processor: Callable[[], object]) -> "FastVideoProcessor":
        """The same from a saved processor's `video_preprocessor_config.json`, parsed, without transformers;
        `load_processor()` loads the processor itself, for the calls this class does not cover."""
        fast = cls.__new__(cls)
        fast._video_processor, fast._load_processor = None, load_processor
        reason = saved_processor_reason(settings)
        fast._set_up(SimpleNamespace(**{**SAVED_PROCESSOR_DEFAULTS, **settings}) if reason is None else None, reason)
        return fast

    def _set_up(self, settings, reason: str | None) -> None:
        self.reason = reason
        if reason is None:
            self.short_side = _sizes(settings.size)["shortest_edge"]
            crop = _sizes(settings.crop_size)
            self.crop = (crop["height"], crop["width"])
            # As transformers fuses rescaling into normalising: (x - mean / factor) / (std / factor), in float32.
            factor = 1.0 / settings.rescale_factor
            self.mean = (torch.tensor(settings.image_mean, dtype=torch.float32) * factor).view(3, 1, 1)
            self.std = (torch.tensor(settings.image_std, dtype=torch.float32) * factor).view(3, 1, 1)

    @property
    def video_processor(self):
        """The processor itself, loaded on first use when this was made `from_saved`."""
        if self._video_processor is None:
            self._video_processor = self._load_processor()
        return self._video_processor

    @staticmethod
    def unsupported_reason(video_processor) -> str | None:
        """Why `video_processor`'s settings are not the ones this class reproduces, or None."""
        from transformers import VideoMAEVideoProcessor

        if type(video_processor) is not VideoMAEVideoProcessor:
            return f"{type(video_processor).__name__} is not VideoMAEVideoProcessor"
        return _settings_reason(video_processor)

    def __call__(self, clips: list[np.ndarray]) -> torch.Tensor:
        """RGB uint8 clips (frames, height, width, 3), any sizes -> (batch, frames, 3, crop height, crop width)."""
        covered = (
            self.reason is None
            and clips
            and all(isinstance(clip, np.ndarray) and clip.dtype == np.uint8 and clip.ndim == 4 and clip.shape[-1] == 3 for clip in clips)
            # the processor guesses the channel axis, and takes a height of 1 or 3 for it
            and all(clip.shape[1] not in (1, 3) for clip in clips)
            and len({clip.shape[0] for clip in clips}) == 1
        )
        if not covered:
            return self.video_processor(clips, return_tensors="pt")["pixel_values"]
        crop_height, crop_width = self.crop
        output = torch.empty((len(clips), clips[0].shape[0], 3, crop_height, crop_width), dtype=torch.float32)
        by_shape: dict[tuple, list[int]] = {}
        for index, clip in enumerate(clips):
            by_shape.setdefault(clip.shape, []).append(index)
        for (frames, height, width, _), indices in by_shape.items():
            # (clips * frames, 3, H, W) viewed channels-last, the layout torch's uint8 resize works in
            pixels = torch.from_numpy(np.stack([clips[i] for i in indices])).flatten(0, 1).permute(0, 3, 1, 2)
            new_height, new_width = self._resized(height, width)
            if (new_height, new_width) != (height, width):
                pixels = F.interpolate(pixels, size=[new_height, new_width], mode="bilinear", align_corners=False, antialias=True)
            top, left = int((new_height - crop_height) / 2.0), int((new_width - crop_width) / 2.0)
            pixels = pixels[..., top : top + crop_height, left : left + crop_width].view(len(indices), frames, 3, crop_height, crop_width)
            if indices == list(range(len(clips))):
                output.copy_(pixels)  # uint8 -> float32, straight into the batch
            else:
                for position, index in enumerate(indices):
                    output[index].copy_(pixels[position])
        return output.sub_(self.mean).div_(self.std)

    def _resized(self, height: int, width: int) -> tuple[int, int]:
        """transformers' `get_resize_output_image_size(default_to_square=False)`: the short side to `short_side`."""
        short, long = (width, height) if width <= height else (height, width)
        new_short, new_long = self.short_side, int(self.short_side * long / short)
        return (new_long, new_short) if width <= height else (new_short, new_long)


# What a saved VideoMAEVideoProcessor leaves out of its JSON takes these class defaults of transformers' (a test checks
# them); a JSON with settings beyond SAVED_PROCESSOR_KEYS is left to the processor itself.
SAVED_PROCESSOR_DEFAULTS = {"default_to_square": False, "do_sample_frames": False, "do_pad": None, "device": None, "input_data_format": None, "data_format": None}
SAVED_PROCESSOR_REQUIRED = {"size", "crop_size", "do_resize", "resample", "do_center_crop", "do_rescale", "do_normalize", "rescale_factor", "image_mean", "image_std"}
SAVED_PROCESSOR_KEYS = SAVED_PROCESSOR_REQUIRED | set(SAVED_PROCESSOR_DEFAULTS) | {"video_processor_type", "do_convert_rgb", "num_frames", "return_metadata", "processor_class"}
BILINEAR = 2  # PIL's (and transformers' PILImageResampling's) number for bilinear resampling


def saved_processor_reason(settings: dict) -> str | None:
    """Why the saved processor settings `settings` (its JSON, parsed) are not ones `FastVideoProcessor` reproduces."""
    if settings.get("video_processor_type") != "VideoMAEVideoProcessor":
        return f"{settings.get('video_processor_type')} is not VideoMAEVideoProcessor"
    missing, unknown = SAVED_PROCESSOR_REQUIRED - set(settings), set(settings) - SAVED_PROCESSOR_KEYS
    if missing or unknown:
        return f"saved processor settings missing {sorted(missing)} or not covered {sorted(unknown)}"
    shapes = {"size": dict, "crop_size": dict, "image_mean": list, "image_std": list}
    if not all(isinstance(settings[name], kind) for name, kind in shapes.items()):
        return f"saved processor settings of other types than {', '.join(f'{name}: {kind.__name__}' for name, kind in shapes.items())}"
    if settings.get("do_convert_rgb") is False:
        return "do_convert_rgb is off"
    return _settings_reason(SimpleNamespace(**{**SAVED_PROCESSOR_DEFAULTS, **settings}))


def _settings_reason(settings) -> str | None:
    """Why a VideoMAEVideoProcessor with these settings (attributes) does other than this class reproduces, or None."""
    size, crop = _sizes(settings.size), _sizes(settings.crop_size)
    if not settings.do_resize or set(size) != {"shortest_edge"} or settings.default_to_square:
        return f"resizing to {size} (default_to_square={settings.default_to_square})"
    if int(settings.resample) != BILINEAR:
        return f"resample {settings.resample} (not bilinear)"
    if not settings.do_center_crop or set(crop) != {"height", "width"} or max(crop.values()) > size["shortest_edge"]:
        return f"centre crop {crop} of frames resized to {size}"
    if not (settings.do_rescale and settings.do_normalize) or len(settings.image_mean) != 3 or len(settings.image_std) != 3:
        return "not rescaling and normalising each RGB channel"
    extras = {name: getattr(settings, name, None) for name in ("do_sample_frames", "do_pad", "device", "input_data_format")}
    if any(value not in (None, False) for value in extras.values()) or getattr(settings, "data_format", None) not in (None, "channels_first"):
        return f"{extras}, data_format {getattr(settings, 'data_format', None)!r}"
    return None


def _sizes(size) -> dict[str, int]:
    """A processor's size setting (a dict or transformers' SizeDict) as a dict of the entries that are set."""
    return {key: value for key, value in dict(size or {}).items() if value is not None}
