"""The model loads on another thread while the first video decodes: same answers, and its errors still reach the user."""

import shutil
import subprocess
import sys

import pytest
from media_factory import cut_video

from shot_model import AnalysisSettings, ModelLoadError, analyze_video
from shot_model.loading import BackgroundClassifier, load_classifier


@pytest.fixture
def model_copy(tiny_model_dir, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    return folder


def test_an_analysis_with_the_model_still_loading_gives_the_same_results(tmp_path, tiny_model_dir, tiny_classifier):
    path = tmp_path / "cuts.mp4"
    cut_video(path, lengths=(30, 30, 30), moves=["static", "pan", "push"])
    loading = load_classifier(tiny_model_dir)
    assert isinstance(loading, BackgroundClassifier) and loading.num_frames == 4
    settings = AnalysisSettings(batch_size=2)
    assert analyze_video(path, loading, settings).shots == analyze_video(path, tiny_classifier, settings).shots


def test_damaged_weights_found_while_loading_stop_the_analysis_with_their_message(tmp_path, model_copy):
    weights = model_copy / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    path = tmp_path / "cuts.mp4"
    cut_video(path, lengths=(30, 30))
    with pytest.raises(ModelLoadError, match="are damaged"):
        analyze_video(path, load_classifier(model_copy))


def test_a_folder_with_missing_files_is_refused_before_anything_loads(model_copy):
    (model_copy / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match="has no weights"):
        load_classifier(model_copy)


def test_the_analyze_command_reports_damaged_weights_and_fails(tmp_path, model_copy):
    weights = model_copy / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    path = tmp_path / "cuts.mp4"
    cut_video(path, lengths=(30, 30))
    run = [sys.executable, "-m", "shot_model.cli", "analyze", str(path), "--model", str(model_copy), "--out", str(tmp_path / "out"), "--quiet"]
    result = subprocess.run(run, capture_output=True, text=True)
    assert result.returncode == 1
    assert "are damaged" in result.stderr and "Traceback" not in result.stderr
    assert not list((tmp_path / "out").glob("*INCOMPLETE*"))


def test_starting_the_analyze_command_imports_no_torch():
    code = (
        "import sys; from shot_model.cli import analyze; from shot_model import pipeline, loading; "
        "from shot_model.output import exports, files, shot_clips; print('torch' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_the_folder_check_knows_the_model_type_the_config_class_writes():
    from shot_model import ShotVideoMAEConfig
    from shot_model.loading import MODEL_TYPE

    assert MODEL_TYPE == ShotVideoMAEConfig.model_type
