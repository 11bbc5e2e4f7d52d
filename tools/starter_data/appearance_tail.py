"""Stage 5 of the starter (experimental): the last blocks of the appearance stream fine-tuned on real framing.

`scale_head.py` refits one linear layer over frozen ImageNet features, and every such refit has stayed near v5
(docs/experiments.md, section 14). Here the tail of EfficientNet-Lite0 learns as well: the blocks at the 5x5
resolution, its 1x1 head convolution and the scale head, on the same labelled sets (real train shots, film stills,
crop windows). The network keeps its shape, so a fine-tuned model loads, runs and speeds up (fast copy) exactly as
v5 does; only weights change.

What enters the tail is computed once, through the model's own pixel path (the pipeline's decoder and sampling,
the video processor, the frozen stem and blocks 0-10), and cached: a fit then costs seconds an epoch.

    python -m tools.starter_data.appearance_tail features --out cache/tail-features
    python -m tools.starter_data.appearance_tail fit --features cache/tail-features --out runs/starter-v6/model
    python validate.py --model runs/starter-v6/model --shots data/real_shots.csv --split val

`fit` chooses its settings and epoch on the real validation shots and the held-out fifth of the stills and crops,
as `scale_head fit` does; the dev set is never read here.
"""

import argparse
import itertools
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD

from shot_model import ShotClassifier
from shot_model.evaluation.metrics import head_metrics
from shot_model.models.shot_videomae import SCALE_LABELS
from shot_model.models.shot_videomae.appearance_stream import appearance_frame_indices, to_lite0_input

from .scale_head import REPO, class_balanced, feature_sets, held_out

# The cache holds the output of block 10 (112 channels at 9x9 for a 144-pixel input); blocks from 11 on, the stage
# at 5x5, can be trained.
CACHED_BLOCKS = 11
STAGE_5_DESCRIPTION = (
    "The appearance stream's last blocks and the scale head were then fine-tuned on the same real framing (stage 5, "
    "`tools/starter_data/appearance_tail.py`), settings and epoch chosen on the real validation shots and held-out "
    "pictures, never on the dev set."
)


@torch.inference_mode()
def tail_inputs(classifier: ShotClassifier, clips: list[np.ndarray]) -> np.ndarray:
    """(clips, appearance frames, 112, 9, 9) float32: what block `CACHED_BLOCKS` of the appearance stream receives,
    computed as `appearance_of` computes it (tests/test_appearance_tail.py checks the two halves make its features)."""
    model = classifier.model
    stream = model.appearance
    indices = appearance_frame_indices(model.config.num_frames, model.config.appearance_frames)
    mean, std = torch.tensor(IMAGENET_DEFAULT_MEAN), torch.tensor(IMAGENET_DEFAULT_STD)
    found = []
    for start in range(0, len(clips), 16):
        # The fast processor makes the processor's pixels bit for bit (fast_inference.py), in a fraction of the time.
        pixel_values = classifier.fast_processor(clips[start : start + 16])
        frames = pixel_values[:, indices]
        x = to_lite0_input(frames.flatten(0, 1), mean, std, model.config.appearance_size)
        x = F.relu6(stream._bn0(stream._conv_stem(x)))
        for block in stream._blocks[:CACHED_BLOCKS]:
            x = block(x)
        found.append(x.view(frames.shape[0], frames.shape[1], *x.shape[1:]).numpy())
    return np.concatenate(found)


def extract(args) -> None:
    classifier = ShotClassifier.from_pretrained(args.model)
    classifier.model.float().eval()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, (inputs, labels, owners) in feature_sets(classifier, embed=tail_inputs):
        np.savez(args.out / f"{name}.npz", inputs=inputs, labels=labels, owners=owners)
        print(f"{name}: {len(inputs)} clips", flush=True)


def load(folder: Path, name: str):
    data = np.load(folder / f"{name}.npz")
    return torch.from_numpy(data["inputs"]), torch.from_numpy(data["labels"]).long(), data["owners"]


def tail_features(model, inputs: torch.Tensor) -> torch.Tensor:
    """(clips, frames, 112, 9, 9) cached inputs -> (clips, 1280) appearance features, as `appearance_of` gives them."""
    stream = model.appearance
    clips, frames = inputs.shape[:2]
    x = inputs.flatten(0, 1).float()
    for block in stream._blocks[CACHED_BLOCKS:]:
        x = block(x)
    x = F.relu6(stream._bn1(stream._conv_head(x)))
    return x.mean(dim=(2, 3)).view(clips, frames, -1).mean(dim=1)


def trainable_tail(model, first_trained: int) -> list[torch.nn.Parameter]:
    """Unfreeze the tail from block `first_trained` on and the head convolution (batch-norm statistics stay
    ImageNet's; their affine parts learn) and the scale head; freeze everything else. Returns the tail's parameters."""
    stream = model.appearance
    tail = [p for module in (*stream._blocks[first_trained:], stream._conv_head, stream._bn1) for p in module.parameters()]
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    for parameter in [*tail, *model.scale_head.parameters()]:
        parameter.requires_grad_(True)
    return tail


@torch.no_grad()
def answers(model, inputs: torch.Tensor, batch: int = 256) -> np.ndarray:
    model.eval()
    found = []
    for start in range(0, len(inputs), batch):
        features = tail_features(model, inputs[start : start + batch])
        found.append(model.scale_head(model.appearance_norm(features)).argmax(-1))
    return torch.cat(found).numpy()


def fine_tune(model, parts, first_trained: int, learning_rate: float, epochs: int, on_epoch, batch: int = 64, seed: int = 0):
    """AdamW over `parts` ((inputs, labels, source weight) each), class- and source-weighted cross-entropy; calls
    `on_epoch(epoch)` after each epoch."""
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.cat([part[0] for part in parts])
    labels = torch.cat([part[1] for part in parts])
    weights = class_balanced(labels, torch.cat([torch.full((len(part[1]),), part[2]) for part in parts]))
    tail = trainable_tail(model, first_trained)
    # The head starts at v5's optimum for the old features and moves faster than the pretrained tail.
    optimizer = torch.optim.AdamW(
        [{"params": tail, "lr": learning_rate}, {"params": model.scale_head.parameters(), "lr": 10 * learning_rate}], weight_decay=0.01
    )
    for epoch in range(1, epochs + 1):
        model.train()
        model.appearance.eval()  # batch norms keep their statistics (FrozenBatchNorm2d), dropout off in the stream
        model.appearance_norm.eval()
        order = torch.randperm(len(labels), generator=generator)
        for start in range(0, len(order), batch):
            chosen = order[start : start + batch]
            features = tail_features(model, inputs[chosen])
            logits = model.scale_head(model.appearance_norm(features))
            losses = F.cross_entropy(logits, labels[chosen], reduction="none")
            loss = (losses * weights[chosen]).sum() / weights[chosen].sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        on_epoch(epoch)


def fit(args) -> None:
    from shot_model.models.shot_videomae import ShotVideoMAEForShotClassification

    torch.manual_seed(0)
    shots_train = load(args.features, "shots_train")
    val = load(args.features, "shots_val")
    pictures, held = {}, []
    for name in ("stills", "crops"):
        inputs, labels, owners = load(args.features, name)
        out = torch.from_numpy(held_out(owners))
        pictures[name] = (inputs[~out], labels[~out])
        held.append((inputs[out], labels[out]))
    held_inputs, held_labels = torch.cat([h[0] for h in held]), torch.cat([h[1] for h in held])

    def figures(model):
        shots = head_metrics(val[1].numpy(), answers(model, val[0]), list(SCALE_LABELS))
        pics = head_metrics(held_labels.numpy(), answers(model, held_inputs), list(SCALE_LABELS))
        return shots, pics

    shots, pics = figures(ShotVideoMAEForShotClassification.from_pretrained(args.model).float())
    print(f"the model it starts from: validation shots {shots['accuracy']:.3f} / {shots['macro_f1']:.3f}  held-out pictures "
          f"{pics['accuracy']:.3f} / {pics['macro_f1']:.3f}")  # fmt: skip
    best = None  # (score, setting, state dict) of the best epoch so far
    for first_trained, learning_rate, still_weight in itertools.product(args.first_trained, args.learning_rates, args.still_weights):
        model = ShotVideoMAEForShotClassification.from_pretrained(args.model).float()
        parts = [(shots_train[0], shots_train[1], 1.0), (*pictures["stills"], still_weight), (*pictures["crops"], args.crop_weight)]

        def on_epoch(epoch, model=model, setting=(first_trained, learning_rate, still_weight)):
            nonlocal best
            shots, pics = figures(model)
            score = ((shots["accuracy"] + pics["accuracy"]) / 2, shots["accuracy"], shots["macro_f1"], pics["macro_f1"])
            if best is None or score > best[0]:  # ties keep the earlier setting, as max() over a list would
                best = (score, (*setting, epoch), {name: value.detach().clone() for name, value in model.state_dict().items()})
            print(f"blocks {setting[0]}+ lr {setting[1]:<7} stills x{setting[2]:<4} epoch {epoch:<2} validation shots "
                  f"{shots['accuracy']:.3f} / {shots['macro_f1']:.3f}  held-out pictures {pics['accuracy']:.3f} / {pics['macro_f1']:.3f}",
                  flush=True)  # fmt: skip

        fine_tune(model, parts, first_trained, learning_rate, args.epochs, on_epoch)
    score, (first_trained, learning_rate, still_weight, epoch), state = best
    print(f"chosen by validation: blocks {first_trained}+, lr {learning_rate}, stills x{still_weight}, epoch {epoch}")
    chosen = ShotVideoMAEForShotClassification.from_pretrained(args.model).float().eval()
    chosen.load_state_dict(state)
    chosen.config.eval_results = None  # the old model's figures; validate.py and publishing write the new ones
    chosen.config.training_data = f"{chosen.config.training_data} {STAGE_5_DESCRIPTION}"
    chosen.save_pretrained(args.out)
    ShotClassifier.from_pretrained(args.model).video_processor.save_pretrained(args.out)
    record = {"first_trained_block": first_trained, "learning_rate": learning_rate, "still_weight": still_weight,
              "crop_weight": args.crop_weight, "epoch": epoch, "validation_shots_accuracy_macro_f1": score[1:3],
              "held_out_pictures_macro_f1": score[3]}  # fmt: skip
    (args.out / "appearance_tail_fit.json").write_text(json.dumps(record, indent=2))
    print(f"saved {args.out}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    features = commands.add_parser("features", help="cache what enters the appearance stream's tail, for every labelled set")
    features.add_argument("--out", type=Path, required=True)
    fitting = commands.add_parser("fit", help="fine-tune the tail and the scale head, choosing on the real validation shots")
    fitting.add_argument("--features", type=Path, required=True)
    fitting.add_argument("--out", type=Path, required=True)
    fitting.add_argument("--first-trained", type=int, nargs="+", default=[15, 11], help="first trained block (11-15)")
    fitting.add_argument("--learning-rates", type=float, nargs="+", default=[3e-5, 1e-4])
    fitting.add_argument("--still-weights", type=float, nargs="+", default=[1.0])
    fitting.add_argument("--crop-weight", type=float, default=0.3, help="default: v5's choice")
    fitting.add_argument("--epochs", type=int, default=6)
    for command in (features, fitting):
        command.add_argument("--model", default=str(REPO / "checkpoints" / "shot-videomae-starter"), help="the model it starts from")
    args = parser.parse_args(argv)
    if args.command == "fit" and not all(CACHED_BLOCKS <= block <= 15 for block in args.first_trained):
        parser.error(f"--first-trained must lie between {CACHED_BLOCKS} and 15, got {args.first_trained}")
    {"features": extract, "fit": fit}[args.command](args)


if __name__ == "__main__":
    main()
