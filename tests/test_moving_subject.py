"""The stand-in subject pasted into movement-only training clips: it moves on its own, and only where it is."""

import numpy as np

from shot_model.data.augmentation.moving_subject import paste_moving_subject


def still_clip(count=8, height=72, width=128) -> np.ndarray:
    """A locked-off shot of a fixed gradient: every frame the same."""
    frame = np.zeros((height, width, 3), np.uint8)
    frame[:, :, 0] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
    frame[:, :, 1] = 60
    return np.repeat(frame[None], count, axis=0)


def test_the_subject_moves_across_a_still_clip_and_leaves_the_rest_alone():
    frames = still_clip()
    donor = np.full((90, 160, 3), (20, 230, 20), np.uint8)  # a bright green thing from another scene
    moved = []
    for seed in range(10):
        out = paste_moving_subject(frames, donor, np.random.default_rng(seed))
        assert out.shape == frames.shape and out.dtype == np.uint8
        changed = np.abs(out.astype(int) - frames.astype(int)).sum(axis=3) > 30  # (time, height, width)
        # Only a patch changes, never the whole picture.
        assert changed.mean(axis=(1, 2)).max() < 0.5
        visible = [index for index in range(len(out)) if changed[index].sum() > 20]
        if len(visible) >= 2:
            first, last = visible[0], visible[-1]
            centre = lambda mask: np.argwhere(mask).mean(axis=0)  # noqa: E731
            size = lambda mask: mask.sum()  # noqa: E731
            moved.append(np.abs(centre(changed[first]) - centre(changed[last])).sum() > 2 or abs(size(changed[first]) / size(changed[last]) - 1) > 0.2)
    assert np.all(frames == still_clip())  # the input is not touched
    assert sum(moved) >= 7, "the pasted subject should travel or change size in most clips"


def test_the_same_seed_gives_the_same_clip():
    frames, donor = still_clip(), np.random.default_rng(0).integers(0, 255, (90, 160, 3), dtype=np.uint8)
    one = paste_moving_subject(frames, donor, np.random.default_rng(3))
    two = paste_moving_subject(frames, donor, np.random.default_rng(3))
    assert np.array_equal(one, two)
