"""Faults around an analysis: the video changing under it, unwritable or full disks, and runs that stop
part-way. Nothing is lost, and nothing half-written looks complete."""

import errno
import json
import os

import pytest
from media_factory import cut_video

from shot_model import AnalysisSettings, VideoError, analyze_video
from shot_model.cli import main
from shot_model.output import files as output_files


def test_video_truncated_while_being_read_names_the_file(tmp_path, tiny_classifier):
    video = tmp_path / "shrinking.mp4"
    cut_video(video, lengths=(60,) * 10)

    def truncate_after_first_shot(prediction):
        if prediction.shot.index == 0:
            with open(video, "r+b") as file:
                file.truncate(os.path.getsize(video) // 3)

    with pytest.raises(VideoError, match=f"{video}: only .* frames the file declares could be decoded; the file is truncated"):
        analyze_video(video, tiny_classifier, AnalysisSettings(batch_size=1), on_shot=truncate_after_first_shot)


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
