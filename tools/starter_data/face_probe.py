"""An experiment, not part of the starter's recipe: do face boxes help a scale head beyond the ImageNet features?

LABELING.md frames people by how much of them is in frame, and a face's height against the frame's is the classic cue
(the rule baseline's). MTCNN (`facenet-pytorch`, its weights in the wheel; it pins an old torchvision, so install it
with `--no-deps`, plus `requests`, which it imports) finds the faces in the centre square the model sees, on the
clip's last appearance frame (the second of two); five cues per clip (the two largest faces' heights over the square's, how many faces,
the best face's confidence and its centre's height) are appended to the Lite0 features `scale_head features` wrote,
in the same order, and `whole_frame_probe compare` fits and scores a head on both, as on the Lite0 features alone.

    pip install --no-deps facenet-pytorch && pip install requests
    python -m tools.starter_data.face_probe features --lite0 cache/scale-features --out cache/scale-features-faces
    python -m tools.starter_data.whole_frame_probe compare cache/scale-features cache/scale-features-faces
"""

import argparse
from pathlib import Path

import numpy as np
import torch

from shot_model import ShotClassifier
from shot_model.models.shot_videomae.appearance_stream import appearance_frame_indices

from . import scale_head

DETECTION_SIZE = 224  # the centre square is upsampled to this for MTCNN, whose smallest face is 12 px
FACE_CUES = 5


def face_cues(detector, squares: np.ndarray) -> np.ndarray:
    """(N, S, S, 3) uint8 RGB squares -> (N, FACE_CUES) face cues."""
    boxes, probabilities = detector.detect(list(squares))
    cues = np.zeros((len(squares), FACE_CUES), np.float32)
    for index, (found, confidence) in enumerate(zip(boxes, probabilities)):
        if found is None:
            continue
        keep = np.asarray(confidence) > 0.9
        if not keep.any():
            continue
        found, confidence = np.asarray(found)[keep], np.asarray(confidence)[keep]
        heights = np.sort(found[:, 3] - found[:, 1])[::-1] / squares.shape[1]
        best = int(np.argmax(confidence))
        cues[index] = (heights[0], heights[1] if len(heights) > 1 else 0.0, len(heights), confidence[best],
                       (found[best, 1] + found[best, 3]) / 2 / squares.shape[1])  # fmt: skip
    return cues


def face_embed(detector):
    """An `embed` function for scale_head's feature functions: the face cues of what the model sees of each clip."""

    @torch.inference_mode()
    def embed(classifier: ShotClassifier, clips: list[np.ndarray]) -> np.ndarray:
        config = classifier.model.config
        frame = appearance_frame_indices(config.num_frames, config.appearance_frames)[-1]
        processor = classifier.video_processor
        mean, std = torch.tensor(processor.image_mean).view(3, 1, 1), torch.tensor(processor.image_std).view(3, 1, 1)
        cues = []
        for start in range(0, len(clips), 16):
            pixel_values = processor(clips[start : start + 16], return_tensors="pt")["pixel_values"][:, frame]
            pixels = (pixel_values * std + mean).clamp(0, 1)  # (batch, 3, S, S): the centre square, unnormalised
            pixels = torch.nn.functional.interpolate(pixels, size=(DETECTION_SIZE, DETECTION_SIZE), mode="bilinear", align_corners=False)
            squares = (pixels.permute(0, 2, 3, 1).numpy() * 255).round().astype(np.uint8)
            cues.append(face_cues(detector, squares))
        return np.concatenate(cues)

    return embed


def extract(lite0: Path, out: Path) -> None:
    from facenet_pytorch import MTCNN

    classifier = ShotClassifier.from_pretrained(fast=False)
    embed = face_embed(MTCNN(keep_all=True, device="cpu"))
    out.mkdir(parents=True, exist_ok=True)
    for name, (cues, labels, owners) in scale_head.feature_sets(classifier, embed=embed):
        appearance = np.load(lite0 / f"{name}.npz")
        if not np.array_equal(appearance["owners"], owners):
            raise SystemExit(f"{lite0 / name}.npz holds other examples than these: extract both from the same labels")
        np.savez(out / f"{name}.npz", features=np.concatenate([appearance["features"], cues], axis=1), labels=labels, owners=owners)
        print(f"{name}: a face in {np.mean(cues[:, 2] > 0):.0%} of {len(cues)}", flush=True)
    print(f"saved {out}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    features = commands.add_parser("features", help="Lite0 features with face cues appended")
    features.add_argument("--lite0", type=Path, required=True, help="the folder scale_head features wrote")
    features.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    extract(args.lite0, args.out)


if __name__ == "__main__":
    main()
