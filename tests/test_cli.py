"""The `shot-model` command as a user runs it: outputs, JSON lines, exit codes, one line per failed file."""

import json
import subprocess
import sys

from media_factory import cut_video

from shot_model.cli import main
from shot_model.shots import SplitSettings


def test_analyze_writes_every_format_and_reports_failures(tmp_path, tiny_model_dir, capsys):
    good = tmp_path / "good.mp4"
    cut_video(good, lengths=(30, 30))
    broken = tmp_path / "broken.mp4"
    broken.write_text("not a video")
    out = tmp_path / "out"

    code = main(["analyze", str(good), str(broken), str(tmp_path / "missing.mp4"), "--out", str(out),
                 "--model", str(tiny_model_dir), "--format", "json,csv,edl,contact-sheet", "--quiet"])

    assert code == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert errors == [
        f"shot-model: {broken}: not a readable video (Invalid data found when processing input); is it a video file, and complete?",
        f"shot-model: {tmp_path / 'missing.mp4'}: no such file",
    ]
    assert sorted(path.name for path in out.iterdir()) == [
        "good.contact.png", "good.shots.csv", "good.shots.edl", "good.shots.json"
    ]
    assert len(json.loads((out / "good.shots.json").read_text())["shots"]) == 2


def test_analyze_succeeds_with_exit_code_zero(tmp_path, tiny_model_dir):
    video = tmp_path / "v.mp4"
    cut_video(video, lengths=(30,))
    assert main(["analyze", str(video), "--out", str(tmp_path / "o"), "--model", str(tiny_model_dir), "--quiet"]) == 0


def test_classify_prints_one_json_line_per_clip(tmp_path, tiny_model_dir, capsys):
    clips = []
    for index in range(2):
        clips.append(tmp_path / f"clip{index}.mp4")
        cut_video(clips[-1], lengths=(20, 20))  # a cut inside is ignored: each file is one shot
    assert main(["classify", *map(str, clips), "--model", str(tiny_model_dir), "--quiet"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["file"] for line in lines] == [str(clip) for clip in clips]
    for line in lines:
        assert set(line) == {"file", "scale", "scale_probs", "movement", "movement_probs"}
        assert line["scale"] in line["scale_probs"] and abs(sum(line["movement_probs"].values()) - 1) < 1e-3


def test_unknown_format_and_missing_model_are_clear(tmp_path, capsys):
    video = tmp_path / "v.mp4"
    cut_video(video, lengths=(10,))
    code = main(["analyze", str(video), "--model", str(tmp_path / "nowhere"), "--quiet"])
    assert code == 1
    assert "is neither a local folder nor in the Hugging Face cache" in capsys.readouterr().err
    result = subprocess.run([sys.executable, "-m", "shot_model.cli", "analyze", str(video), "--format", "gif"], capture_output=True, text=True)
    assert result.returncode == 2 and "unknown format 'gif'" in result.stderr


def test_the_shipped_starter_checkpoint_is_the_default(tmp_path, capsys):
    from shot_model.classifier import DEFAULT_MODEL

    video = tmp_path / "v.mp4"
    cut_video(video, lengths=(30, 30))
    assert main(["classify", str(video), "--quiet"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["scale"] in ("ECS", "CS", "MS", "FS", "LS") and line["movement"] in ("Static", "Motion", "Push", "Pull")
    card = (DEFAULT_MODEL / "README.md").read_text()
    assert "## Evaluation" in card and "dev set" in card, "the card reports the dev-set figures"
    assert (DEFAULT_MODEL / "model.safetensors").stat().st_size < 30 * 2**20


def test_analyze_can_cut_every_shot_into_its_own_clip(tmp_path, tiny_model_dir):
    from shot_model.video import probe_video

    video = tmp_path / "v.mp4"
    cut_video(video, lengths=(30, 45))
    assert main(["analyze", str(video), "--out", str(tmp_path / "o"), "--clips", "--model", str(tiny_model_dir), "--quiet"]) == 0
    clips = sorted((tmp_path / "o" / "v-shots").glob("*.mp4"))
    assert [clip.name for clip in clips] == ["v-shot-0000.mp4", "v-shot-0001.mp4"]
    assert [probe_video(clip).num_frames for clip in clips] == [30, 45]


def test_split_options_reach_the_settings_the_library_takes():
    from shot_model.cli import build_parser
    from shot_model.cli.options import analysis_settings

    default = analysis_settings(build_parser().parse_args(["analyze", "clip.mp4"])).split
    assert default == SplitSettings() and default.long_dissolves
    chosen = analysis_settings(build_parser().parse_args(["analyze", "clip.mp4", "--no-long-dissolves", "--no-jump-cuts", "--min-shot-seconds", "0.3"])).split
    assert not chosen.long_dissolves and not chosen.jump_cuts and chosen.min_shot_seconds == 0.3
