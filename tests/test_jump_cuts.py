"""Jump cuts (two takes of one scene) are cuts; a caption appearing, a re-timed duplicate frame and a camera move are
not. On real footage where the default's content detector alone missed them."""

import cv2
import numpy as np

from shot_model import SplitSettings, detect_shots
from shot_model.jump_cuts import JumpCutTest
from shot_model.shots import split_frames
from shot_model.video import Frame, iter_frames


def starts(shots) -> list[int]:
    return [shot.start_frame for shot in shots[1:]]


def test_a_vlogs_jump_cut_is_found_and_only_with_the_jump_cut_test(train_media):
    """Frames 173 and 174 of the kitchen vlog are two takes: the speaker and the camera shift a little, everything
    else is the same room, so the whole frame's change is small (8.3 of 255)."""
    video = train_media / "moviechat_vlog_kitchen.mp4"
    assert 174 in starts(detect_shots(video))
    assert 174 not in starts(detect_shots(video, SplitSettings(jump_cuts=False)))


def test_a_cut_under_a_news_tickers_graphics_is_found(train_media):
    """The still graphics (logo, ticker, caption) damp the whole frame's change at the annotated cut at 301."""
    video = train_media / "sbdhw__news_frames.mp4"
    assert 301 in starts(detect_shots(video))
    assert 301 not in starts(detect_shots(video, SplitSettings(jump_cuts=False)))


def test_captions_appearing_and_going_over_a_real_shot_are_no_cuts(train_media):
    """The three caption styles of ads: a lower third two thirds wide, a centred title box, a line of text at the
    top left, boxes shaded over the picture; each appears at once and goes at once, in the vlog's still shot between
    its jump cuts (frames 10-171). Each is as sudden as a jump cut, but keeps to at most 8 of the 24 cells. (An
    opaque white box is a change of 42 of 255 that AdaptiveDetector itself cuts at: docs/experiments.md section 20.)"""
    video = train_media / "moviechat_vlog_kitchen.mp4"
    frames = [frame.bgr.copy() for frame in iter_frames(video, (256, 144))][10:172]

    def caption(frame, box, text, origin, scale):
        (left, top), (right, bottom) = box
        frame[top:bottom, left:right] = (frame[top:bottom, left:right] * 0.35).astype(np.uint8)
        cv2.putText(frame, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)

    for first, last, box, text, origin, scale in (
        (20, 60, ((10, 104), (180, 136)), "JANE DOE, FOUNDER", (16, 125), 0.5),
        (80, 120, ((64, 50), (192, 94)), "SALE", (96, 82), 1.0),
        (130, 160, ((0, 0), (0, 0)), "NEW SEASON", (6, 22), 0.7),
    ):
        for frame in frames[first:last]:
            caption(frame, box, text, origin, scale)
    shots = split_frames([Frame(i, i / 25, f) for i, f in enumerate(frames)], SplitSettings(), 25.0)
    assert starts(shots) == []


def test_one_sudden_change_over_most_of_the_frame_is_a_jump_cut_and_repeated_or_slow_changes_are_not():
    rng = np.random.default_rng(0)
    scene = rng.integers(0, 256, (27, 48, 3)).astype(np.uint8)
    shifted = np.roll(scene, 3, axis=1)  # the second take: the same scene, a few pixels over

    def found(frames) -> list[int]:
        test = JumpCutTest()
        return [cut for index, frame in enumerate(frames) for cut in test.push(index, frame)] + test.finish()

    assert found([scene] * 10 + [shifted] * 10) == [10]
    retimed = [scene, scene, shifted, shifted, shifted, scene, scene, scene, shifted, shifted] * 2  # flip-flops
    assert found(retimed) == []
    panning = [np.roll(scene, k, axis=1) for k in range(20)]  # every frame changes as much
    assert found(panning) == []
    assert found([scene] * 19 + [shifted]) == [19], "the last frame is tested at the end"
