"""The camera-motion stream: how the whole picture moved between a clip's frames, measured, not learnt.

A VideoMAE learnt from scratch on renders of a few dozen sources learns those sources along with their camera
moves; on real footage it called slow pans and handheld drifts Static (docs/experiments.md, section 11). How far
the picture content shifts and grows between frames is the same measurement on any footage, so the movement head
also reads it: each consecutive pair of frames is split into overlapping patches, each patch's shift is found by
phase correlation (the peak of the inverse FFT of the normalised cross-power spectrum), and a similarity motion
(shift, zoom, rotation) is fitted to the patch shifts by iteratively reweighted least squares, so that a moving
subject's patches, which disagree with the camera's, lose their say.

No parameters: the stream is plain tensor arithmetic on the clip the processor made, in float32 on any device.
"""

import torch

PATCH = 32  # pixels; a patch finds shifts up to half its side between two sampled frames
PATCH_STRIDE = 16
# Patches flatter than this (standard deviation of normalised grey) have no texture to correlate.
MIN_TEXTURE = 0.05
ROBUST_ITERATIONS = 3
ROBUST_SCALE = 1.0  # pixels: patches this far off the fitted motion count half
PAIR_FEATURES = 8  # shift x, shift y, log zoom, rotation, misfit, agreeing share, peak height, usable share
SUMMARY_FEATURES = 13


def camera_motion_feature_count(num_frames: int) -> int:
    """Length of the feature vector for clips of `num_frames` frames: every consecutive pair, plus a summary."""
    return (num_frames - 1) * PAIR_FEATURES + SUMMARY_FEATURES


def phase_correlation(patches: torch.Tensor) -> torch.Tensor:
    """(batch, frames, patches, P, P) windowed patches -> (batch, frames - 1, patches, P, P): for each patch and the
    same patch of the next frame, the inverse FFT of their normalised cross-power spectrum, which peaks at minus the
    content's motion."""
    spectra = torch.fft.rfft2(patches)
    cross = spectra[:, :-1] * spectra[:, 1:].conj()
    return torch.fft.irfft2(cross / (cross.abs() + 1e-6), s=(PATCH, PATCH))


def patch_shifts(pixel_values: torch.Tensor, correlate=phase_correlation) -> dict[str, torch.Tensor]:
    """How each patch's content moved from each frame to the next.

    Arguments:
        pixel_values: (batch, frames, channels, height, width) normalised clips.
        correlate: makes the correlation surfaces, as `phase_correlation` (which fast inference swaps for an
            equal one in cheaper arithmetic).

    Returns:
        shifts: (batch, frames - 1, patches, 2) content motion in pixels (x right, y down).
        peaks: (batch, frames - 1, patches) height of the correlation peak, 1 for a perfect match.
        usable: (batch, frames - 1, patches) 1 where both patches have texture, else 0.
        centres: (patches, 2) patch centres relative to the frame centre, in pixels.
    """
    grey = pixel_values.float().mean(dim=2)  # (batch, frames, height, width)
    height, width = grey.shape[-2:]
    patches = grey.unfold(2, PATCH, PATCH_STRIDE).unfold(3, PATCH, PATCH_STRIDE)  # (batch, frames, rows, cols, P, P)
    rows, cols = patches.shape[2:4]
    patches = patches.flatten(2, 3).contiguous()  # (batch, frames, patches, P, P); contiguous: reductions over a strided view are slow
    mean = patches.mean(dim=(-2, -1), keepdim=True)
    patches = patches - mean
    texture = patches.square().mean(dim=(-2, -1)).sqrt()
    window = torch.hann_window(PATCH, periodic=False, device=grey.device)
    patches = patches * (window[:, None] * window[None, :])
    surface = correlate(patches)  # peaks at minus the content's motion
    peaks, where = surface.flatten(-2).max(dim=-1)
    peak_y, peak_x = where // PATCH, where % PATCH

    def refined(coordinate: torch.Tensor, before: torch.Tensor, after: torch.Tensor) -> torch.Tensor:
        """Sub-pixel peak position from a parabola through the peak and its two neighbours (the surface wraps)."""
        curvature = before - 2 * peaks + after
        offset = torch.where(curvature.abs() > 1e-6, 0.5 * (before - after) / curvature, torch.zeros_like(curvature))
        position = coordinate.float() + offset.clamp(-0.5, 0.5)
        return torch.where(position > PATCH / 2, position - PATCH, position)  # wrap to [-P/2, P/2]

    def value_at(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return surface.flatten(-2).gather(-1, ((y % PATCH) * PATCH + x % PATCH)[..., None])[..., 0]

    shift_x = refined(peak_x, value_at(peak_y, peak_x - 1), value_at(peak_y, peak_x + 1))
    shift_y = refined(peak_y, value_at(peak_y - 1, peak_x), value_at(peak_y + 1, peak_x))
    ys = torch.arange(rows, device=grey.device) * PATCH_STRIDE + (PATCH - height) / 2
    xs = torch.arange(cols, device=grey.device) * PATCH_STRIDE + (PATCH - width) / 2
    centre_y, centre_x = torch.meshgrid(ys.float(), xs.float(), indexing="ij")
    textured = torch.minimum(texture[:, :-1], texture[:, 1:]) > MIN_TEXTURE
    return {
        "shifts": -torch.stack([shift_x, shift_y], dim=-1),
        "peaks": peaks,
        "usable": textured.float(),
        "centres": torch.stack([centre_x.flatten(), centre_y.flatten()], dim=-1),
    }


def fit_similarity(shifts: torch.Tensor, weights: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """Weighted least squares of the motion field dx = tx + a*x - r*y, dy = ty + r*x + a*y.

    Arguments: shifts (..., patches, 2), weights (..., patches), centres (patches, 2).
    Returns: (..., 4) = tx, ty (pixels), a (zoom - 1), r (rotation, radians, small-angle).
    """
    x, y = centres[:, 0], centres[:, 1]
    ones, zeros = torch.ones_like(x), torch.zeros_like(x)
    design = torch.cat([torch.stack([ones, zeros, x, -y], dim=-1), torch.stack([zeros, ones, y, x], dim=-1)])  # (2P, 4)
    target = torch.cat([shifts[..., 0], shifts[..., 1]], dim=-1)  # (..., 2P)
    both = torch.cat([weights, weights], dim=-1)
    normal = torch.einsum("nk,...n,nl->...kl", design, both, design)
    # A little damping: a clip with no usable patch gets zero motion instead of a singular system.
    normal = normal + 1e-3 * torch.eye(4, device=normal.device)
    right = torch.einsum("nk,...n,...n->...k", design, both, target)
    return torch.linalg.solve(normal, right[..., None])[..., 0]


def camera_motion_features(pixel_values: torch.Tensor, correlate=phase_correlation) -> torch.Tensor:
    """(batch, frames, channels, height, width) normalised clips -> (batch, camera_motion_feature_count(frames)).

    Per pair of consecutive frames: shift x and y (fractions of the frame), log zoom, rotation, the misfit of
    the patches (fraction of the frame), the share of textured patches agreeing with the fit, the mean
    correlation peak, the share of patches usable. Then a summary over the clip: the path's final and largest
    shift and zoom (as the labelling guide judges a shot), the summed absolute steps, mean misfit, agreement and
    peak.
    """
    measured = patch_shifts(pixel_values, correlate)
    height, width = pixel_values.shape[-2:]
    shifts, centres = measured["shifts"], measured["centres"]
    confidence = measured["peaks"].clamp_min(0) * measured["usable"]
    weights = confidence
    for _ in range(ROBUST_ITERATIONS):
        motion = fit_similarity(shifts, weights, centres)
        tx, ty, a, r = (motion[..., i : i + 1] for i in range(4))
        predicted_x = tx + a * centres[:, 0] - r * centres[:, 1]
        predicted_y = ty + r * centres[:, 0] + a * centres[:, 1]
        misfit2 = (predicted_x - shifts[..., 0]) ** 2 + (predicted_y - shifts[..., 1]) ** 2
        weights = confidence / (1 + misfit2 / ROBUST_SCALE**2)  # Cauchy weights
    usable_count = measured["usable"].sum(-1)
    agreeing = ((misfit2 < 4 * ROBUST_SCALE**2).float() * measured["usable"]).sum(-1) / usable_count.clamp_min(1)
    misfit = ((misfit2 * confidence).sum(-1) / confidence.sum(-1).clamp_min(1e-6)).sqrt() / width
    step_x, step_y = motion[..., 0] / width, motion[..., 1] / height
    step_zoom = torch.log1p(motion[..., 2].clamp(-0.5, 0.5))
    per_pair = torch.stack(
        [step_x, step_y, step_zoom, motion[..., 3], misfit, agreeing, measured["peaks"].mean(-1), measured["usable"].mean(-1)], dim=-1
    )  # (batch, pairs, PAIR_FEATURES)
    path_x, path_y, path_zoom = step_x.cumsum(-1), step_y.cumsum(-1), step_zoom.cumsum(-1)
    largest_x, largest_y = path_x.abs().amax(-1), path_y.abs().amax(-1)
    summary = torch.stack(
        [
            path_x[..., -1], path_y[..., -1], path_zoom[..., -1],
            largest_x, largest_y, path_zoom.abs().amax(-1), torch.maximum(largest_x, largest_y),
            step_x.abs().sum(-1), step_y.abs().sum(-1), step_zoom.abs().sum(-1),
            misfit.mean(-1), agreeing.mean(-1), measured["peaks"].mean((-2, -1)),
        ],
        dim=-1,
    )  # fmt: skip
    return torch.cat([per_pair.flatten(1), summary], dim=-1)
