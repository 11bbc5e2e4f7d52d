"""Gradual transitions as first-class results: TransNetV2 finds dissolves and fades in generated videos whose
transitions are known, and every output carries them."""

import numpy as np
import pytest

from shot_model import AnalysisSettings, SplitSettings, analyze_video, detect_shots
from shot_model.data.synthetic import SyntheticShot, render_shot, write_video
from shot_model.output.exports import to_edl

WIDTH, HEIGHT = 320, 180


def shot(scene: int, frames: int, move: str = "static") -> list[np.ndarray]:
    return render_shot(SyntheticShot(frames, move, scene), WIDTH, HEIGHT)


def dissolve(outgoing: list[np.ndarray], incoming: list[np.ndarray], frames: int) -> list[np.ndarray]:
    """The last `frames` of `outgoing` blended into the first `frames` of `incoming`."""
    blends = [cv_blend(outgoing[-frames + k], incoming[k], (k + 1) / (frames + 1)) for k in range(frames)]
    return outgoing[:-frames] + blends + incoming[frames:]


def cv_blend(a: np.ndarray, b: np.ndarray, weight: float) -> np.ndarray:
    return np.clip(a.astype(np.float32) * (1 - weight) + b.astype(np.float32) * weight, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def transitions_video(tmp_path_factory):
    """Shot A (60 frames) dissolves over 20 frames into B (pan, 80), a hard cut to C (60), C fades to black and
    back into D (12 frames down, 12 up), a 2-frame white flash inside D, then a cut to E."""
    a, b, c, d, e = shot(1, 60), shot(2, 80, "pan"), shot(3, 60), shot(4, 70), shot(5, 40)
    frames = dissolve(a, b, 20)  # frames 40-59 blend A into B
    frames += c  # a cut at 120
    black = np.zeros_like(c[0])
    fade = [cv_blend(c[-1], black, (k + 1) / 12) for k in range(12)] + [cv_blend(black, d[0], (k + 1) / 12) for k in range(12)]
    frames += fade + d  # the fade: frames 180-203
    flash = len(frames) - 40  # 2 white frames inside D
    frames[flash : flash + 2] = [np.full_like(black, 255)] * 2
    frames += e  # a cut at 274
    path = tmp_path_factory.mktemp("transitions") / "transitions.mp4"
    write_video(frames, path)
    return path


def test_transnetv2_finds_the_dissolve_and_the_fade_with_their_frames_and_not_the_flash(transitions_video):
    shots = detect_shots(transitions_video, SplitSettings(detector="transnetv2"))
    starts = [s.transition_in for s in shots[1:]]
    assert len(shots) == 5, [(s.start_frame, s.transition_in) for s in shots]
    dissolve_in, cut_in, fade_in, last_cut = starts
    # The network marks a transition to within a few frames (here 41-63 for a blend of frames 40-59).
    assert dissolve_in.kind == "gradual" and abs(dissolve_in.first_frame - 40) <= 3 and abs(dissolve_in.end_frame - 60) <= 5
    assert cut_in.kind == "cut" and abs(cut_in.first_frame - 120) <= 2
    assert fade_in.kind == "gradual" and fade_in.first_frame <= 184 and fade_in.end_frame >= 200, "one transition: out and back in"
    assert last_cut.kind == "cut" and abs(last_cut.first_frame - 274) <= 2
    for earlier, later in zip(shots, shots[1:]):
        assert earlier.transition_out == later.transition_in and earlier.end_frame == later.start_frame


def test_every_output_carries_the_transitions_and_clips_avoid_them(transitions_video, tiny_classifier):
    analysis = analyze_video(transitions_video, tiny_classifier, AnalysisSettings(split=SplitSettings(detector="transnetv2")))
    second = analysis.shots[1].shot
    first, end = second.clear_frames
    assert first >= second.transition_in.end_frame and end <= second.transition_out.first_frame
    record = analysis.to_dict()["shots"][1]
    assert record["transition"] == "gradual" and record["transition_end_frame"] - record["transition_start_frame"] >= 15
    edl = to_edl(analysis)
    dissolves = [line for line in edl.splitlines() if "  D  " in line]
    assert len(dissolves) == 2 and dissolves[0].split()[4].isdigit() and int(dissolves[0].split()[4]) >= 15


def test_the_default_detector_reports_its_cuts_as_cuts(transitions_video):
    shots = detect_shots(transitions_video)
    assert all(s.transition_in.kind == "cut" and s.transition_in.num_frames == 0 for s in shots[1:])
