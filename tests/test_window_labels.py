"""Hand-labelled crop windows: only what both labellers said becomes a training label, and bad answer files say why."""

import csv

import pytest

from tools.starter_data.window_labels import DEFAULT_WINDOW_LABELS, agreed_windows, merge

CANDIDATES = "id,source,first,last,cx,cy,h,aspect\n00-00,a.mp4,0,90,100.0,80.0,60.0,1.7778\n00-01,a.mp4,0,90,300.0,80.0,90.0,1.7778\n01-00,b.mp4,5,60,50.0,50.0,40.0,1.3333\n"


def write(path, text):
    path.write_text(text)
    return path


def answers(tmp_path, name, rows):
    return write(tmp_path / name, "id,scale,confidence,notes\n" + "".join(f"{i},{s},high,seen\n" for i, s in rows))


def test_a_window_is_labelled_only_where_both_labellers_gave_the_same_class(tmp_path):
    candidates = write(tmp_path / "candidates.csv", CANDIDATES)
    a = answers(tmp_path, "a.csv", [("00-00", "CS"), ("00-01", "none"), ("01-00", "MS")])
    b = answers(tmp_path, "b.csv", [("00-00", "CS"), ("00-01", "none"), ("01-00", "FS")])
    merged = merge(candidates, a, b)
    assert [(row["id"], row["labeller_a"], row["labeller_b"], row["scale"]) for row in merged] == [
        ("00-00", "CS", "CS", "CS"), ("00-01", "none", "none", ""), ("01-00", "MS", "FS", "")]


def test_an_incomplete_or_invalid_answer_file_is_refused_with_the_reason(tmp_path):
    candidates = write(tmp_path / "candidates.csv", CANDIDATES)
    full = answers(tmp_path, "full.csv", [("00-00", "CS"), ("00-01", "none"), ("01-00", "MS")])
    short = answers(tmp_path, "short.csv", [("00-00", "CS")])
    with pytest.raises(ValueError, match="labeller b: 2 candidates unanswered"):
        merge(candidates, full, short)
    wrong = answers(tmp_path, "wrong.csv", [("00-00", "closeup"), ("00-01", "none"), ("01-00", "MS")])
    with pytest.raises(ValueError, match="wrong.csv: window 00-00 has scale 'closeup'"):
        merge(candidates, wrong, full)


def test_the_shipped_window_labels_keep_only_agreed_classes():
    with open(DEFAULT_WINDOW_LABELS, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows, "data/window_labels.csv is empty"
    for row in rows:
        agree = row["labeller_a"] == row["labeller_b"] and row["labeller_a"] != "none"
        assert row["scale"] == (row["labeller_a"] if agree else ""), row["id"]
    windows = agreed_windows()
    assert sum(len(found) for found in windows.values()) == sum(bool(row["scale"]) for row in rows)
    assert all(window.first < window.last and window.window.h > 0 for found in windows.values() for window in found)
