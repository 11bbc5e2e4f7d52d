"""The shipped starter's answers, pinned: a refactor or a speed-up that changes what users get fails here.

When a new starter is published on purpose, regenerate the figures with the snippet in this test's docstring.
"""

import pytest

from shot_model import AnalysisSettings, ShotClassifier, analyze_video
from shot_model.data.synthetic import SyntheticShot, make_video

# Four generated shots (a still camera, a pan, a push-in, a pull-out over different scenes) -> every probability
# of both heads, as the starter (v4) gave them through the whole pipeline: decode, split, sample, classify.
PINNED = [
    ((0, 40), {"ECS": 0.297525, "CS": 6.8e-05, "MS": 0.001185, "FS": 0.283165, "LS": 0.418056},
     {"Static": 0.994184, "Motion": 0.002012, "Push": 0.00154, "Pull": 0.002263}),
    ((40, 80), {"ECS": 0.240222, "CS": 0.000228, "MS": 7.8e-05, "FS": 0.122902, "LS": 0.636569},
     {"Static": 0.00066, "Motion": 0.99527, "Push": 0.003276, "Pull": 0.000793}),
    ((80, 120), {"ECS": 0.029943, "CS": 4.3e-05, "MS": 4.5e-05, "FS": 0.040645, "LS": 0.929325},
     {"Static": 9e-06, "Motion": 0.0, "Push": 0.999988, "Pull": 2e-06}),
    ((120, 160), {"ECS": 0.036174, "CS": 0.000206, "MS": 0.004582, "FS": 0.31483, "LS": 0.644208},
     {"Static": 2.1e-05, "Motion": 0.0, "Push": 4e-06, "Pull": 0.999975}),
]


@pytest.fixture(scope="module")
def starter():
    return ShotClassifier.from_pretrained()


def test_inference_for_video_classification(tmp_path, starter):
    """Regenerate after publishing a new starter: analyze the same video and print each shot's probabilities."""
    path = tmp_path / "moves.mp4"
    make_video([SyntheticShot(40, "static", 1), SyntheticShot(40, "pan", 2), SyntheticShot(40, "push", 3), SyntheticShot(40, "pull", 4)], path)
    analysis = analyze_video(path, starter, AnalysisSettings())
    assert [(p.shot.start_frame, p.shot.end_frame) for p in analysis.shots] == [frames for frames, _, _ in PINNED]
    for prediction, (_, scale, movement) in zip(analysis.shots, PINNED):
        assert prediction.scale_probs == pytest.approx(scale, abs=1e-3)
        assert prediction.movement_probs == pytest.approx(movement, abs=1e-3)
    assert [p.movement for p in analysis.shots] == ["Static", "Motion", "Push", "Pull"]
