"""An experiment, not part of the starter's recipe: does a scale head read framing better from the whole frame than
from the centre square the video processor crops (a 16:9 frame loses 44% of its width there)?

The model's frozen ImageNet appearance stream (Lite0) is run on whole frames (short side 144, the aspect ratio kept;
the network pools globally, so any shape goes), and a linear scale head is fitted on those features and, the same
way, on the centre-crop features `scale_head features` writes: standardised features, class-balanced cross-entropy,
L2 on the weights, full-batch L-BFGS from zero; stills and crop windows weighted 0.3. The L2 strength is chosen as
`scale_head fit` chooses (validation shots and held-out pictures alike); the dev set is scored once, for the chosen
head of each. docs/experiments.md section 14 has the result.

    python -m tools.starter_data.scale_head features --out cache/scale-features
    python -m tools.starter_data.whole_frame_probe features --out cache/scale-features-whole
    python -m tools.starter_data.whole_frame_probe compare cache/scale-features cache/scale-features-whole
"""

import argparse
from pathlib import Path

import numpy as np
import torch

from shot_model import ShotClassifier
from shot_model.evaluation.metrics import head_metrics
from shot_model.models.shot_videomae import SCALE_LABELS
from shot_model.models.shot_videomae.appearance_stream import LITE0_MEAN, LITE0_STD, appearance_frame_indices

from . import scale_head

PICTURE_WEIGHT = 0.3  # stills and crop windows against a real shot's clip, as scale_head's chosen fit
DECAYS = (1e-4, 1e-3, 1e-2, 1e-1, 0.3, 1.0, 3.0)


def whole_frame_features(classifier: ShotClassifier, clips: list[np.ndarray]) -> np.ndarray:
    """(clips, 1280) appearance features of whole frames: the clips' appearance frames, uncropped, as Lite0 input."""
    model = classifier.model
    indices = appearance_frame_indices(classifier.num_frames, model.config.appearance_frames)
    features = []
    with torch.inference_mode():
        for clip in clips:  # one at a time: frames differ in shape from video to video
            frames = torch.from_numpy(np.ascontiguousarray(clip[indices])).permute(0, 3, 1, 2).float() / 255.0
            features.append(model.appearance((frames - LITE0_MEAN) / LITE0_STD).mean(0).numpy())
    return np.stack(features)


def extract(out: Path) -> None:
    """The same shots, stills and crops as `scale_head features`, through `whole_frame_features`."""
    classifier = ShotClassifier.from_pretrained()
    scale_head.save_feature_sets(scale_head.feature_sets(classifier, embed=whole_frame_features), out)


def fit_linear(features: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor, decay: float) -> torch.nn.Linear:
    head = torch.nn.Linear(features.shape[1], len(SCALE_LABELS))
    torch.nn.init.zeros_(head.weight), torch.nn.init.zeros_(head.bias)

    def loss():
        losses = torch.nn.functional.cross_entropy(head(features), labels, reduction="none")
        return (losses * weights).sum() / weights.sum() + decay * (head.weight**2).sum()

    scale_head.minimise(list(head.parameters()), loss)
    return head


def compare(folder: Path) -> None:
    """Fit a head for each L2 strength on `folder`'s features, choose by validation, score the chosen one on dev."""
    train, val, dev = (scale_head.load(folder, name) for name in ("shots_train", "shots_val", "shots_dev"))
    fitting, held = [train], {}
    for name in ("stills", "crops"):
        features, labels, owners = scale_head.load(folder, name)
        out = torch.from_numpy(scale_head.held_out(owners))
        fitting.append((features[~out], labels[~out]))
        held[name] = (features[out], labels[out])
    features, labels = torch.cat([part[0] for part in fitting]), torch.cat([part[1] for part in fitting])
    source = torch.cat([torch.full((len(part[1]),), 1.0 if index == 0 else PICTURE_WEIGHT) for index, part in enumerate(fitting)])
    weights = scale_head.class_balanced(labels, source)
    mean, std = features.mean(0), features.std(0) + 1e-6
    results = []
    for decay in DECAYS:
        head = fit_linear((features - mean) / std, labels, weights, decay)

        def answers(x, head=head):
            return head((x - mean) / std).argmax(-1).detach().numpy()

        scores = {name: head_metrics(y.numpy(), answers(x), list(SCALE_LABELS)) for name, (x, y) in {"validation shots": val[:2], **held}.items()}
        pictures = sum(scores[name]["accuracy"] * len(held[name][1]) for name in held) / sum(len(held[name][1]) for name in held)
        results.append(((scores["validation shots"]["accuracy"] + pictures) / 2, decay, answers))
        print(f"{folder.name}  L2 {decay:<6} " + "  ".join(f"{name} {s['accuracy']:.3f} / {s['macro_f1']:.3f}" for name, s in scores.items()), flush=True)
    _, decay, answers = max(results, key=lambda result: result[0])
    on_dev = head_metrics(dev[1].numpy(), answers(dev[0]), list(SCALE_LABELS))
    print(f"{folder.name}  chosen by validation: L2 {decay}; dev set {on_dev['accuracy']:.3f} / {on_dev['macro_f1']:.3f}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("features", help="whole-frame appearance features of the labelled shots, stills and crops").add_argument("--out", type=Path, required=True)
    commands.add_parser("compare", help="fit and score a head on each features folder").add_argument("folders", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.command == "features":
        extract(args.out)
    else:
        for folder in args.folders:
            compare(folder)


if __name__ == "__main__":
    main()
