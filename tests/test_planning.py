"""Planning the starter's virtual shots: how far a Motion clip's camera travels."""

import math

import pytest

from tools.starter_data.planning import PAN_DISTANCE, ClipPlanner

WIDTH_OF_WINDOW = 100 * 16 / 9  # a 100-px-tall 16:9 window


def pan_travels(planner: ClipPlanner, count: int = 400) -> list[float]:
    """How far each of `count` planned pans (and handheld drifts) moves, as a fraction of the window width."""
    travels = []
    for _ in range(count):
        move = planner._pan(100, (500.0, 300.0), 16 / 9, "linear")
        travels.append(math.hypot(move.end.cx - move.start.cx, move.end.cy - move.start.cy) / WIDTH_OF_WINDOW)
    return travels


def test_pans_are_no_shorter_than_the_default_shortest():
    assert min(pan_travels(ClipPlanner([], seed=0))) >= PAN_DISTANCE[0] - 1e-9


def test_min_travel_lets_pans_go_as_slow_as_asked_and_no_slower():
    # The labelling guide's Static/Motion line is 5% of the frame; --min-travel 0.06 fills the gap above it.
    travels = pan_travels(ClipPlanner([], seed=0, min_travel=0.06))
    assert min(travels) >= 0.06 - 1e-9
    assert sum(travel < PAN_DISTANCE[0] for travel in travels) >= 20


def test_an_impossible_min_travel_is_refused():
    with pytest.raises(ValueError, match="min_travel"):
        ClipPlanner([], seed=0, min_travel=0.8)
