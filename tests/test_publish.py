"""The starter's model card says how it compares with the baselines, and calls a lead clear only when it is."""

from tools.starter_data.publish import standing


def report(scale_right: int, movement_right: int, movement_f1: float = 0.6) -> dict:
    """A dev report of 57 shots: the rule gets 30 scales and 41 movements right, the majority fewer."""

    def head(right: int, f1: float) -> dict:
        return {"count": 57, "accuracy": right / 57, "macro_f1": f1}

    return {
        "model": {"scale": head(scale_right, 0.64), "movement": head(movement_right, movement_f1)},
        "rule": {"scale": head(30, 0.49), "movement": head(41, 0.58)},
        "majority": {"scale": head(25, 0.15), "movement": head(29, 0.17)},
    }


def test_a_lead_of_several_shots_is_clear_and_one_shot_is_level():
    scale, movement = standing(report(scale_right=39, movement_right=42)).split(". ", 1)
    assert "scale labels beat both baselines clearly: 9 more of 57 shots right" in scale
    assert "movement labels are level with the best baseline: 1 more of 57 shots right, a higher macro-F1" in movement
    assert "within the dev set's noise" in movement


def test_a_model_behind_the_rule_is_not_said_to_beat_it():
    text = standing(report(scale_right=39, movement_right=40, movement_f1=0.61))
    assert "movement labels are level with the best baseline: 1 fewer of 57 shots right, a higher macro-F1" in text
    text = standing(report(scale_right=39, movement_right=38, movement_f1=0.5))
    assert "movement labels do not beat the baselines" in text
