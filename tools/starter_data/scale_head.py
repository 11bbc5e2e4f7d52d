"""Stage 4 of the starter: the scale head refitted on real framing, the rest of the model untouched.

The scale head is one linear layer over the frozen ImageNet appearance stream's normalised features, so fitting it
on features extracted once is exactly training it (no augmentation touches the frozen part). Features come through
the model's own pixel path: real shots are decoded by the pipeline's decoder and sampled as `shot-model analyze`
samples them; a film still is shrunk like a decoded frame and repeated into a still clip.

    python -m tools.starter_data.scale_head features --model runs/starter/model --out cache/scale-features
    python -m tools.starter_data.scale_head fit --model runs/starter/model --features cache/scale-features --out runs/starter-v5/model
    python -m tools.starter_data.scale_head score --features cache/scale-features runs/starter-v5/model

`fit` chooses its settings on the real validation shots (data/real_shots.csv, split val), never on the dev set, and
pulls the head towards `--model`'s: v5 was fitted from stage 3's model (v4), `runs/starter/model` in the recipe; the
default, the shipped starter, now refits on top of v5. The features do not depend on the head.
"""

import argparse
import csv
import hashlib
import itertools
import json
from pathlib import Path

import cv2
import numpy as np
import torch

from shot_model import ShotClassifier
from shot_model.data.shot_table import MISSING_LABEL, read_shot_csv
from shot_model.evaluation.metrics import head_metrics
from shot_model.evaluation.scorer import frames_of_shots
from shot_model.models.shot_videomae import MOVEMENT_LABELS, SCALE_LABELS
from shot_model.sampling import clip_frame_indices, rgb_clip

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
STILLS_LABELS = REPO / "data" / "stills_labels.csv"
CROP_LABELS = REPO / "data" / "crop_labels.csv"
DECODE_SHORT_SIDE = 144  # the pipeline's analysis size (SplitSettings.decode_short_side)
TRAIN_CLIPS_PER_SHOT = 3  # a training shot gives a clip from each third of it
STAGE_4_DESCRIPTION = (
    "The scale head was then refitted on real framing (stage 4, `tools/starter_data/scale_head.py`): hand-labelled "
    "real shots of train clips, the film stills of `../shared/stills` labelled by the project's definitions and crop "
    "windows of train frames labelled by two people (`data/`; a fifth of the stills and crops held out), with an L2 "
    "pull towards the head it started from; settings chosen on the real validation shots and held-out pictures, never "
    "on the dev set."
)


def shot_sets() -> dict[str, list[dict]]:
    """The labelled real shots by role: train (the new clips' train split and the generator's hand-labelled sources),
    val (the real validation set) and dev (the dev set, for the report only)."""
    real = read_shot_csv(REPO / "data" / "real_shots.csv", SCALE_LABELS, MOVEMENT_LABELS)
    hand = []
    with open(REPO / "data" / "hand_labels.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["role"] == "generator-source" and row["usable"] == "yes" and row["scale"]:
                hand.append({"video": str(SHARED / "media" / "train" / row["video"]), "start": float(row["start_frame"]),
                             "end": float(row["end_frame"]), "scale": SCALE_LABELS.index(row["scale"]),
                             "movement": MOVEMENT_LABELS.index(row["movement"]) if row["movement"] else MISSING_LABEL})
    dev = read_shot_csv(REPO / "data" / "dev_set.csv", SCALE_LABELS, MOVEMENT_LABELS)
    return {
        "train": [row for row in real if row["split"] == "train"] + hand,
        "val": [row for row in real if row["split"] == "val"],
        "dev": dev,
    }


@torch.inference_mode()
def appearance_features(classifier: ShotClassifier, clips: list[np.ndarray]) -> np.ndarray:
    """(clips, 1280) frozen appearance features through the model's processor and stream."""
    features = []
    for start in range(0, len(clips), 16):
        pixel_values = classifier.video_processor(clips[start : start + 16], return_tensors="pt")["pixel_values"].to(classifier.device)
        features.append(classifier.model.appearance_of(pixel_values).float().cpu().numpy())
    return np.concatenate(features)


def shrunk(short_side: int):
    """An `embed` function that first shrinks each clip's frames (area averaging) to `short_side`, as small footage
    reaches the model: the 160x90 clip of the dev set is a fraction of the 144-pixel analysis size."""

    def embed(classifier: ShotClassifier, clips: list[np.ndarray]) -> np.ndarray:
        batches = [[shrink_clip(clip, short_side) for clip in clips[start : start + 16]] for start in range(0, len(clips), 16)]
        return np.concatenate([appearance_features(classifier, batch) for batch in batches])

    return embed


def shrink_clip(clip: np.ndarray, short_side: int) -> np.ndarray:
    scale = short_side / min(clip.shape[1:3])
    if scale >= 1:
        return clip
    size = (max(2, round(clip.shape[2] * scale / 2) * 2), max(2, round(clip.shape[1] * scale / 2) * 2))
    return np.stack([cv2.resize(frame, size, interpolation=cv2.INTER_AREA) for frame in clip])


def shot_features(classifier: ShotClassifier, shots: list[dict], clips_per_shot: int, flips: bool, embed=None, head: str = "scale"):
    """Features of each shot's clips (and their mirror images when `flips`), with the shot's `head` label and its index."""
    by_video: dict[str, list[dict]] = {}
    for shot in shots:
        if shot[head] != MISSING_LABEL:
            by_video.setdefault(shot["video"], []).append(shot)
    clips, labels, owners = [], [], []
    num_frames = classifier.num_frames

    def wanted(shot):
        return [i for clip in clip_frame_indices(int(shot["start"]), int(shot["end"]), num_frames, clips_per_shot) for i in clip]

    for video, video_shots in by_video.items():
        for shot, frames in zip(video_shots, frames_of_shots(video, video_shots, wanted)):
            for indices in clip_frame_indices(int(shot["start"]), int(shot["end"]), num_frames, clips_per_shot):
                clip = rgb_clip([frames[i] for i in indices])
                for mirrored in (False, True) if flips else (False,):
                    clips.append(np.ascontiguousarray(clip[:, :, ::-1]) if mirrored else clip)
                    labels.append(shot[head])
                    owners.append(f"{Path(video).name}:{int(shot['start'])}")
    return (embed or appearance_features)(classifier, clips), np.array(labels), np.array(owners)


def still_clip(path: Path, num_frames: int) -> np.ndarray:
    """A film still as a clip the model sees: shrunk as the decoder shrinks frames, repeated over the clip, RGB."""
    image = cv2.imread(str(path))
    if image is None:
        raise ValueError(f"{path}: not a readable image")
    return image_clip(image, num_frames)


def image_clip(image: np.ndarray, num_frames: int) -> np.ndarray:
    """A BGR picture, shrunk as the decoder shrinks frames, repeated into a still clip, RGB."""
    scale = min(1.0, DECODE_SHORT_SIDE / min(image.shape[:2]))
    size = (max(2, round(image.shape[1] * scale / 2) * 2), max(2, round(image.shape[0] * scale / 2) * 2))
    image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)[:, :, ::-1]
    return np.repeat(image[None], num_frames, axis=0)


def still_features(classifier: ShotClassifier, labels_csv: Path, embed=None):
    """Features of every labelled still and its mirror image, with the label and the still's source."""
    with open(labels_csv, newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["scale"] in SCALE_LABELS]
    clips, labels, owners = [], [], []
    for row in rows:
        clip = still_clip(SHARED / "stills" / row["image"], classifier.num_frames)
        for mirrored in (False, True):
            clips.append(np.ascontiguousarray(clip[:, :, ::-1]) if mirrored else clip)
            labels.append(SCALE_LABELS.index(row["scale"]))
            owners.append(row["image"])
    return (embed or appearance_features)(classifier, clips), np.array(labels), np.array(owners)


def crop_features(classifier: ShotClassifier, labels_csv: Path, embed=None):
    """Features of every agreed crop window (a tight virtual framing of a real train frame) and its mirror image."""
    import av

    with open(labels_csv, newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["scale"] in SCALE_LABELS]
    clips, labels, owners = [], [], []
    by_source: dict[str, list[dict]] = {}
    for row in rows:
        by_source.setdefault(row["source"], []).append(row)
    for source, source_rows in by_source.items():
        wanted = {int(row["frame"]) for row in source_rows}
        with av.open(str(SHARED / "media" / "train" / source)) as container:
            frames = {index: frame.to_ndarray(format="bgr24") for index, frame in enumerate(container.decode(video=0)) if index in wanted}
        for row in source_rows:
            x, y, w, h = (int(row[key]) for key in ("x", "y", "w", "h"))
            clip = image_clip(frames[int(row["frame"])][y : y + h, x : x + w], classifier.num_frames)
            for mirrored in (False, True):
                clips.append(np.ascontiguousarray(clip[:, :, ::-1]) if mirrored else clip)
                labels.append(SCALE_LABELS.index(row["scale"]))
                owners.append(f"{source}:{row['frame']}:{x},{y},{w},{h}")
    return (embed or appearance_features)(classifier, clips), np.array(labels), np.array(owners)


def feature_sets(classifier: ShotClassifier, embed=None, only: str | None = None, stills_labels: Path = STILLS_LABELS, crop_labels: Path = CROP_LABELS):
    """(name, (features, labels, owners)) of each labelled set in turn: shots_train, shots_val, shots_dev, stills,
    crops (or only the shots, stills or crops), through `embed` (the model's appearance features by default)."""
    for role, shots in shot_sets().items() if only in (None, "shots") else ():
        train = role == "train"
        yield f"shots_{role}", shot_features(classifier, shots, TRAIN_CLIPS_PER_SHOT if train else 1, flips=train, embed=embed)
    if only in (None, "stills"):
        yield "stills", still_features(classifier, stills_labels, embed=embed)
    if only in (None, "crops"):
        yield "crops", crop_features(classifier, crop_labels, embed=embed)


def save_feature_sets(sets, out: Path) -> None:
    """Write each of `feature_sets`' sets to `out` as NAME.npz, as it comes."""
    out.mkdir(parents=True, exist_ok=True)
    for name, (features, labels, owners) in sets:
        np.savez(out / f"{name}.npz", features=features, labels=labels, owners=owners)
        print(f"{name}: {len(features)} clips (training shots and pictures with their mirror images)", flush=True)


def extract(args) -> None:
    classifier = ShotClassifier.from_pretrained(args.model)
    embed = shrunk(args.short_side) if args.short_side else None
    save_feature_sets(feature_sets(classifier, embed, args.only, args.stills_labels, args.crop_labels), args.out)


def load(folder: Path, name: str):
    data = np.load(folder / f"{name}.npz")
    return torch.from_numpy(data["features"]).float(), torch.from_numpy(data["labels"]).long(), data["owners"]


def class_balanced(labels: torch.Tensor, source_weights: torch.Tensor, classes: int = len(SCALE_LABELS)) -> torch.Tensor:
    """Each example's weight: its source's, scaled so that every class weighs the same in all."""
    counts = torch.bincount(labels, weights=source_weights, minlength=classes).clamp(min=1e-6)
    return source_weights * (counts.sum() / (classes * counts))[labels]


def fit_head(model, parts: list[tuple[torch.Tensor, torch.Tensor, float]], weight_decay: float, steps: int = 300) -> list[torch.Tensor]:
    """Full-batch L-BFGS on the scale head's linear layer over `parts`, (features, labels, source weight) each:
    class- and source-weighted cross-entropy plus an L2 pull towards the head it starts from (what the synthetic data
    taught stays unless real framing says otherwise). Returns that starting head."""
    head = model.scale_head.classifier
    start = [p.detach().clone() for p in head.parameters()]
    labels = torch.cat([part[1] for part in parts])
    weights = class_balanced(labels, torch.cat([torch.full((len(part[1]),), part[2]) for part in parts]))
    with torch.no_grad():
        normalised = model.appearance_norm.eval()(torch.cat([part[0] for part in parts]))

    def loss():
        losses = torch.nn.functional.cross_entropy(head(normalised), labels, reduction="none")
        loss = (losses * weights).sum() / weights.sum()
        return loss + weight_decay * sum(((p - p0) ** 2).sum() for p, p0 in zip(head.parameters(), start))

    minimise(list(head.parameters()), loss, steps)
    return start


def minimise(parameters: list[torch.Tensor], loss_of, steps: int = 300) -> None:
    """Full-batch L-BFGS with a strong-Wolfe line search on `loss_of()`: the heads here are convex and small, so this
    reaches the optimum that many epochs of SGD would only approach."""
    optimizer = torch.optim.LBFGS(parameters, max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = loss_of()
        loss.backward()
        return loss

    optimizer.step(closure)


@torch.no_grad()
def set_head(model, parameters: list[torch.Tensor]) -> None:
    for parameter, value in zip(model.scale_head.classifier.parameters(), parameters, strict=True):
        parameter.copy_(value)


@torch.no_grad()
def shot_answers(model, features) -> np.ndarray:
    """The scale class the model's head gives each clip's appearance features."""
    return model.scale_head(model.appearance_norm.eval()(features)).argmax(-1).numpy()


def held_out(owners: np.ndarray, share: float = 0.2) -> np.ndarray:
    """A fixed share of the examples (by a hash of each owner's name, mirror image alongside) kept out of fitting.
    Crop windows are held out one by one, so a held-out window may share its frame with a fitted one (`folds`)."""
    return np.array([int(hashlib.sha1(name.encode()).hexdigest(), 16) % 100 < share * 100 for name in owners])


def fit(args) -> None:
    from shot_model.models.shot_videomae import ShotVideoMAEForShotClassification

    shots_train = load(args.features, "shots_train")
    val = load(args.features, "shots_val")
    # Stills and crop windows: a fixed fifth of each is held out, to break ties between settings the 16 real
    # validation shots cannot tell apart.
    pictures, held_out_pictures = {}, {}
    for name in ("stills", "crops"):
        features, labels, owners = load(args.features, name)
        held = torch.from_numpy(held_out(owners))
        pictures[name] = (features[~held], labels[~held])
        held_out_pictures[name] = (features[held], labels[held])
    held_features = torch.cat([held_out_pictures[name][0] for name in held_out_pictures])
    held_labels = torch.cat([held_out_pictures[name][1] for name in held_out_pictures])
    results = []
    for still_weight, crop_weight, weight_decay in itertools.product(args.still_weights, args.crop_weights, args.weight_decays):
        model = ShotVideoMAEForShotClassification.from_pretrained(args.model).eval()
        parts = [(shots_train[0], shots_train[1], 1.0), (*pictures["stills"], still_weight), (*pictures["crops"], crop_weight)]
        start = fit_head(model, parts, weight_decay)
        fitted = [p.detach().clone() for p in model.scale_head.classifier.parameters()]
        for mix in args.mixes:
            head = [mix * new + (1 - mix) * old for old, new in zip(start, fitted)]
            set_head(model, head)
            shots = head_metrics(val[1].numpy(), shot_answers(model, val[0]), list(SCALE_LABELS))
            held = head_metrics(held_labels.numpy(), shot_answers(model, held_features), list(SCALE_LABELS))
            # Two real validation sources, weighed alike: 16 shots alone move in steps of 0.06, and the held-out
            # stills and crops (a fifth of each) are other framings of real pictures.
            score = ((shots["accuracy"] + held["accuracy"]) / 2, shots["accuracy"], shots["macro_f1"], held["macro_f1"])
            results.append((score, (still_weight, crop_weight, weight_decay, mix), head))
            print(f"stills x{still_weight:<4} crops x{crop_weight:<4} decay {weight_decay:<6} mix {mix:<4} validation shots "
                  f"{shots['accuracy']:.3f} / {shots['macro_f1']:.3f}  held-out pictures {held['accuracy']:.3f} / {held['macro_f1']:.3f}",
                  flush=True)
    score, (still_weight, crop_weight, weight_decay, mix), head = max(results, key=lambda result: result[0])
    print(f"chosen by validation: stills x{still_weight}, crops x{crop_weight}, decay {weight_decay}, mix {mix}")
    record = {"still_weight": still_weight, "crop_weight": crop_weight, "weight_decay": weight_decay, "mix": mix,
              "validation_shots_accuracy_macro_f1": score[1:3], "held_out_pictures_macro_f1": score[3]}
    best = ShotVideoMAEForShotClassification.from_pretrained(args.model).eval()
    set_head(best, head)
    best.config.eval_results = None  # the old head's figures; validate.py and publishing write the new ones
    best.config.training_data = f"{training_description(best.config.training_data)} {STAGE_4_DESCRIPTION}"
    best.save_pretrained(args.out)
    ShotClassifier.from_pretrained(args.model).video_processor.save_pretrained(args.out)
    (args.out / "scale_head_fit.json").write_text(json.dumps(record, indent=2))
    print(f"saved {args.out}")


def subject_of(owners: np.ndarray) -> dict[str, str]:
    """The labelled subject (person, object, scene, ...) of each still or crop window among `owners`; a crop window
    whose two labellers named different subjects has none."""
    subjects = {}
    with open(REPO / "data" / "stills_labels.csv", newline="") as handle:
        subjects.update({row["image"]: row["subject"] for row in csv.DictReader(handle)})
    with open(REPO / "data" / "crop_labels.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["subject_a"] == row["subject_b"]:
                subjects[f"{row['source']}:{row['frame']}:{row['x']},{row['y']},{row['w']},{row['h']}"] = row["subject_a"]
    return {name: subjects[name] for name in set(owners) if name in subjects}


def training_description(text: str | None) -> str:
    """The first paragraph of a model's training description: what it was trained on, without a published recipe."""
    first = (text or "").split("\n\n")[0]
    return first.split(" The scale head was then refitted")[0]


def subject_group(subject: str | None) -> str:
    """People, scenes, and things (objects, hands on them, animals, vehicles): LABELING.md frames each its own way.
    "unknown" where the labellers named different subjects."""
    if subject is None:
        return "unknown"
    return subject if subject in ("person", "scene") else "things"


def score(args) -> None:
    """Each model's scale answers on the validation shots and the held-out stills and crop windows, the pictures also
    by subject group; the dev set only with --dev (it is for the report, never for choosing)."""
    from shot_model.models.shot_videomae import ShotVideoMAEForShotClassification

    sets = {"validation shots": load(args.features, "shots_val")[:2]}
    if args.dev:
        sets["dev set"] = load(args.features, "shots_dev")[:2]
    for name in ("stills", "crops"):
        features, labels, owners = load(args.features, name)
        held = held_out(owners)
        subjects = subject_of(owners)
        groups = np.array([subject_group(subjects.get(owner)) for owner in owners])
        sets[f"held-out {name}"] = (features[torch.from_numpy(held)], labels[torch.from_numpy(held)])
        for group in ("person", "things", "scene"):
            keep = torch.from_numpy(held & (groups == group))
            sets[f"held-out {name}: {group}"] = (features[keep], labels[keep])
    for folder in args.models:
        model = ShotVideoMAEForShotClassification.from_pretrained(folder).eval()
        for name, (features, labels) in sets.items():
            figures = head_metrics(labels.numpy(), shot_answers(model, features), list(SCALE_LABELS))
            label = f"{Path(folder).parent.name}/{Path(folder).name}"
            print(f"{label:<40} {name:<26} {figures['accuracy']:.3f} / {figures['macro_f1']:.3f}  ({len(labels)})")


def clip_folds(args) -> None:
    """Crop windows of clips the fit never saw. The held-out fifth of `fit` is drawn window by window, so a held-out
    window may share its frame with a fitted one; here `fit`'s recipe with the chosen settings is refitted once per
    fold of the crops' source clips, without that fold's windows, and scored on them, by subject group."""
    from shot_model.models.shot_videomae import ShotVideoMAEForShotClassification

    shots_train = load(args.features, "shots_train")
    stills, still_labels, still_owners = load(args.features, "stills")
    kept_stills = torch.from_numpy(~held_out(still_owners))
    crops, crop_labels, crop_owners = load(args.features, "crops")
    clips = np.array([owner.split(":")[0] for owner in crop_owners])
    folds = np.array([int(hashlib.sha1(clip.encode()).hexdigest(), 16) % args.folds for clip in clips])
    subjects = subject_of(crop_owners)
    groups = np.array([subject_group(subjects.get(owner)) for owner in crop_owners])
    answers = {"start": np.zeros(len(crop_labels), int), "refit": np.zeros(len(crop_labels), int)}
    for fold in range(args.folds):
        model = ShotVideoMAEForShotClassification.from_pretrained(args.model).eval()
        out = torch.from_numpy(folds == fold)
        fitted_crops = out.logical_not() & torch.from_numpy(~held_out(crop_owners))
        parts = [(shots_train[0], shots_train[1], 1.0), (stills[kept_stills], still_labels[kept_stills], args.still_weight),
                 (crops[fitted_crops], crop_labels[fitted_crops], args.crop_weight)]  # fmt: skip
        answers["start"][out.numpy()] = shot_answers(model, crops[out])
        fit_head(model, parts, args.weight_decay)
        answers["refit"][out.numpy()] = shot_answers(model, crops[out])
    for group in ("all", "person", "things", "scene"):
        keep = np.ones(len(groups), bool) if group == "all" else groups == group
        figures = {name: head_metrics(crop_labels.numpy()[keep], given[keep], list(SCALE_LABELS)) for name, given in answers.items()}
        print(f"crop windows of unseen clips, {group:<6} ({keep.sum() // 2} windows of {len(set(clips[keep]))} clips, mirrored): "
              + "  ".join(f"{name} {f['accuracy']:.3f} / {f['macro_f1']:.3f}" for name, f in figures.items()))  # fmt: skip


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    features = commands.add_parser("features", help="extract appearance features of the labelled shots and stills")
    features.add_argument("--stills-labels", type=Path, default=STILLS_LABELS)
    features.add_argument("--out", type=Path, required=True)
    features.add_argument("--crop-labels", type=Path, default=CROP_LABELS)
    features.add_argument("--only", choices=["shots", "stills", "crops"], help="extract just one kind")
    features.add_argument("--short-side", type=int, help="shrink every clip to this short side first (low-resolution copies)")
    fitting = commands.add_parser("fit", help="fit the scale head, choosing settings on the real validation shots")
    fitting.add_argument("--features", type=Path, required=True)
    fitting.add_argument("--out", type=Path, required=True)
    fitting.add_argument("--still-weights", type=float, nargs="+", default=[0.1, 0.3, 1.0])
    fitting.add_argument("--crop-weights", type=float, nargs="+", default=[0.3, 1.0])
    fitting.add_argument("--weight-decays", type=float, nargs="+", default=[1e-3, 1e-2, 3e-2, 1e-1, 3e-1])
    fitting.add_argument(
        "--mixes", type=float, nargs="+", default=[1.0],
        help="the saved head is mix x the fitted one + (1 - mix) x the one it started from (weight-space ensembling, as "
        "WiSE-FT: keeps more of what the starting head does well); each is a candidate (default: 1.0, the fitted head)",
    )
    scoring = commands.add_parser("score", help="score models on the validation shots and held-out pictures, by subject")
    scoring.add_argument("--features", type=Path, required=True)
    scoring.add_argument("models", nargs="+", help="model folders")
    scoring.add_argument("--dev", action="store_true", help="also the dev set (for the report: never choose on it)")
    folding = commands.add_parser("folds", help="refit without each fold of the crops' clips and score the windows of the fold")
    folding.add_argument("--features", type=Path, required=True)
    folding.add_argument("--folds", type=int, default=5)
    folding.add_argument("--still-weight", type=float, default=1.0, help="default: the settings fit chose for v5")
    folding.add_argument("--crop-weight", type=float, default=0.3)
    folding.add_argument("--weight-decay", type=float, default=0.01)
    for command in (features, fitting, folding):
        command.add_argument("--model", default=str(REPO / "checkpoints" / "shot-videomae-starter"), help="the model whose scale head is refitted")
    args = parser.parse_args(argv)
    if args.command == "fit" and not all(0.0 <= mix <= 1.0 for mix in args.mixes):
        parser.error(f"--mixes must lie between 0 and 1, got {args.mixes}")
    {"features": extract, "fit": fit, "score": score, "folds": clip_folds}[args.command](args)


if __name__ == "__main__":
    main()
