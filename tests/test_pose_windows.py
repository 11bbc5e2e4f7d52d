"""Shot scale read off a person's body landmarks, and composites that put a real person on another scene at a chosen
size: the class must follow the body (how much of it is in frame), never the scene."""

import csv
import json

import cv2
import numpy as np
import pytest

from shot_model.evaluation.global_motion import cumulative_motion, summarize_path
from shot_model.video import iter_frames, probe_video
from tools.starter_data import composites
from tools.starter_data.pose_scale import Body, body_from_landmarks, same_person, scale_in_window, window_scale
from tools.starter_data.pose_windows import pose_windows
from tools.starter_data.virtual_camera import OUTPUT_HEIGHT, Window

WIDTH, HEIGHT = 1280, 720


def standing(scale: float = 1.0, x: float = 640.0, top: float = 60.0) -> Body:
    """A standing adult (the proportions `landmarks` draws): head 44 px tall at scale 1, feet 7.9 heads below the crown."""
    unit = 40.0 * scale
    nose_y = top + 0.66 * unit
    shoulder_y = nose_y + unit
    hip_y = shoulder_y + 2.6 * unit
    return Body(x, nose_y, unit, shoulder_y, hip_y, hip_y + 2.2 * unit, hip_y + 4.4 * unit, face_seen=True)


def window_around(body: Body, top: float, bottom: float) -> str | None:
    return scale_in_window(body, top, bottom, body.nose_x - 400, body.nose_x + 400)


def test_the_class_follows_the_lowest_part_of_the_body_in_frame():
    body = standing()
    crown, feet = body.crown_y, body.foot_y
    assert window_around(body, crown - 5, body.shoulder_y + 0.6 * body.unit) == "CS"  # head and shoulders
    assert window_around(body, crown - 10, body.hip_y - 0.2 * (body.hip_y - body.shoulder_y)) == "MS"  # waist up
    assert window_around(body, crown - 10, body.knee_y) == "MS"  # knees up
    assert window_around(body, crown - 20, feet + 30) == "FS"  # whole body filling most of the height
    assert window_around(body, crown - 500, feet + 600) == "LS"  # whole body small in the frame
    # A window inside the face (less than 60% of the head shows): an extreme close-up.
    assert scale_in_window(body, body.nose_y - 12, body.nose_y + 12, body.nose_x - 20, body.nose_x + 20) == "ECS"
    # A whole face filling the frame, chin cut: a close-up, not an extreme one (LABELING.md).
    assert window_around(body, body.crown_y - 10, body.nose_y + 0.3 * body.unit) == "CS"


def test_framings_between_two_classes_or_off_the_person_get_no_class():
    body = standing()
    assert window_around(body, body.crown_y - 10, body.shoulder_y + 1.35 * body.unit) is None  # between mid and lower chest
    assert window_around(body, body.crown_y + 2, body.chin_y - 2) is None  # the head a little taller than the frame
    assert window_around(body, body.crown_y - 10, body.knee_y + 0.5 * (body.foot_y - body.knee_y)) is None  # at the shins
    whole = body.foot_y - body.crown_y
    assert window_around(body, body.crown_y - 0.7 * whole, body.foot_y + 0.8 * whole) is None  # 40% of the height
    assert scale_in_window(body, 0, 700, body.nose_x + 100, body.nose_x + 500) is None  # the window misses the person
    assert window_around(body, body.nose_y - 5, body.foot_y + 10) is None  # the head is cut off at the nose


def landmarks(body_top: float, scale: float, lying: bool = False) -> list[list[float]]:
    """MediaPipe-style landmarks (fractions of a 1280x720 frame) of a standing (or lying) person."""
    points = [[0.5, 0.5, 0.0] for _ in range(33)]
    unit = 40 * scale
    nose = body_top + 0.66 * unit
    levels = {0: nose, 2: nose - 5, 5: nose - 5, 11: nose + unit, 12: nose + unit, 23: nose + 3.6 * unit, 24: nose + 3.6 * unit,
              25: nose + 5.8 * unit, 26: nose + 5.8 * unit, 27: nose + 8 * unit, 28: nose + 8 * unit}
    for index, y in levels.items():
        x = 640 + (-20 if index % 2 else 20) * scale
        points[index] = [x / WIDTH, (nose - (y - nose) if lying else y) / HEIGHT, 0.95]
    return points


def test_landmarks_become_a_body_only_for_an_upright_person():
    body = body_from_landmarks(landmarks(60, 1.0), WIDTH, HEIGHT)
    assert body.unit == pytest.approx(40, abs=0.1)
    assert body.foot_y == pytest.approx(60 + 0.66 * 40 + 320, abs=0.1)
    assert body_from_landmarks(landmarks(400, 1.0, lying=True), WIDTH, HEIGHT) is None
    assert body_from_landmarks(None, WIDTH, HEIGHT) is None
    cut = body_from_landmarks(landmarks(400, 1.0), WIDTH, HEIGHT)  # feet below the frame: no foot level
    assert cut.foot_y is None and cut.knee_y is not None


def test_every_window_drawn_over_a_stretch_has_its_class_in_every_frame():
    # The person rises and grows a little over the stretch (stepping towards the camera).
    bodies = [body_from_landmarks(landmarks(60 - t, 1.0 + 0.01 * t), WIDTH, HEIGHT) for t in range(16)]
    drawn = pose_windows({"width": WIDTH, "height": HEIGHT, "aspect": 16 / 9}, bodies, np.random.default_rng(0))
    assert {label for _, label in drawn} >= {"CS", "MS", "FS"}
    for window, label in drawn:
        assert all(window_scale(body, window, 16 / 9) == label for body in bodies)


def test_a_jump_to_another_person_leaves_the_stretch_without_windows():
    bodies = [body_from_landmarks(landmarks(60, 1.0), WIDTH, HEIGHT) for _ in range(16)]
    assert same_person(bodies)
    # In one frame the teacher finds someone else: smaller, lower and to the side.
    other = body_from_landmarks(landmarks(300, 0.5), WIDTH, HEIGHT)
    jumped = bodies[:5] + [Body(other.nose_x + 300, *[getattr(other, f) for f in ("nose_y", "unit", "shoulder_y", "hip_y", "knee_y", "foot_y", "face_seen")])] + bodies[6:]
    assert not same_person(jumped)
    assert pose_windows({"width": WIDTH, "height": HEIGHT, "aspect": 16 / 9}, jumped, np.random.default_rng(0)) == []


def test_a_person_outside_the_centre_square_the_model_sees_gives_the_window_no_class():
    body = standing()
    whole_height = 2 * (body.foot_y - body.crown_y)  # the whole body fills half the height: FS
    centred = Window(body.nose_x, body.crown_y - 10 + whole_height / 2, whole_height)
    assert window_scale(body, centred, 16 / 9) == "FS"
    # Moved sideways by 0.7 of its height: the person is still inside the 16:9 window, but not in its centre square.
    aside = Window(body.nose_x + 0.7 * whole_height, centred.cy, whole_height)
    assert window_scale(body, aside, 16 / 9) is None


def write_teacher_folder(folder):
    """A pose teacher's folder with two sources: a standing person in front of a wall (stretch 0-30), and a scene
    with nobody in it; a drawn figure and its mask stand in for MediaPipe's output."""
    (folder / "frames").mkdir(parents=True)
    (folder / "masks").mkdir()
    frames = list(range(0, 31, 2))
    found, rows = {}, []
    for source, person in (("person.mp4", True), ("empty.mp4", False)):
        for index in frames:
            picture = np.full((HEIGHT, WIDTH, 3), (40, 120, 200) if person else (200, 160, 60), np.uint8)
            # Texture (dark marks on a wall), so a pan across either scene can be seen.
            for x, y in np.random.default_rng(1).integers(0, (WIDTH, HEIGHT), (400, 2)):
                cv2.rectangle(picture, (int(x), int(y)), (int(x) + 9, int(y) + 6), (30, 30, 30), -1)
            name = f"{source[:-4]}__{index:06d}"
            if person:
                mask = np.zeros((HEIGHT, WIDTH), np.uint8)
                cv2.rectangle(mask, (600, 60), (680, 60 + 347), 255, -1)  # crown to feet: 347 px
                picture[mask > 0] = (230, 230, 230)
                cv2.imwrite(str(folder / "masks" / f"{name}.png"), mask)
            cv2.imwrite(str(folder / "frames" / f"{name}.jpg"), picture)
            found[f"{name}.jpg"] = landmarks(60, 1.0) if person else None
        rows.append({"source": source, "first": 0, "last": 30, "kind": "pose", "frames": " ".join(map(str, frames)),
                     "width": WIDTH, "height": HEIGHT, "aspect": "1.7778"})
    (folder / "landmarks.json").write_text(json.dumps(found))
    with open(folder / "stretches.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_composites_put_the_person_on_the_other_scene_at_the_size_of_their_class(tmp_path):
    write_teacher_folder(tmp_path / "pose")
    other = tmp_path / "built" / "labels.csv"
    other.parent.mkdir()
    other.write_text("video,start,end,scale,movement,source,recipe,group\nclips/000000.mp4,,,MS,Pull,s.mp4[0:9],pull,s.mp4\n")
    composites.write_composites(tmp_path / "pose", tmp_path / "out", count=10, seed=0, other_labels=other)
    with open(tmp_path / "out" / "labels.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    made = [row for row in rows if row["recipe"].startswith("composite")]
    assert {row["scale"] for row in made} >= {"LS", "FS", "CS"}
    assert all(row["movement"] == "" and row["group"] == "person.mp4" and "on empty.mp4" in row["recipe"] for row in made)
    assert rows[-1]["video"] == "../built/clips/000000.mp4"  # the other file's rows, paths relative to the new one
    for row in made:
        clip = tmp_path / "out" / row["video"]
        assert probe_video(clip).num_frames == 16
        if "whole body" in row["recipe"]:
            # The pasted figure (light grey on the other scene's blue) is as tall as its class says.
            share = float(row["recipe"].split("whole body ")[1].split()[0])
            capture = cv2.VideoCapture(str(clip))
            _, frame = capture.read()
            rows_with_person = np.flatnonzero((frame.min(axis=2) > 170).sum(axis=1) >= 2)
            measured = (rows_with_person.max() - rows_with_person.min() + 1) / OUTPUT_HEIGHT
            # The drawn figure runs from the crown to the feet, which is what `share` measures.
            assert measured == pytest.approx(share, abs=0.04)
            assert (0.55 <= share <= 0.9) if row["scale"] == "FS" else (0.12 <= share <= 0.3)


def test_a_background_window_keeps_clear_of_the_person_the_teacher_masked(tmp_path):
    write_teacher_folder(tmp_path / "pose")
    stretches = composites.read_stretches(tmp_path / "pose")
    pictures = composites.Pictures(tmp_path / "pose")
    person_scene = next(stretch for stretch in stretches if stretch.source == "person.mp4")
    rng = np.random.default_rng(0)
    windows = [composites.background_window(pictures, person_scene, rng) for _ in range(30)]
    found = [window for window in windows if window is not None]
    assert found  # the frame has room beside the figure (x 600-680)
    for window in found:
        left, right = window.cx - window.h * composites.ASPECT / 2, window.cx + window.h * composites.ASPECT / 2
        top, bottom = window.cy - window.h / 2, window.cy + window.h / 2
        overlap = max(0, min(right, 681) - max(left, 600)) * max(0, min(bottom, 408) - max(top, 60))
        assert overlap <= 0.01 * window.h * window.h * composites.ASPECT + 2 * window.h  # 1% of the window, and rounding


def test_follow_shots_pan_across_the_scene_while_the_person_holds_still_in_the_frame(tmp_path):
    write_teacher_folder(tmp_path / "pose")
    composites.write_composites(tmp_path / "pose", tmp_path / "follow", count=10, seed=0, other_labels=None, follow_share=1.0)
    composites.write_composites(tmp_path / "pose", tmp_path / "still", count=10, seed=0, other_labels=None, follow_share=0.0)
    for kind, movement in (("follow", "Motion"), ("still", "Static")):
        with open(tmp_path / kind / "labels.csv", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert rows and all(row["movement"] == movement for row in rows)
        assert all(("follow-shot" in row["recipe"]) == (movement == "Motion") for row in rows)
        measurable = 0
        for row in rows:
            clip = tmp_path / kind / row["video"]
            frames = [frame.bgr for frame in iter_frames(clip, (probe_video(clip).width, probe_video(clip).height))]
            person = [np.argwhere(frame.min(axis=2) > 170) for frame in frames]  # the light grey figure
            scene = [cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) for frame in frames]
            masks = [np.where(frame.min(axis=2) > 170, 0, 255).astype(np.uint8) for frame in frames]
            transforms, measured = cumulative_motion(scene, masks)
            path = summarize_path(transforms, measured, (frames[0].shape[1], frames[0].shape[0]), 0, len(frames) - 1)
            if path.reliable < 0.9:
                continue  # a close-up filling the frame leaves too little scene to measure
            measurable += 1
            if movement == "Motion":
                assert path.shift >= 0.1  # the scene slid at least 10% of the frame (the pan's least travel is 12%)
            else:
                assert path.shift < 0.01
            if len(person[0]) and len(person[-1]):  # the figure stays where the framing put it, whatever the camera does
                assert np.abs(person[0].mean(axis=0) - person[-1].mean(axis=0)).max() < 0.03 * OUTPUT_HEIGHT
        assert measurable >= len(rows) // 2


def test_without_follow_shots_every_composite_keeps_a_still_camera_and_no_movement_label(tmp_path):
    write_teacher_folder(tmp_path / "pose")
    stretches, pictures = composites.read_stretches(tmp_path / "pose"), composites.Pictures(tmp_path / "pose")
    plans = composites.plan_composites(pictures, stretches, 10, seed=0)
    assert all(plan.movement == "" and len({*plan.background_windows}) == 1 for plan in plans)


def test_a_follow_shot_pan_keeps_every_window_clear_of_the_person_the_teacher_masked(tmp_path):
    write_teacher_folder(tmp_path / "pose")
    stretches, pictures = composites.read_stretches(tmp_path / "pose"), composites.Pictures(tmp_path / "pose")
    person_scene = next(stretch for stretch in stretches if stretch.source == "person.mp4")
    rng = np.random.default_rng(0)
    pans = [pan for pan in (composites.background_pan(pictures, person_scene, rng) for _ in range(30)) if pan is not None]
    assert pans  # there is room to pan beside the figure (x 600-680)
    for windows in pans:
        assert abs(windows[-1].cx - windows[0].cx) + abs(windows[-1].cy - windows[0].cy) >= 0.12 * windows[0].h * composites.ASPECT
        for window in windows:  # every frame's window, not only the ends
            left, right = window.cx - window.h * composites.ASPECT / 2, window.cx + window.h * composites.ASPECT / 2
            top, bottom = window.cy - window.h / 2, window.cy + window.h / 2
            overlap = max(0, min(right, 681) - max(left, 600)) * max(0, min(bottom, 408) - max(top, 60))
            assert overlap <= 0.01 * window.h * window.h * composites.ASPECT + 2 * window.h
