"""Fixtures shared by the test suite: tiny model configs and the real footage beside the checkout."""

import subprocess
import sys
from pathlib import Path

import pytest

from shot_model import ShotVideoMAEConfig

REPO = Path(__file__).resolve().parents[1]
SHARED_MEDIA = REPO.parent / "shared" / "media"
TRAIN_MEDIA = SHARED_MEDIA / "train"


def tiny_config(**overrides) -> ShotVideoMAEConfig:
    """A model small enough to build and run in milliseconds: 4 frames of 32x32, one layer of width 32."""
    settings = dict(
        image_size=32,
        patch_size=16,
        num_frames=4,
        tubelet_size=2,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        head_dropout=0.0,
    )
    settings.update(overrides)
    return ShotVideoMAEConfig(**settings)


@pytest.fixture
def train_media() -> Path:
    if not TRAIN_MEDIA.is_dir():
        pytest.skip(f"needs the real footage of ../shared/media/train beside the checkout; {TRAIN_MEDIA} is not there")
    return TRAIN_MEDIA


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A saved random model with its processor: the pipeline's plumbing, not its accuracy, is under test."""
    import torch

    from shot_model import ShotVideoMAEForShotClassification, video_processor_for

    folder = tmp_path_factory.mktemp("tiny-model")
    torch.manual_seed(0)
    model = ShotVideoMAEForShotClassification(tiny_config(image_size=64, num_frames=4))
    model.save_pretrained(folder)
    video_processor_for(model.config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_classifier(tiny_model_dir):
    from shot_model import ShotClassifier

    return ShotClassifier.from_pretrained(tiny_model_dir)


def accelerate_launch(*args: str, processes: int = 1) -> subprocess.CompletedProcess:
    """Run `accelerate launch` as an engineer would. Several processes on a CPU-only machine go through torchrun
    (`--multi_gpu` is accelerate's name for it; with no GPU each process runs on the CPU and they talk over gloo):
    `--cpu` alone starts a single process unless MPI is set up."""
    hardware = ["--multi_gpu", "--num_processes", str(processes)] if processes > 1 else ["--cpu", "--num_processes", "1"]
    command = [sys.executable, "-m", "accelerate.commands.launch", *hardware, "--num_machines", "1", "--mixed_precision", "no",
               "--dynamo_backend", "no", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO)
