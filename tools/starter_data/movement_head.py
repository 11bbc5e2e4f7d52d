"""An experiment on the starter's movement heads: refitted on real labelled moving shots, the rest of the model as is.

The movement scores are two linear layers over frozen features, the VideoMAE stream's pooled features and the
measured camera motion (through its batch norm), so fitting them on features extracted once is training them. They
are fitted on the real train shots (the new clips' train split and the generator's hand-labelled sources, mirrored),
class-balanced, with an L2 pull towards the starting heads: what the virtual camera moves taught, Push and Pull above
all (one real Push and one real Pull among the train shots), stays unless real shots say otherwise. The pull is chosen on the
real validation shots; held-out renders of virtual camera moves (`build --clips ...` on sources the check names) show
whether Push and Pull survive. docs/experiments.md section 14 has the result.

    python -m tools.starter_data.build --out cache/movement-renders --clips 400 --seed 5
    python -m tools.starter_data.movement_head features --renders cache/movement-renders --out cache/movement-features
    python -m tools.starter_data.movement_head fit --features cache/movement-features --out runs/movement/model
"""

import argparse
import csv
import itertools
from pathlib import Path

import numpy as np
import torch

from shot_model import ShotClassifier
from shot_model.evaluation.metrics import head_metrics
from shot_model.models.shot_videomae import MOVEMENT_LABELS

from . import scale_head

DECAYS = (1e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)
RENDER_WEIGHTS = (0.0, 0.3, 1.0)


@torch.inference_mode()
def movement_features(classifier: ShotClassifier, clips: list[np.ndarray]) -> np.ndarray:
    """(clips, pooled + camera-motion features): what the two movement layers read."""
    features = []
    for start in range(0, len(clips), 16):
        pixel_values = classifier.video_processor(clips[start : start + 16], return_tensors="pt")["pixel_values"].to(classifier.device)
        output = classifier.model(pixel_values)
        features.append(torch.cat([output.pooled_features, output.camera_motion_features], dim=1).float().cpu().numpy())
    return np.concatenate(features)


def render_features(classifier: ShotClassifier, renders: Path):
    """Features of built virtual-camera clips (`labels.csv` of tools.starter_data.build: each clip one whole shot),
    sampled and decoded as `shot-model analyze` does, with their movement labels."""
    import av

    with open(renders / "labels.csv", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["movement"] in MOVEMENT_LABELS]
    shots = []
    for row in rows:
        video = renders / row["video"]
        with av.open(str(video)) as container:  # one packet a frame: counted without decoding (the features decode)
            frames = sum(1 for packet in container.demux(video=0) if packet.size)
        shots.append({"video": str(video), "start": 0.0, "end": float(frames), "movement": MOVEMENT_LABELS.index(row["movement"])})
    return scale_head.shot_features(classifier, shots, 1, flips=False, embed=movement_features, head="movement")


def extract(args) -> None:
    classifier = ShotClassifier.from_pretrained(args.model, fast=False)
    args.out.mkdir(parents=True, exist_ok=True)
    for role, shots in scale_head.shot_sets().items():
        train = role == "train"
        features, labels, owners = scale_head.shot_features(
            classifier, shots, scale_head.TRAIN_CLIPS_PER_SHOT if train else 1, flips=train, embed=movement_features, head="movement"
        )
        np.savez(args.out / f"shots_{role}.npz", features=features, labels=labels, owners=owners)
        print(f"{role}: {len(features)} clips of {len(set(owners))} shots", flush=True)
    features, labels, owners = render_features(classifier, args.renders)
    np.savez(args.out / "renders.npz", features=features, labels=labels, owners=owners)
    print(f"renders: {len(features)}", flush=True)


def movement_logits(model, features: torch.Tensor) -> torch.Tensor:
    hidden = model.config.hidden_size
    pooled, camera_motion = features[:, :hidden], features[:, hidden:]
    return model.movement_head(pooled) + model.camera_motion_head(model.camera_motion_norm.eval()(camera_motion))


def fit(args) -> None:
    from shot_model.models.shot_videomae import ShotVideoMAEForShotClassification

    train, val = scale_head.load(args.features, "shots_train"), scale_head.load(args.features, "shots_val")
    renders = scale_head.load(args.features, "renders")
    # Half the renders fit (with the real shots, when weighted), the other half is held out to check Push and Pull.
    held = torch.from_numpy(scale_head.held_out(renders[2], share=0.5))
    results = []
    for decay, render_weight in itertools.product(DECAYS, RENDER_WEIGHTS):
        model = ShotVideoMAEForShotClassification.from_pretrained(args.model).eval()
        layers = [model.movement_head.classifier, model.camera_motion_head.classifier]
        start = [p.detach().clone() for layer in layers for p in layer.parameters()]
        features = torch.cat([train[0], renders[0][~held]])
        labels = torch.cat([train[1], renders[1][~held]])
        source = torch.cat([torch.ones(len(train[1])), torch.full((int((~held).sum()),), render_weight)])
        weights = scale_head.class_balanced(labels, source, len(MOVEMENT_LABELS))
        parameters = [p for layer in layers for p in layer.parameters()]

        def loss(model=model, features=features, labels=labels, weights=weights, parameters=parameters, start=start, decay=decay):
            losses = torch.nn.functional.cross_entropy(movement_logits(model, features), labels, reduction="none")
            return (losses * weights).sum() / weights.sum() + decay * sum(((p - p0) ** 2).sum() for p, p0 in zip(parameters, start))

        scale_head.minimise(parameters, loss)
        with torch.no_grad():
            shots = head_metrics(val[1].numpy(), movement_logits(model, val[0]).argmax(-1).numpy(), list(MOVEMENT_LABELS))
            check = head_metrics(renders[1][held].numpy(), movement_logits(model, renders[0][held]).argmax(-1).numpy(), list(MOVEMENT_LABELS))
        push_pull = min(check["per_class"][name]["recall"] for name in ("Push", "Pull"))
        print(f"decay {decay:<6} renders x{render_weight:<4} validation shots {shots['accuracy']:.3f} / {shots['macro_f1']:.3f}  "
              f"held-out renders {check['accuracy']:.3f}, Push/Pull recall >= {push_pull:.3f}", flush=True)  # fmt: skip
        results.append(((shots["accuracy"], shots["macro_f1"], push_pull), (decay, render_weight), model))
    score, (decay, render_weight), best = max(results, key=lambda result: result[0])
    print(f"chosen by validation: decay {decay}, renders x{render_weight}")
    best.config.eval_results = None
    best.save_pretrained(args.out)
    ShotClassifier.from_pretrained(args.model).video_processor.save_pretrained(args.out)
    print(f"saved {args.out}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    features = commands.add_parser("features", help="movement features of the labelled shots and of built renders")
    features.add_argument("--renders", type=Path, required=True, help="a folder tools.starter_data.build wrote")
    features.add_argument("--out", type=Path, required=True)
    fitting = commands.add_parser("fit", help="fit the movement layers, choosing the pull on the real validation shots")
    fitting.add_argument("--features", type=Path, required=True)
    fitting.add_argument("--out", type=Path, required=True)
    for command in (features, fitting):
        command.add_argument("--model", default=str(scale_head.REPO / "checkpoints" / "shot-videomae-starter"))
    args = parser.parse_args(argv)
    extract(args) if args.command == "features" else fit(args)


if __name__ == "__main__":
    main()
