"""Wipes: one picture replacing another behind an edge that sweeps across the frame. TransNetV2 misses them (none of
the 11 wipes of the tuning montages), so `transnet.GradualCheck` asks this test about every stretch the network
found nothing in, on the same 48x27 frames.

During a wipe every pixel shows either the outgoing picture or the incoming one, and the incoming one's share grows
frame by frame along one axis of the frame. In a dissolve or a fade the pixels are mixes of both, or of one and black;
in a pan or a whip the pixels match neither end. The thresholds were chosen on the checks of the tuning montages
(docs/experiments.md, section 19). On `MIN_CLEAN`'s measure the wipes scored 0.44-0.90, the dissolves and fades at
most 0.56, a pan and a whip 0.58 and 0.51. A person turning in front of a plain wall scored 0.83-0.88, but changed
only 26-29% of the picture. On `MIN_STEP`'s measure (`_step`) the wipes scored
0.57-0.97, the pans, whips and other windows without a wipe at most 0.71, and a fireball filling the frame in a
hand-checked CG clip (`katna__cg-short`) about 0.59; a looser measure had taken that fireball for a wipe. 6 of the 11
wipes pass every test. All 11 are straight edges sweeping across or down, as the montages make them, and the other 5
fall under `MIN_CLEAN` or `MIN_STEP`, so they are still missed.
"""

import numpy as np

# A pixel tells the two pictures apart when they differ by more than this (sum over RGB, 0-765).
PIXEL_DIFFERENCE = 60.0
# ... and it shows one of them when it is within this share of that difference from it.
MATCH_SHARE = 0.35
# Most of the picture must change: a person moving on a plain background changes a quarter of it.
MIN_CHANGED = 0.6
# Every frame with both pictures on screen: the share of changed pixels that show one or the other.
MIN_CLEAN = 0.65
# ... and along one axis (columns or rows) the incoming share per line is this close to one straight step (`_step`).
MIN_STEP = 0.8
# A wipe has at least this many frames with both pictures, 15-85% incoming (fewer: a cut).
MIN_FRAMES = 4
# The incoming share never falls back by more than this from one frame to the next (a wipe does not reverse).
MAX_SETBACK = 0.08


def find_wipe(window: np.ndarray) -> tuple[int, int, int] | None:
    """(first, cut, last) frame offsets of a wipe from the window's first frames to its last, or None.

    `window` is (frames, height, width, 3) uint8: the outgoing picture in its first two frames, the incoming one in
    its last two. `first` and `last` are the first and last frames with both pictures on screen (the incoming share
    from 10% to 90%); `cut` is the first frame that is mostly the incoming picture.
    """
    pixels = window.astype(np.float32)
    outgoing, incoming = pixels[:2].mean(axis=0), pixels[-2:].mean(axis=0)
    difference = np.abs(outgoing - incoming).sum(axis=-1)
    changed = difference > PIXEL_DIFFERENCE
    count = int(changed.sum())
    if count < MIN_CHANGED * changed.size:
        return None
    shows_outgoing = (np.abs(pixels - outgoing).sum(axis=-1) < MATCH_SHARE * difference) & changed
    shows_incoming = (np.abs(pixels - incoming).sum(axis=-1) < MATCH_SHARE * difference) & changed
    clean = (shows_outgoing.sum(axis=(1, 2)) + shows_incoming.sum(axis=(1, 2))) / count
    share = shows_incoming.sum(axis=(1, 2)) / count
    both = np.flatnonzero((share > 0.15) & (share < 0.85))
    if len(both) < MIN_FRAMES or clean[both].min() < MIN_CLEAN or np.any(np.diff(share) < -MAX_SETBACK):
        return None
    if min(_step(changed, shows_incoming[t]) for t in both) < MIN_STEP:
        return None
    first = int(np.flatnonzero(share >= 0.1)[0])
    last = int(np.flatnonzero(share <= 0.9)[-1])
    cut = int(np.flatnonzero(share >= 0.5)[0])
    return first, cut, max(cut, last)


def _step(changed: np.ndarray, incoming: np.ndarray) -> float:
    """How well, over columns or over rows (the better), the incoming picture's share per line is one straight step:
    1 minus the mean distance from the best step that has lines wholly incoming on one side and wholly outgoing on the
    other. An edge straight across the frame gives about 1; a blob growing from a point (a fireball, an object
    coming close) or pixels scattered by motion give less, as no line is wholly incoming yet or the lines are mixed."""
    best = 0.0
    for axis in (0, 1):
        lines = changed.sum(axis=axis)
        seen = lines > 0
        profile = incoming.sum(axis=axis)[seen] / lines[seen]
        n = len(profile)
        if n < 2:
            continue
        for ordered in (profile, profile[::-1]):
            # incoming on lines [0, k), outgoing on [k, n): the mean distance for every k at once
            before = np.cumsum(1.0 - ordered)[:-1]  # lines 0..k-1 should be 1
            after = np.cumsum(ordered[::-1])[::-1][1:]  # lines k..n-1 should be 0
            best = max(best, 1.0 - float((before + after).min()) / n)
    return best
