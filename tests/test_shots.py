"""Shot splitting: cuts found at the right frames, camera moves not mistaken for cuts, shots tiling the video."""

import csv

import pytest
from conftest import SHARED_MEDIA
from media_factory import cut_video, one_frame_video

from shot_model.shots import ShotSplitter, SplitSettings, detect_shots, shots_from_cuts


def assert_tiles(shots, num_frames):
    assert shots[0].start_frame == 0 and shots[-1].end_frame == num_frames
    for earlier, later in zip(shots, shots[1:]):
        assert earlier.end_frame == later.start_frame and earlier.end_time == later.start_time
    assert [shot.index for shot in shots] == list(range(len(shots)))


@pytest.mark.parametrize("detector", ["hybrid", "adaptive", "content", "hash", "histogram"])
def test_hard_cuts_between_still_shots_are_found_to_the_frame(tmp_path, detector):
    path = tmp_path / "cuts.mp4"
    cuts = cut_video(path, lengths=(40, 30, 55, 25))
    shots = detect_shots(path, SplitSettings(detector=detector))
    found = [shot.start_frame for shot in shots[1:]]
    assert len(found) == len(cuts) and all(abs(a - b) <= 1 for a, b in zip(found, cuts)), (found, cuts)
    assert_tiles(shots, 150)


def test_pans_and_zooms_are_not_cuts(tmp_path):
    path = tmp_path / "moves.mp4"
    cuts = cut_video(path, lengths=(75, 75, 75, 75), moves=["pan", "push", "pull", "pan"])
    found = [shot.start_frame for shot in detect_shots(path)[1:]]
    assert len(found) == len(cuts) and all(abs(a - b) <= 1 for a, b in zip(found, cuts)), (found, cuts)


def test_a_video_without_a_cut_is_one_shot(tmp_path):
    path = tmp_path / "single.mp4"
    cut_video(path, lengths=(60,), moves=["pan"])
    shots = detect_shots(path)
    assert len(shots) == 1 and (shots[0].start_frame, shots[0].end_frame) == (0, 60)
    assert shots[0].start_time == 0 and shots[0].end_time == pytest.approx(60 / 25)


def test_a_one_frame_video_is_one_shot(tmp_path):
    shots = detect_shots(one_frame_video(tmp_path / "one.mp4"))
    assert [(shot.start_frame, shot.end_frame) for shot in shots] == [(0, 1)]


def test_minimum_shot_length_merges_quick_cuts(tmp_path):
    path = tmp_path / "quick.mp4"
    cut_video(path, lengths=(30, 3, 30))
    default = [shot.start_frame for shot in detect_shots(path)[1:]]
    assert len(default) == 1, "a 3-frame shot is shorter than the 0.15 s (4-frame) minimum"
    fine = [shot.start_frame for shot in detect_shots(path, SplitSettings(min_shot_seconds=0.08))[1:]]
    assert fine == [30, 33]


def test_the_default_keeps_the_4_frame_shots_of_fast_cut_ads(tmp_path):
    path = tmp_path / "rapid.mp4"
    cut_video(path, lengths=(30, 4, 4, 30))
    assert [shot.start_frame for shot in detect_shots(path)[1:]] == [30, 34, 38]


def test_no_detector_means_one_shot(tmp_path):
    path = tmp_path / "cuts.mp4"
    cut_video(path, lengths=(20, 20))
    assert len(detect_shots(path, SplitSettings(detector="none"))) == 1


def test_unknown_detector_is_a_clear_error():
    with pytest.raises(ValueError, match="Unknown detector 'magic': expected one of none, hybrid, adaptive"):
        SplitSettings(detector="magic")


def test_shots_from_cuts_tiles_with_frame_times():
    times = [i / 10 for i in range(30)]
    shots = shots_from_cuts([10, 25], 30, times, end_time=3.0)
    assert [(s.start_frame, s.end_frame, s.start_time, s.end_time) for s in shots] == [
        (0, 10, 0.0, 1.0),
        (10, 25, 1.0, 2.5),
        (25, 30, 2.5, 3.0),
    ]


def test_news_clip_cuts_match_the_annotation(train_media):
    path = train_media / "sbdhw__news_frames.mp4"
    with open(SHARED_MEDIA / "boundaries" / "sbdhw__news_frames.transitions.tsv") as file:
        truth = [int(row["start_frame"]) for row in csv.DictReader(file, delimiter="\t")]
    shots = detect_shots(path)
    found = [shot.start_frame for shot in shots[1:]]
    assert [any(abs(cut - f) <= 2 for f in found) for cut in truth] == [True] * len(truth), (found, truth)
    assert len(found) == len(truth), (found, truth)
    assert_tiles(shots, 1380)


def test_fade_only_video_is_split_at_the_fades(train_media):
    # This clip has no hard cut: its shots change through fades to and from black.
    shots = detect_shots(train_media / "pyscenedetect__testvideo.mp4")
    assert len(shots) >= 3
    assert_tiles(shots, 720)


def test_splitter_reports_each_cut_once_in_order():
    import numpy as np

    from shot_model.video import Frame

    splitter = ShotSplitter(SplitSettings(detector="content", fades=False, min_shot_seconds=0.2), fps=25)
    dark, bright = np.zeros((36, 64, 3), np.uint8), np.full((36, 64, 3), 200, np.uint8)
    reported = []
    for index in range(60):
        image = bright if 20 <= index < 40 else dark
        reported += splitter.push(Frame(index, index / 25, image))
    reported += splitter.finish()
    assert [boundary.cut for boundary in reported] == [20, 40] and {boundary.kind for boundary in reported} == {"cut"}
