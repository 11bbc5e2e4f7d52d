"""The figures every comparison in the project rests on: methods scored on the same labels are averaged alike."""

import pytest

from shot_model.data.shot_table import MISSING_LABEL
from shot_model.evaluation.metrics import head_metrics

CLASSES = ["ECS", "CS", "MS"]


def test_a_false_alarm_into_an_absent_class_costs_recall_not_a_class_of_its_own():
    truth = [1, 1, 2, 2]  # no ECS in the labels
    alarmist = head_metrics(truth, [0, 1, 2, 2], CLASSES)  # one CS called ECS
    timid = head_metrics(truth, [2, 1, 2, 2], CLASSES)  # the same CS called MS instead
    # Both made one mistake on the same shot; both are averaged over CS and MS, the classes the labels hold.
    assert alarmist["accuracy"] == timid["accuracy"] == 0.75
    cs_f1_alarmist = 2 * 1.0 * 0.5 / 1.5  # precision 1, recall 1/2
    assert alarmist["macro_f1"] == pytest.approx((cs_f1_alarmist + 1.0) / 2)
    cs_f1_timid, ms_f1_timid = 2 * 1.0 * 0.5 / 1.5, 2 * (2 / 3) * 1.0 / (5 / 3)
    assert timid["macro_f1"] == pytest.approx((cs_f1_timid + ms_f1_timid) / 2)
    assert alarmist["per_class"]["ECS"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}


def test_unlabelled_clips_are_left_out_and_the_confusion_matrix_counts_the_rest():
    figures = head_metrics([0, MISSING_LABEL, 1, 2], [0, 2, 1, 1], CLASSES)
    assert figures["count"] == 3
    assert figures["accuracy"] == pytest.approx(2 / 3)
    assert figures["confusion"] == [[1, 0, 0], [0, 1, 0], [0, 1, 0]]
    assert figures["macro_f1"] == pytest.approx((1.0 + 2 / 3 + 0.0) / 3)
