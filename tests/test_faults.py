"""Faults around an analysis: the video changing under it, unwritable or full disks, and runs that stop
part-way. Nothing is lost, and nothing half-written looks complete."""

import errno
import json
import os

from media_factory import cut_video

from shot_model import AnalysisSettings, analyze_video
from shot_model.cli import main
from shot_model.output import files as output_files


def test_video_truncated_while_being_read_gives_results_for_what_is_there_marked_incomplete(tmp_path, tiny_classifier):
    video = tmp_path / "shrinking.mp4"
    cut_video(video, lengths=(60,) * 10)

    def truncate_after_first_shot(prediction):
        if prediction.shot.index == 0:
            with open(video, "r+b") as file:
                file.truncate(os.path.getsize(video) // 3)

    analysis = analyze_video(video, tiny_classifier, AnalysisSettings(batch_size=1), on_shot=truncate_after_first_shot)
    assert not analysis.complete and 1 <= len(analysis.shots) < 10
    assert any("the file is truncated: only" in warning and "of the 600 frames" in warning for warning in analysis.warnings)


def test_video_deleted_while_being_read_is_still_analysed_whole(tmp_path, tiny_classifier):
    # On Linux and macOS an open file outlives its name: the analysis already holds the data and finishes.
    video = tmp_path / "deleted.mp4"
    cut_video(video, lengths=(60,) * 5)
    analysis = analyze_video(video, tiny_classifier, AnalysisSettings(batch_size=1), on_shot=lambda p: video.unlink(missing_ok=True))
    assert len(analysis.shots) == 5 and analysis.shots[-1].shot.end_frame == 300


def test_output_folder_that_cannot_be_created(tmp_path, tiny_model_dir, capsys):
    video = tmp_path / "v.mp4"
    cut_video(video, lengths=(30,))
    blocker = tmp_path / "results"
    blocker.write_text("a file where the output folder should be")
    assert main(["analyze", str(video), "--out", str(blocker / "inside"), "--model", str(tiny_model_dir), "--quiet"]) == 1
    error = capsys.readouterr().err
    assert f"shot-model: {video}: " in error and str(blocker) in error


def test_disk_full_leaves_no_file_that_looks_complete(tmp_path, tiny_model_dir, capsys, monkeypatch):
    video = tmp_path / "v.mp4"
    cut_video(video, lengths=(30, 30))
    out = tmp_path / "out"
    real_fdopen = os.fdopen

    def full_disk(handle, *args, **kwargs):
        file = real_fdopen(handle, *args, **kwargs)

        class Full:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                file.close()

            def write(self, data):
                raise OSError(errno.ENOSPC, "No space left on device")

        return Full()

    monkeypatch.setattr(output_files.os, "fdopen", full_disk)
    assert main(["analyze", str(video), "--out", str(out), "--model", str(tiny_model_dir), "--quiet"]) == 1
    assert "No space left on device" in capsys.readouterr().err
    left = sorted(path.name for path in out.iterdir())
    assert not [name for name in left if name.endswith((".shots.json", ".shots.csv", ".shots.edl"))], left
    assert not [name for name in left if name.endswith(".partial")], "temporary files are removed"
    assert left == ["v.shots.INCOMPLETE.jsonl"], "what was done stays, plainly marked incomplete"


def test_long_analysis_writes_shots_as_it_goes_and_cleans_up_when_done(tmp_path, tiny_model_dir, monkeypatch):
    video = tmp_path / "long.mp4"
    cut_video(video, lengths=(40,) * 6)
    out = tmp_path / "out"
    seen_midway = []
    real_add = output_files.IncrementalShotLog.add

    def add_and_peek(self, prediction):
        real_add(self, prediction)
        lines = self.path.read_text().splitlines()
        seen_midway.append(len(lines) - 1)
        assert json.loads(lines[0])["status"].startswith("incomplete")

    monkeypatch.setattr(output_files.IncrementalShotLog, "add", add_and_peek)
    assert main(["analyze", str(video), "--out", str(out), "--model", str(tiny_model_dir), "--quiet", "--batch-size", "1"]) == 0
    assert seen_midway == [1, 2, 3, 4, 5, 6], "each shot is on disk as soon as it is classified"
    assert sorted(path.name for path in out.iterdir()) == ["long.shots.csv", "long.shots.edl", "long.shots.json"]


def damaged_copy(source, path, places=(0.4, 0.44, 0.48, 0.52, 0.56), length=600, seed=1):
    """A copy of a real clip with a few runs of bytes garbled in the middle, as a bad download or disk leaves it."""
    import random

    data = bytearray(source.read_bytes())
    rng = random.Random(seed)
    for place in places:
        start = int(len(data) * place)
        data[start : start + length] = bytes(rng.randrange(256) for _ in range(length))
    path.write_bytes(bytes(data))
    return path


def test_garbled_packets_in_a_real_clip_are_skipped_and_reported(train_media, tmp_path, tiny_model_dir, capsys):
    video = damaged_copy(train_media / "sam2__01_dog.mp4", tmp_path / "dog-damaged.mp4")
    out = tmp_path / "out"
    assert main(["analyze", str(video), "--out", str(out), "--model", str(tiny_model_dir), "--quiet"]) == 0, "damage is a warning, not a failure"
    errors = capsys.readouterr().err
    assert f"{video}: warning: " in errors and "damaged packet(s) could not be decoded and were skipped (at " in errors
    document = json.loads((out / "dog-damaged.shots.json").read_text())
    assert document["complete"] and document["warnings"] and "damaged packet" in document["warnings"][0]
    assert 250 <= document["num_frames"] < 289, "frames past the damage are decoded, the lost ones are missing"


def test_a_truncated_real_clip_gives_results_marked_incomplete(train_media, tmp_path, tiny_model_dir, capsys):
    from media_factory import truncated_copy

    video = truncated_copy(train_media / "sam2__01_dog.mp4", tmp_path / "dog-half.mp4")
    out = tmp_path / "out"
    assert main(["analyze", str(video), "--out", str(out), "--model", str(tiny_model_dir), "--quiet"]) == 0
    assert "warning: the file is truncated: only 1" in capsys.readouterr().err
    document = json.loads((out / "dog-half.shots.json").read_text())
    assert document["complete"] is False and document["shots"] and document["num_frames"] < 289


def test_a_file_with_nothing_decodable_still_fails(tmp_path, tiny_model_dir, capsys):
    video = tmp_path / "noise.mp4"
    video.write_bytes(bytes(range(256)) * 64)
    assert main(["analyze", str(video), "--out", str(tmp_path / "out"), "--model", str(tiny_model_dir), "--quiet"]) == 1
    assert "noise.mp4: not a readable video" in capsys.readouterr().err
