"""Body landmarks for the frames `pose_windows frames` wrote, from MediaPipe Pose (the teacher).

Runs in the teacher's own environment, because MediaPipe 0.10.14 (its wheel carries the pose model, so nothing is
downloaded; 0.10.35's no longer does) pins numpy<2 and protobuf<5, which the main environment cannot take:

    make pose-teacher                                   # creates cache/pose-venv once
    cache/pose-venv/bin/python tools/starter_data/pose_teacher.py cache/pose

Writes DIR/landmarks.json: {picture name: [[x, y, visibility] x 33] or null}, x and y as fractions of the frame,
and DIR/masks/NAME.png: the person's segmentation (0-255) wherever one was found (for `composites`).
Imports nothing from this repository, so it runs with MediaPipe's pins.
"""

import argparse
import json
import sys
from pathlib import Path

import cv2
import mediapipe as mp


def landmarks_of(pose, path: Path, masks: Path) -> list[list[float]] | None:
    """The person's landmarks in one picture (None if there is nobody); writes their mask to `masks`."""
    bgr = cv2.imread(str(path))
    if bgr is None:
        raise ValueError(f"{path}: not a readable image; rerun `python -m tools.starter_data.pose_windows frames`")
    result = pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    if result.pose_landmarks is None:
        return None
    cv2.imwrite(str(masks / f"{path.stem}.png"), (result.segmentation_mask * 255).clip(0, 255).astype("uint8"))
    return [[round(point.x, 5), round(point.y, 5), round(point.visibility, 4)] for point in result.pose_landmarks.landmark]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the folder `pose_windows frames` wrote (has frames/*.jpg)")
    args = parser.parse_args(argv)
    pictures = sorted((args.folder / "frames").glob("*.jpg"))
    if not pictures:
        sys.exit(f"{args.folder / 'frames'}: no JPEG frames; run `python -m tools.starter_data.pose_windows frames --out {args.folder}` first")
    # static_image_mode: every frame on its own (no tracking between unrelated frames); complexity 1 is the
    # "full" model, the largest one the wheel carries.
    masks = args.folder / "masks"
    masks.mkdir(exist_ok=True)
    with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1, enable_segmentation=True, min_detection_confidence=0.5) as pose:
        found = {}
        for number, picture in enumerate(pictures, 1):
            found[picture.name] = landmarks_of(pose, picture, masks)
            if number % 100 == 0:
                print(f"{number}/{len(pictures)} frames", flush=True)
    (args.folder / "landmarks.json").write_text(json.dumps(found))
    people = sum(value is not None for value in found.values())
    print(f"{args.folder / 'landmarks.json'}: a person in {people} of {len(found)} frames")


if __name__ == "__main__":
    main()
