"""Screen graphics for training clips: drawn on the screen, not the scene, and never over most of the picture."""

import numpy as np

from shot_model.data.augmentation import screen_graphics
from shot_model.data.augmentation.screen_graphics import add_screen_graphics


def still_clip(frames: int = 8, height: int = 144, width: int = 256) -> np.ndarray:
    """A locked-off shot of a textured scene: every frame the same."""
    scene = np.random.default_rng(0).integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    return np.repeat(scene[None], frames, axis=0)


def test_graphics_cover_a_band_or_corner_and_leave_the_clip_given_untouched():
    clip = still_clip()
    original = clip.copy()
    for seed in range(20):
        drawn = add_screen_graphics(clip, np.random.default_rng(seed))
        assert drawn.shape == clip.shape and drawn.dtype == np.uint8
        changed = (drawn != clip).any(axis=-1)
        assert changed.any()
        assert changed.mean() < 0.4  # the scene stays in view: the labels still describe it
    np.testing.assert_array_equal(clip, original)


def test_a_scrolling_ticker_moves_across_a_still_shot_and_a_still_one_does_not(monkeypatch):
    # Only tickers, so what moves between frames is the ticker text.
    monkeypatch.setattr(screen_graphics, "_GRAPHICS", ((screen_graphics._draw_ticker, 1.0),))
    clip = still_clip()
    moving = still = 0
    for seed in range(20):
        drawn = add_screen_graphics(clip, np.random.default_rng(seed)).astype(np.int16)
        if np.abs(drawn[1:] - drawn[:-1]).max() > 0:
            moving += 1
        else:
            still += 1
    assert moving >= 4 and still >= 4  # about half of the tickers scroll
