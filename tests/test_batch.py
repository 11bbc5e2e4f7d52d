"""Batch mode: a folder of videos into one table, past bad files, resumable, and split across processes."""

import json
import signal
import subprocess
import sys
import time

import pytest
from conftest import REPO, accelerate_launch
from datasets import Dataset
from media_factory import cut_video

from shot_model.cli import main


@pytest.fixture
def video_folder(tmp_path):
    folder = tmp_path / "ads"
    (folder / "nested").mkdir(parents=True)
    cut_video(folder / "a.mp4", lengths=(30, 30))
    cut_video(folder / "nested" / "b.mp4", lengths=(25, 25, 25))
    cut_video(folder / "c.mp4", lengths=(40,))
    (folder / "broken.mp4").write_text("not a video")
    return folder


def table(out):
    return Dataset.from_parquet(str(out / "shots.parquet")).to_list()


def assert_same_table(actual, expected):
    """Equal shots and labels; probabilities equal to float noise (thread counts change summation order)."""
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected):
        assert got.keys() == want.keys()
        for key, value in want.items():
            if isinstance(value, float):
                assert got[key] == pytest.approx(value, abs=1e-4), key
            else:
                assert got[key] == value, key


def run_cli(args, processes=1):
    if processes > 1:
        return accelerate_launch("-m", "shot_model.cli", *args, processes=processes)
    return subprocess.run([sys.executable, "-m", "shot_model.cli", *args], capture_output=True, text=True, cwd=REPO)


def test_batch_reports_bad_files_and_tables_the_rest(video_folder, tmp_path, tiny_model_dir, capsys):
    out = tmp_path / "out"
    assert main(["batch", str(video_folder), "--out", str(out), "--model", str(tiny_model_dir)]) == 1
    errors = capsys.readouterr().err
    assert f"{video_folder / 'broken.mp4'}: " in errors and "not a readable video" in errors
    rows = table(out)
    assert [row["file"].rsplit("/", 1)[-1] for row in rows] == ["a.mp4"] * 2 + ["c.mp4"] + ["b.mp4"] * 3
    assert {"start_time", "end_time", "scale", "movement", "scale_p_CS", "movement_p_Push"} <= set(rows[0])
    assert (out / "shots.csv").read_text().count("\n") == 7
    # Each finished video also has its editor's timeline beside its result.
    assert sorted(path.name.split("-")[0] for path in (out / "videos").glob("*.shots.otio")) == ["a", "b", "c"]

    # A rerun skips the finished videos and gives the same table.
    assert main(["batch", str(video_folder), "--out", str(out), "--model", str(tiny_model_dir)]) == 1
    assert "4 videos, 3 already done, 1 to analyze" in capsys.readouterr().err
    assert table(out) == rows


def test_list_file_input(video_folder, tmp_path, tiny_model_dir):
    listing = tmp_path / "videos.txt"
    listing.write_text(f"# ads to check\n{video_folder / 'c.mp4'}\n{video_folder / 'a.mp4'}\n")
    assert main(["batch", str(listing), "--out", str(tmp_path / "out"), "--model", str(tiny_model_dir), "--quiet"]) == 0
    assert [row["file"].rsplit("/", 1)[-1] for row in table(tmp_path / "out")] == ["c.mp4", "a.mp4", "a.mp4"]


def test_two_processes_give_the_same_table_as_one(video_folder, tmp_path, tiny_model_dir):
    one = run_cli(["batch", str(video_folder), "--out", str(tmp_path / "one"), "--model", str(tiny_model_dir)])
    two = run_cli(["batch", str(video_folder), "--out", str(tmp_path / "two"), "--model", str(tiny_model_dir)], processes=2)
    assert one.returncode == 1 and two.returncode == 1, two.stderr[-2000:]
    assert "[0]" in two.stderr and "[1]" in two.stderr, "both processes analysed videos"
    assert_same_table(table(tmp_path / "two"), table(tmp_path / "one"))


def test_killed_batch_resumes_to_the_same_table(tmp_path, tiny_model_dir):
    folder = tmp_path / "many"
    folder.mkdir()
    for index in range(8):
        cut_video(folder / f"v{index}.mp4", lengths=(60, 60, 60))
    clean = run_cli(["batch", str(folder), "--out", str(tmp_path / "clean"), "--model", str(tiny_model_dir), "--quiet"])
    assert clean.returncode == 0

    out = tmp_path / "killed"
    process = subprocess.Popen([sys.executable, "-m", "shot_model.cli", "batch", str(folder), "--out", str(out), "--model", str(tiny_model_dir), "--quiet"], cwd=REPO)
    deadline = time.monotonic() + 120
    while len(list((out / "videos").glob("*.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done_before = len(list((out / "videos").glob("*.json")))
    assert 2 <= done_before < 8, "killed part-way"
    for result in (out / "videos").glob("*.json"):
        json.loads(result.read_text())  # every result that exists is complete: results are renamed into place

    resumed = run_cli(["batch", str(folder), "--out", str(out), "--model", str(tiny_model_dir)])
    assert resumed.returncode == 0
    assert f"8 videos, {done_before} already done" in resumed.stderr
    assert_same_table(table(out), table(tmp_path / "clean"))
