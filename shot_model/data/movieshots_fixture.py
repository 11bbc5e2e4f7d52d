"""A tiny dataset in MovieShots' format, made from nothing: per-shot clips plus `v1_split_trailer.json`.

The labels are learnable: the camera move is rendered (static, pan, push, pull), and the scale is the size of a
disc at the centre of the picture (from filling the frame, ECS, to a dot, LS). Tests and `configs/debug.yaml` use
it to exercise the real preparation and training code without the real data.

    python -m shot_model.data.movieshots_fixture --out cache/movieshots-fixture --trailers 6 --shots 8
"""

import argparse
import json
import random
from pathlib import Path

import cv2

from shot_model.data.synthetic import SyntheticShot, render_shot, scene_image, write_video

# Disc radius as a fraction of the frame height, per MovieShots scale value (ECS=0 ... LS=4).
DISC_RADIUS = {0: 1.4, 1: 0.42, 2: 0.24, 3: 0.13, 4: 0.05}
# MovieShots movement values: Motion=0 Push=1 Pull=2 Multi_movement=3 Static=4.
MOVE_OF_VALUE = {4: "static", 0: "pan", 1: "push", 2: "pull"}
SCALE_NAMES = ["ECS", "CS", "MS", "FS", "LS"]
MOVEMENT_NAMES = {0: "Motion", 1: "Push", 2: "Pull", 3: "Multi_movement", 4: "Static"}


def render_fixture_clip(scale_value: int, movement_value: int, seed: int, path: Path, frames: int = 16, width: int = 128, height: int = 72) -> None:
    scene = scene_image(seed, width * 2, height * 2)
    # The scene is twice the output size and the camera frames about 1.5x the output, so the disc is sized in
    # output-frame heights as the camera sees it in the middle of the shot.
    radius = int(DISC_RADIUS[scale_value] * height * 1.5)
    cv2.circle(scene, (width, height), radius, (40, 40, 235), -1)
    cv2.circle(scene, (width, height), radius, (255, 255, 255), max(1, radius // 8))
    move = MOVE_OF_VALUE[movement_value]
    write_video(render_shot(SyntheticShot(frames=frames, move=move, scene=seed), width, height, scene=scene), path, fps=8)


def make_fixture(out: Path, trailers: int = 6, shots: int = 8, seed: int = 0, nested: bool = True) -> Path:
    """Write clips and `v1_split_trailer.json` under `out`; returns the JSON's path.

    Trailers are split 4:1:1 into train/val/test (at least one each when there are three or more). `nested`
    picks the `{trailer}/shot_{id}.mp4` layout; otherwise `{trailer}_shot_{id}.mp4`.
    """
    rng = random.Random(seed)
    clips = out / "clips"
    annotations = {"train": {}, "val": {}, "test": {}}
    for trailer_number in range(trailers):
        trailer = f"tt{1000000 + trailer_number}"
        split = "val" if trailer_number % 6 == 4 else "test" if trailer_number % 6 == 5 else "train"
        annotations[split][trailer] = {}
        for shot_number in range(shots):
            shot_id = f"{shot_number:04d}"
            scale_value, movement_value = rng.randrange(5), rng.choice([0, 1, 2, 4])
            path = clips / trailer / f"shot_{shot_id}.mp4" if nested else clips / f"{trailer}_shot_{shot_id}.mp4"
            path.parent.mkdir(parents=True, exist_ok=True)
            render_fixture_clip(scale_value, movement_value, rng.randrange(10**6), path)
            annotations[split][trailer][shot_id] = {
                "scale": {"label": SCALE_NAMES[scale_value], "value": scale_value},
                "movement": {"label": MOVEMENT_NAMES[movement_value], "value": movement_value},
            }
    target = out / "v1_split_trailer.json"
    target.write_text(json.dumps(annotations, indent=1))
    return target


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shot_model.data.movieshots_fixture", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--trailers", type=int, default=6)
    parser.add_argument("--shots", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--flat", action="store_true", help="name clips {trailer}_shot_{id}.mp4 instead of {trailer}/shot_{id}.mp4")
    args = parser.parse_args(argv)
    print(make_fixture(args.out, args.trailers, args.shots, args.seed, nested=not args.flat))


if __name__ == "__main__":
    main()
