"""What the CLI checks before torch loads: a broken model folder is named at once, and starting a command imports no torch."""

import shutil
import subprocess
import sys

import pytest
from media_factory import cut_video

from shot_model import ModelLoadError
from shot_model.loading import check_model_folder


@pytest.fixture
def model_copy(tiny_model_dir, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    return folder


def test_a_folder_with_missing_files_is_refused_without_loading_anything(model_copy):
    (model_copy / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match="has no weights"):
        check_model_folder(model_copy)


def test_the_analyze_command_reports_damaged_weights_and_fails(tmp_path, model_copy):
    weights = model_copy / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    path = tmp_path / "cuts.mp4"
    cut_video(path, lengths=(30, 30))
    run = [sys.executable, "-m", "shot_model.cli", "analyze", str(path), "--model", str(model_copy), "--out", str(tmp_path / "out"), "--quiet"]
    result = subprocess.run(run, capture_output=True, text=True)
    assert result.returncode == 1
    assert "are damaged" in result.stderr and "Traceback" not in result.stderr


def test_starting_a_command_imports_no_torch():
    code = (
        "import sys; from shot_model.cli import analyze, classify, batch, prepare; from shot_model import pipeline, loading; "
        "from shot_model.output import exports, files, shot_clips; print('torch' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_the_folder_check_knows_the_model_type_the_config_class_writes():
    from shot_model import ShotVideoMAEConfig
    from shot_model.loading import MODEL_TYPE

    assert MODEL_TYPE == ShotVideoMAEConfig.model_type
