"""Fine-tune and evaluate the shot classifier with 🤗 Accelerate.

    accelerate launch train.py --config configs/debug.yaml                 # train (1 CPU, GPUs, multi-GPU alike)
    accelerate launch train.py --config configs/debug.yaml --resume         # continue from the last saved state
    python train.py --config configs/debug.yaml --eval-only --checkpoint runs/debug/model

Hyper-parameters live in `configs/*.yaml`; hardware (processes, GPUs, DeepSpeed/FSDP) in accelerate's own config.
"""

import argparse
import json
import math
import shutil
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import torch
import yaml
from accelerate.utils import DataLoaderConfiguration, set_seed
from datasets import DatasetDict, load_from_disk
from transformers import AutoVideoProcessor, get_scheduler

from shot_model import ShotVideoMAEConfig, ShotVideoMAEForShotClassification, video_processor_for
from shot_model.data.dataset import ClipAugmentation, ShotClipDataset
from shot_model.data.shot_table import MISSING_LABEL, DataFormatError, read_shot_csv, split_by_video
from shot_model.evaluation.metrics import head_metrics, plot_confusion
from shot_model.models.shot_videomae.configuration_shot_videomae import MOVEMENT_LABELS, SCALE_LABELS
from shot_model.training.accelerator import make_accelerator
from shot_model.training.config import ConfigError, read_run_config

HEADS = ("scale", "movement")


class TrainingError(RuntimeError):
    """Training cannot go on; the message says why and what to do."""


class TrainingProgress:
    """What resuming needs besides weights and optimizer: where we are and the best validation score so far."""

    def __init__(self):
        self.step, self.epoch, self.batch_in_epoch, self.best_score = 0, 0, 0, -1.0

    def state_dict(self) -> dict:
        return dict(vars(self))

    def load_state_dict(self, state: dict) -> None:
        vars(self).update(state)


def load_config(path: Path) -> dict:
    config = read_run_config(path)
    for section in ("model", "data", "training", "output"):
        if section not in config:
            raise TrainingError(f"{path}: missing the `{section}:` section (see configs/debug.yaml for a complete example)")
    return config


def load_shot_tables(data: dict) -> DatasetDict:
    """The train/val/test shot tables from a prepared DatasetDict folder or straight from a labelled CSV."""
    source = Path(data["source"])
    if source.suffix.lower() == ".csv":
        rows = read_shot_csv(source, SCALE_LABELS, MOVEMENT_LABELS)
        return split_by_video(rows, data.get("val_fraction", 0.1), data.get("test_fraction", 0.1), data.get("seed", 0))
    if not (source / "dataset_dict.json").is_file():
        raise TrainingError(f"{source}: not a prepared dataset (no dataset_dict.json) nor a .csv; run `shot-model prepare` first")
    return load_from_disk(str(source))


# Settings of the extra streams, which a config may add to a saved model.
STREAM_KEYS = ("appearance_stream", "appearance_size", "appearance_frames", "camera_motion_stream")


def build_model(model: dict, train_table) -> ShotVideoMAEForShotClassification:
    """A new model from sizes, a pretrained backbone with new heads, or a saved shot model to fine-tune further."""
    heads = {"active_heads": model.get("active_heads", "both"), "head_dropout": model.get("head_dropout", 0.1)}
    heads.update(class_weights(model.get("class_weights"), train_table))
    streams = {key: model[key] for key in STREAM_KEYS if model.get(key) is not None}  # null: as if unset
    if model.get("checkpoint"):
        saved = ShotVideoMAEConfig.from_pretrained(model["checkpoint"])
        loaded = ShotVideoMAEForShotClassification.from_pretrained(model["checkpoint"], use_safetensors=True, **heads, **streams)
        if loaded.config.appearance_stream and not saved.appearance_stream:
            loaded.load_appearance_weights()  # a stream added to a saved model starts from ImageNet's weights
        return loaded
    if model.get("backbone"):
        return ShotVideoMAEForShotClassification.from_backbone(model["backbone"], **heads, **streams)
    # frame_differences is read beside the sizes or among them, as users put it.
    settings = {"frame_differences": model.get("frame_differences") or False, **streams, **(model.get("size") or {})}
    new_model = ShotVideoMAEForShotClassification(ShotVideoMAEConfig(**settings, **heads))
    if new_model.config.appearance_stream:
        new_model.load_appearance_weights()  # ImageNet's; the rest starts from scratch
    return new_model


def class_weights(setting, train_table) -> dict:
    """`balanced` weighs each class by inverse frequency in the training split; a dict sets each head apart, to a
    list of weights or to `balanced`."""
    if not setting:
        return {}
    per_head = setting if isinstance(setting, dict) else {head: setting for head in HEADS}
    weights = {}
    for head, names in (("scale", SCALE_LABELS), ("movement", MOVEMENT_LABELS)):
        chosen = per_head.get(head)
        if chosen is None:
            continue
        if isinstance(chosen, list):
            weights[f"{head}_class_weights"] = chosen
            continue
        if chosen != "balanced":
            raise TrainingError(f"model.class_weights must be null, 'balanced' or a dict of lists or 'balanced' per head, got {setting!r}")
        counts = Counter(label for label in train_table[head] if label != MISSING_LABEL)
        total = sum(counts.values())
        # Classes absent from training keep weight 1: there is nothing to rebalance them against.
        weights[f"{head}_class_weights"] = [total / (len(counts) * counts[i]) if counts[i] else 1.0 for i in range(len(names))]
    return weights


def parameter_groups(model, weight_decay: float, learning_rate: float, layer_decay: float | None) -> list[dict]:
    """AdamW groups: no decay on biases and norms; with `layer_decay`, deeper layers learn faster (BEiT-style)."""
    num_layers = model.config.num_hidden_layers + 1
    groups = {}
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        if name.startswith("videomae.embeddings"):
            depth = 0
        elif name.startswith("videomae.encoder.layer."):
            depth = int(name.split(".")[3]) + 1
        else:
            depth = num_layers
        scale = layer_decay ** (num_layers - depth) if layer_decay else 1.0
        decay = 0.0 if parameter.ndim == 1 or name.endswith(".bias") else weight_decay
        group = groups.setdefault((scale, decay), {"params": [], "lr": learning_rate * scale, "weight_decay": decay})
        group["params"].append(parameter)
    return list(groups.values())


def freeze(model, names: list[str]) -> None:
    """Stop the named parts (`videomae`, `fc_norm`, `scale_head`, `movement_head`, or deeper ones such as
    `videomae.encoder.layer.0`) from training: a new head can then learn on a trained backbone without changing
    what the backbone and the other head already do. The shared path is `videomae` and `fc_norm` (the pooled
    features' norm): freeze both to keep a head's answers."""
    for name in names:
        try:
            part = model.get_submodule(name)
        except AttributeError:
            part = None
        if part is None:  # an inactive head is None
            parts = ", ".join(child for child, _ in model.named_children())
            raise TrainingError(f"training.frozen: the model has no part {name!r}; its parts are {parts}")
        part.requires_grad_(False)


def train_mode(model) -> None:
    """`model.train()`, except for batch norms whose parameters are frozen: their running statistics are part of
    what a frozen head answers with, and training batches (other data, other augmentation) would shift them."""
    model.train()
    for module in model.modules():
        parameters = list(module.parameters(recurse=False))
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm) and parameters and not any(p.requires_grad for p in parameters):
            module.eval()


def active_heads(config) -> list[str]:
    return [head for head, active in (("scale", config.has_scale_head), ("movement", config.has_movement_head)) if active]


def inputs_for(batch: dict, heads: list[str]) -> dict:
    """The batch as the model takes it: a single-head model trains on data labelled for both heads too."""
    return {"pixel_values": batch["pixel_values"], **{f"{head}_labels": batch[f"{head}_labels"] for head in heads}}


def build_optimizer(training: dict, groups: list[dict]) -> torch.optim.Optimizer:
    """AdamW (the default, as VideoMAE fine-tuning uses) or SGD with momentum, from `training.optimizer`."""
    name = training.get("optimizer", "adamw")
    if name == "adamw":
        return torch.optim.AdamW(groups, lr=training["learning_rate"], betas=tuple(training.get("betas", (0.9, 0.999))))
    if name == "sgd":
        return torch.optim.SGD(groups, lr=training["learning_rate"], momentum=training.get("momentum", 0.9), nesterov=True)
    raise TrainingError(f"training.optimizer must be adamw or sgd, got {name!r}")


def make_loader(table, video_processor, config: dict, train: bool, seed: int, clips_per_shot: int = 1) -> torch.utils.data.DataLoader:
    data, model_size = config["data"], config["model"].get("size", {})
    # A setting a variant took back out with null keeps ClipAugmentation's default.
    settings = {key: value for key, value in (config.get("augmentation") or {}).items() if value is not None}
    augmentation = ClipAugmentation(**settings) if train and settings else None
    dataset = ShotClipDataset(
        table,
        video_processor,
        num_frames=video_processor.num_frames or model_size.get("num_frames", 8),
        decode_short_side=data.get("decode_short_side", 144),
        augmentation=augmentation,
        seed=seed,
        clips_per_shot=clips_per_shot,
    )
    sampler = None
    if train and data.get("balanced_sampling"):
        sampler = balanced_sampler(table, seed)
    workers = data.get("num_workers", 0)
    return torch.utils.data.DataLoader(
        dataset,
        batch_size=config["training"]["batch_size"],
        shuffle=train and sampler is None,
        sampler=sampler,
        num_workers=workers,
        persistent_workers=workers > 0,
        drop_last=train,
        generator=torch.Generator().manual_seed(seed),
    )


def balanced_sampler(table, seed: int) -> torch.utils.data.WeightedRandomSampler:
    """Draw shots so rare movement classes (Push, Pull) come up as often as common ones."""
    movements = np.array(table["movement"])
    counts = Counter(movements.tolist())
    weights = [1.0 / counts[m] for m in movements]
    return torch.utils.data.WeightedRandomSampler(weights, num_samples=len(weights), generator=torch.Generator().manual_seed(seed))


@torch.no_grad()
def evaluate(model, loader, accelerator) -> dict:
    """Accuracy, macro-F1, per-class figures and confusion matrices for each active head, over all processes."""
    model.eval()
    collected = {head: ([], []) for head in HEADS}
    for batch in loader:
        pixel_values = batch["pixel_values"]
        clips = pixel_values.shape[1] if pixel_values.ndim == 6 else 1
        # Several clips per shot arrive as (batch, clips, frames, ...): classify them all, average their softmax.
        output = model(pixel_values.flatten(0, 1) if clips > 1 else pixel_values)
        for head in HEADS:
            logits = getattr(output, f"{head}_logits")
            if logits is None:
                continue
            probabilities = logits.softmax(-1).view(-1, clips, logits.shape[-1]).mean(1)
            predictions, labels = accelerator.gather_for_metrics((probabilities.argmax(-1), batch[f"{head}_labels"]))
            collected[head][0].append(labels.cpu())
            collected[head][1].append(predictions.cpu())
    train_mode(model)
    unwrapped = accelerator.unwrap_model(model)
    names = {"scale": unwrapped.config.scale_labels, "movement": unwrapped.config.movement_labels}
    return {
        head: head_metrics(torch.cat(labels).numpy(), torch.cat(predictions).numpy(), names[head])
        for head, (labels, predictions) in collected.items()
        if labels
    }


def validation_score(metrics: dict) -> float:
    """The number best-checkpoint selection maximises: the mean macro-F1 of the heads that have labels."""
    scores = [head["macro_f1"] for head in metrics.values() if head["count"]]
    return float(np.mean(scores)) if scores else 0.0


def summary_figures(metrics: dict, split: str) -> dict:
    return {f"{split}/{head}_{name}": figures[name] for head, figures in metrics.items() for name in ("accuracy", "macro_f1")}


def write_report(metrics: dict, out_dir: Path, title: str) -> Path:
    """`report.json` with every figure, and one confusion-matrix PNG per head."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for head, figures in metrics.items():
        plot_confusion(figures, f"{title}: {head}", out_dir / f"confusion_{head}.png")
    path = out_dir / "report.json"
    path.write_text(json.dumps(metrics, indent=2))
    return path


def latest_state(checkpoints: Path) -> Path | None:
    states = sorted((p for p in checkpoints.glob("step_*") if p.name.split("_")[1].isdigit()), key=lambda p: int(p.name.split("_")[1]))
    return states[-1] if states else None


def save_state(accelerator, checkpoints: Path, step: int) -> None:
    """accelerate's save_state into a temporary folder, renamed when complete: a kill mid-save never leaves a
    state that looks whole but is not."""
    final = checkpoints / f"step_{step}"
    partial = checkpoints / f"step_{step}.partial"
    accelerator.save_state(str(partial))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        if final.exists():  # left by an earlier run that got past this step before it was stopped
            shutil.rmtree(final)
        partial.rename(final)
    accelerator.wait_for_everyone()


def train(config: dict, args) -> None:
    training, output = config["training"], config["output"]
    out_dir = Path(output["dir"])
    accelerator = make_accelerator(
        gradient_accumulation_steps=training.get("gradient_accumulation_steps", 1),
        mixed_precision=training.get("mixed_precision"),
        log_with=output.get("tracker"),
        project_dir=str(out_dir),
        # The shuffle order becomes a function of (seed, epoch), so a resumed run sees the batches it would have.
        dataloader_config=DataLoaderConfiguration(use_seedable_sampler=True),
    )
    seed = training.get("seed", 0)
    set_seed(seed)
    accelerator.print(f"Training on {accelerator.num_processes} process(es), device {accelerator.device}")

    tables = load_shot_tables(config["data"])
    model = build_model(config["model"], tables["train"])
    freeze(model, training.get("frozen") or [])
    video_processor = video_processor_for(model.config)
    train_loader = make_loader(tables["train"], video_processor, config, train=True, seed=seed)
    val_split = "val" if len(tables.get("val", [])) else None
    val_loader = make_loader(tables[val_split], video_processor, config, train=False, seed=seed) if val_split else None

    optimizer = build_optimizer(training, parameter_groups(model, training.get("weight_decay", 0.05), training["learning_rate"], training.get("layer_decay")))
    updates_per_epoch = math.ceil(len(train_loader) / training.get("gradient_accumulation_steps", 1))
    total_updates = training.get("max_steps") or updates_per_epoch * training["epochs"]
    # Accelerate steps a prepared scheduler once per process at every update, so count in those steps.
    scheduler_steps = total_updates * accelerator.num_processes
    scheduler = get_scheduler(
        training.get("lr_schedule", "cosine"),
        optimizer,
        num_warmup_steps=int(training.get("warmup_ratio", 0.1) * scheduler_steps),
        num_training_steps=scheduler_steps,
    )
    model, optimizer, train_loader, scheduler = accelerator.prepare(model, optimizer, train_loader, scheduler)
    if val_loader is not None:
        val_loader = accelerator.prepare(val_loader)
    progress = TrainingProgress()
    accelerator.register_for_checkpointing(progress)

    checkpoints = out_dir / "checkpoints"
    if args.resume:
        state = latest_state(checkpoints) if args.resume is True else Path(args.resume)
        if state is None:
            raise TrainingError(f"--resume: no saved state under {checkpoints}; start without --resume")
        accelerator.load_state(str(state))
        accelerator.print(f"Resumed from {state} at step {progress.step} (epoch {progress.epoch}, batch {progress.batch_in_epoch})")
    if output.get("tracker"):
        accelerator.init_trackers(out_dir.name, config={"learning_rate": training["learning_rate"], "batch_size": training["batch_size"]})

    heads = active_heads(accelerator.unwrap_model(model).config)
    train_mode(model)
    while progress.step < total_updates:
        train_loader.dataset.set_epoch(progress.epoch)
        if hasattr(train_loader, "set_epoch"):
            train_loader.set_epoch(progress.epoch)
        batches = accelerator.skip_first_batches(train_loader, progress.batch_in_epoch) if progress.batch_in_epoch else train_loader
        for batch in batches:
            with accelerator.accumulate(model):
                loss = model(**inputs_for(batch, heads)).loss
                if not torch.isfinite(loss):
                    raise TrainingError(
                        f"The loss became {loss.item()} at step {progress.step}: lower training.learning_rate or check the "
                        f"labels; the last good state is {latest_state(checkpoints) or 'not saved yet'}"
                    )
                accelerator.backward(loss)
                if accelerator.sync_gradients and training.get("max_grad_norm"):
                    accelerator.clip_grad_norm_(model.parameters(), training["max_grad_norm"])
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
            progress.batch_in_epoch += 1
            if not accelerator.sync_gradients:
                continue
            progress.step += 1
            if progress.step % output.get("log_every_steps", 10) == 0 or progress.step == 1:
                figures = {"train/loss": loss.item(), "train/lr": scheduler.get_last_lr()[0]}
                accelerator.log(figures, step=progress.step)
                accelerator.print(f"step {progress.step}/{total_updates} loss {loss.item():.4f} lr {figures['train/lr']:.2e}")
            if val_loader is not None and progress.step % output.get("eval_every_steps", updates_per_epoch) == 0:
                evaluate_and_keep_best(model, val_loader, accelerator, progress, out_dir, video_processor, config)
            if progress.step % output.get("checkpoint_every_steps", updates_per_epoch) == 0:
                save_state(accelerator, checkpoints, progress.step)
            if progress.step >= total_updates:
                break
        else:
            progress.epoch, progress.batch_in_epoch = progress.epoch + 1, 0

    # The last step is saved and evaluated here unless the loop just did it.
    if progress.step % output.get("checkpoint_every_steps", updates_per_epoch):
        save_state(accelerator, checkpoints, progress.step)
    if val_loader is not None:
        if progress.step % output.get("eval_every_steps", updates_per_epoch):
            evaluate_and_keep_best(model, val_loader, accelerator, progress, out_dir, video_processor, config)
    else:
        save_model(accelerator, model, video_processor, out_dir / "model", {}, config)
    if accelerator.is_main_process:
        final = ShotVideoMAEForShotClassification.from_pretrained(out_dir / "model")
        accelerator.print(f"Saved the best model (validation score {progress.best_score:.3f}) to {out_dir / 'model'}")
        repo_id = args.push_to_hub or output.get("push_to_hub")
        if repo_id:
            url = final.push_to_hub(repo_id, video_processor=video_processor)
            accelerator.print(f"Pushed to {url}")
    accelerator.end_training()


def evaluate_and_keep_best(model, val_loader, accelerator, progress, out_dir: Path, video_processor, config: dict) -> None:
    metrics = evaluate(model, val_loader, accelerator)
    score = validation_score(metrics)
    accelerator.log({**summary_figures(metrics, "val"), "val/score": score}, step=progress.step)
    accelerator.print(f"step {progress.step}: validation score {score:.3f} " + json.dumps(summary_figures(metrics, "val")))
    if score > progress.best_score:
        progress.best_score = score
        save_model(accelerator, model, video_processor, out_dir / "model", {"val": summary_figures(metrics, "val") | {"step": progress.step}}, config)
        if accelerator.is_main_process:
            write_report(metrics, out_dir / "model" / "val_report", "validation")


def save_model(accelerator, model, video_processor, folder: Path, eval_results: dict, config: dict | None) -> None:
    """The model as `save_pretrained` writes it, with its processor, and its metrics in the card."""
    accelerator.wait_for_everyone()
    unwrapped = accelerator.unwrap_model(model)
    if config is not None and config["data"].get("description"):
        unwrapped.config.training_data = config["data"]["description"]
    if eval_results:
        unwrapped.config.eval_results = {split: {k.split("/", 1)[-1]: v for k, v in figures.items()} for split, figures in eval_results.items()}
    unwrapped.save_pretrained(folder, is_main_process=accelerator.is_main_process, save_function=accelerator.save)
    if accelerator.is_main_process:
        video_processor.save_pretrained(folder)
        if config is not None:  # the resolved settings (bases merged in), so the run can be repeated from this file
            (folder / "training_config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def evaluate_checkpoint(config: dict, args) -> None:
    """Evaluate a saved model on the test split (else validation) and write the report beside the run's output."""
    accelerator = make_accelerator()
    model = ShotVideoMAEForShotClassification.from_pretrained(args.checkpoint, use_safetensors=True)
    video_processor = AutoVideoProcessor.from_pretrained(args.checkpoint)
    data = {**config["data"], "source": str(args.data)} if args.data else config["data"]
    tables = load_shot_tables(data)
    split = args.split or ("test" if len(tables.get("test", [])) else "val")
    loader = make_loader(tables[split], video_processor, config, train=False, seed=0, clips_per_shot=args.clips_per_shot)
    model, loader = accelerator.prepare(model, loader)
    metrics = evaluate(model, loader, accelerator)
    if accelerator.is_main_process:
        out_dir = Path(args.report_dir or Path(config["output"]["dir"]) / f"eval_{split}")
        path = write_report(metrics, out_dir, f"{Path(args.checkpoint).name} on {split}")
        print(json.dumps(summary_figures(metrics, split), indent=2))
        print(f"Report: {path}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Fine-tune or evaluate the shot classifier with Accelerate.")
    parser.add_argument("--config", type=Path, required=True, help="a YAML file in configs/")
    parser.add_argument("--resume", nargs="?", const=True, default=None, help="continue from the latest saved state (or from PATH)")
    parser.add_argument("--push-to-hub", metavar="REPO_ID", help="upload the final model to this Hub repository (overrides output.push_to_hub)")
    parser.add_argument("--eval-only", action="store_true", help="evaluate --checkpoint instead of training")
    parser.add_argument("--checkpoint", type=Path, help="with --eval-only: the saved model folder to evaluate")
    parser.add_argument("--split", choices=["train", "val", "test"], help="with --eval-only: the split (default: test, else val)")
    parser.add_argument("--report-dir", type=Path, help="with --eval-only: where to write the report")
    parser.add_argument("--data", type=Path, help="with --eval-only: evaluate on this prepared dataset or labelled CSV instead")
    parser.add_argument("--clips-per-shot", type=int, default=1, help="with --eval-only: clips per shot, softmax averaged")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        if args.eval_only:
            if not args.checkpoint:
                parser.error("--eval-only needs --checkpoint PATH")
            evaluate_checkpoint(config, args)
        else:
            train(config, args)
    except (TrainingError, DataFormatError, ConfigError) as error:
        print(f"train.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
