"""The crop-window labelling tool: windows inside real frames, sheets for the labellers, and a merge that keeps a
class only where both labellers gave it."""

import csv

import pytest

from tools.labelling import crop_sheets


def _answers(path, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "scale", "subject", "confidence"])
        writer.writerows(rows)
    return path


def test_windows_lie_inside_their_frames_and_merge_keeps_only_agreed_classes(train_media, tmp_path):
    video = train_media / "sam2__04_coffee.mp4"
    crop_sheets.main(["windows", str(video), "--out", str(tmp_path / "sheets"), "--frames", "2", "--windows", "3"])
    with open(tmp_path / "sheets" / "windows.csv", newline="") as handle:
        windows = list(csv.DictReader(handle))
    assert len(windows) == 6 and (tmp_path / "sheets" / "sheet_000.png").stat().st_size > 0
    width, height = 1280, 720  # sam2__04_coffee's frame size (../shared/media/MANIFEST.tsv)
    for window in windows:
        x, y, w, h = (int(window[key]) for key in "xywh")
        assert 0 <= x and 0 <= y and x + w <= width and y + h <= height and 0.11 * height <= h <= 0.46 * height
    ids = [window["id"] for window in windows]
    a = _answers(tmp_path / "a.csv", [(i, "CS", "object", "high") for i in ids])
    b = _answers(tmp_path / "b.csv", [(ids[0], "CS", "object", "high"), (ids[1], "none", "scene", "low")] + [(i, "ECS", "object", "low") for i in ids[2:]])
    labels = tmp_path / "labels.csv"
    earlier = "other.mp4,3,0,0,64,36,CS,CS,object,object,high,high,CS"
    labels.write_text(",".join(crop_sheets.LABEL_FIELDS) + "\r\n" + earlier + "\r\n")
    merge = ["merge", str(tmp_path / "sheets" / "windows.csv"), str(a), str(b), "--out", str(labels)]
    crop_sheets.main(merge)
    with open(labels, newline="") as handle:
        merged = list(csv.DictReader(handle))
    assert ",".join(merged[0].values()) == earlier, "the windows labelled before stay as they were"
    assert [row["scale"] for row in merged[1:]] == ["CS"] + [""] * 5
    assert merged[2]["labeller_b"] == "none" and merged[1]["source"] == video.name
    with pytest.raises(SystemExit, match="already holds 6 of these windows"):
        crop_sheets.main(merge)


def test_merge_refuses_answers_that_miss_a_window_or_use_an_unknown_class(train_media, tmp_path):
    crop_sheets.main(["windows", str(train_media / "sam2__04_coffee.mp4"), "--out", str(tmp_path), "--frames", "1", "--windows", "2"])
    with open(tmp_path / "windows.csv", newline="") as handle:
        ids = [row["id"] for row in csv.DictReader(handle)]
    labels = tmp_path / "labels.csv"
    labels.write_text(",".join(crop_sheets.LABEL_FIELDS) + "\r\n")
    full = _answers(tmp_path / "full.csv", [(i, "CS", "object", "high") for i in ids])
    short = _answers(tmp_path / "short.csv", [(ids[0], "CS", "object", "high")])
    odd = _answers(tmp_path / "odd.csv", [(i, "MCU", "person", "high") for i in ids])
    with pytest.raises(SystemExit, match="has no answer for 1 of them"):
        crop_sheets.main(["merge", str(tmp_path / "windows.csv"), str(full), str(short), "--out", str(labels)])
    with pytest.raises(SystemExit, match="unknown scale answers"):
        crop_sheets.main(["merge", str(tmp_path / "windows.csv"), str(full), str(odd), "--out", str(labels)])
    assert labels.read_text().count("\n") == 1, "nothing written when an answer file is refused"


def test_a_still_takes_the_class_two_of_its_three_answers_give_or_none():
    from tools.labelling.still_sheets import majority

    assert majority(["MS", "CS", "CS"]) == "CS"
    assert majority(["MS", "CS", "MS"]) == "MS"
    assert majority(["MS", "CS", "none"]) == ""
    assert majority(["CS", "none", "none"]) == ""


def test_merging_a_still_pass_sets_the_majority_keeps_every_answer_and_runs_once(tmp_path):
    from tools.labelling import still_sheets

    stills, border = tmp_path / "stills_labels.csv", tmp_path / "stills_border_labels.csv"
    stills.write_text("image,source,source_label,source_scale,scale,subject,confidence\r\n"
                      "a.jpg,hoha,MCU,CS,MS,person,low\r\nb.jpg,hoha,MCU,CS,MS,person,low\r\nc.jpg,hoha,LS,FS,FS,person,high\r\n")  # fmt: skip
    listing = tmp_path / "stills.csv"
    listing.write_text("id,image\r\ns000,a.jpg\r\ns001,b.jpg\r\n")
    a = tmp_path / "a.csv"
    a.write_text("id,scale,confidence\ns000,CS,high\ns001,CS,low\n")
    b = tmp_path / "b.csv"
    b.write_text("id,scale,confidence\ns000,CS,medium\ns001,ECS,low\n")
    still_sheets.merge(listing, a, b, stills, border)
    with open(stills, newline="") as handle:
        assert [row["scale"] for row in csv.DictReader(handle)] == ["CS", "", "FS"]
    with open(border, newline="") as handle:
        assert [(row["first_pass"], row["labeller_a"], row["labeller_b"]) for row in csv.DictReader(handle)] == [("MS", "CS", "CS"), ("MS", "CS", "ECS")]
    with pytest.raises(SystemExit, match="merged"):
        still_sheets.merge(listing, a, b, stills, border)
    assert still_sheets.first_pass_rows(stills, border)[0]["scale"] == "MS", "the first pass is still known"
