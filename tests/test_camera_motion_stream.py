"""The camera-motion stream: measured shift and zoom between a clip's frames, read by the movement head."""

import math

import av
import numpy as np
import pytest
import torch
from conftest import tiny_config

import train
from shot_model import ShotVideoMAEConfig, ShotVideoMAEForShotClassification, video_processor_for
from shot_model.models.shot_videomae.camera_motion_stream import SUMMARY_FEATURES, camera_motion_feature_count, camera_motion_features
from tools.starter_data.virtual_camera import Window, render_window

FRAMES = 8
STEP = 0.02  # of the window, between consecutive frames


@pytest.fixture
def real_frame(train_media) -> np.ndarray:
    """A 960x540 frame of real footage (a bedroom: furniture, a bed, a lamp)."""
    with av.open(str(train_media / "sam2__bedroom.mp4")) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")


def virtual_camera_clip(frame: np.ndarray, move: str, subject: bool = False) -> torch.Tensor:
    """(1, FRAMES, 3, 112, 112) clip, made by the starter generator's renderer and the model's video processor, from a
    square window moving over `frame`: pan right, tilt down, push (window shrinks) or pull (grows) by STEP each
    frame. With `subject`, a textured block crosses the picture as a person walking past a still camera would."""
    height, width = frame.shape[:2]
    block = np.random.default_rng(0).integers(0, 255, (40, 40, 3), dtype=np.uint8)
    frames = []
    for k in range(FRAMES):
        side, cx, cy = 0.6 * height, width / 2, height / 2
        cx += k * STEP * side if move == "pan" else 0
        cy += k * STEP * side if move == "tilt" else 0
        side *= {"push": (1 - STEP) ** k, "pull": (1 + STEP) ** k}.get(move, 1)
        picture = render_window(frame, Window(cx, cy, side), 1.0)
        if subject:
            left = 12 + 10 * k
            picture[50:90, left : left + 40] = block
        frames.append(picture)
    return video_processor_for(ShotVideoMAEConfig(num_frames=FRAMES))([np.stack(frames)], return_tensors="pt")["pixel_values"]


def path_summary(clip: torch.Tensor) -> dict[str, float]:
    summary = camera_motion_features(clip)[0, -SUMMARY_FEATURES:]
    return {"x": summary[0].item(), "y": summary[1].item(), "zoom": summary[2].item(), "largest_shift": summary[6].item()}


def test_a_still_camera_measures_no_motion(real_frame):
    measured = path_summary(virtual_camera_clip(real_frame, "static"))
    assert max(abs(value) for value in measured.values()) < 1e-3


@pytest.mark.parametrize("move, axis", [("pan", "x"), ("tilt", "y")])
def test_a_pan_or_tilt_measures_the_content_moving_the_other_way(real_frame, move, axis):
    measured = path_summary(virtual_camera_clip(real_frame, move))
    travelled = (FRAMES - 1) * STEP  # of the window, which is the whole picture
    other = "y" if axis == "x" else "x"
    assert measured[axis] == pytest.approx(-travelled, rel=0.1)  # the camera goes right, the content left
    assert abs(measured[other]) < 0.1 * travelled and abs(measured["zoom"]) < 0.01


@pytest.mark.parametrize("move, sign", [("push", 1), ("pull", -1)])
def test_a_push_or_pull_measures_the_content_growing_or_shrinking(real_frame, move, sign):
    measured = path_summary(virtual_camera_clip(real_frame, move))
    expected = (FRAMES - 1) * (-math.log(1 - STEP) if move == "push" else math.log(1 + STEP))
    assert sign * measured["zoom"] == pytest.approx(expected, rel=0.15)
    assert measured["largest_shift"] < 0.01


def test_a_subject_crossing_a_still_frame_is_not_taken_for_a_camera_move(real_frame):
    # The block moves 8 px a frame over about a tenth of the picture; the fit down-weighs patches that disagree.
    measured = path_summary(virtual_camera_clip(real_frame, "static", subject=True))
    assert measured["largest_shift"] < 0.01 and abs(measured["zoom"]) < 0.01


def test_features_have_the_documented_length_and_survive_half_precision_input(real_frame):
    clip = virtual_camera_clip(real_frame, "pan")
    features = camera_motion_features(clip.half())
    assert features.shape == (1, camera_motion_feature_count(FRAMES)) and features.dtype == torch.float32
    torch.testing.assert_close(features, camera_motion_features(clip), atol=2e-3, rtol=0.05)


def test_the_movement_head_adds_the_camera_motion_scores():
    torch.manual_seed(0)
    model = ShotVideoMAEForShotClassification(tiny_config(camera_motion_stream=True)).eval()
    clip = torch.randn(2, 4, 3, 32, 32)
    output = model(clip)
    assert output.camera_motion_features.shape == (2, camera_motion_feature_count(4))
    video_only = model.movement_head(output.pooled_features)
    motion_only = model.camera_motion_head(model.camera_motion_norm(output.camera_motion_features))
    torch.testing.assert_close(output.movement_logits, video_only + motion_only)


def test_a_saved_model_with_the_stream_reloads_with_it(tmp_path):
    torch.manual_seed(0)
    model = ShotVideoMAEForShotClassification(tiny_config(camera_motion_stream=True)).eval()
    model.camera_motion_norm.running_mean.normal_()  # trained statistics must travel with the weights
    model.save_pretrained(tmp_path)
    assert (tmp_path / "camera_motion_stream.py").is_file()  # the code travels with the weights, for trust_remote_code
    reloaded = ShotVideoMAEForShotClassification.from_pretrained(tmp_path).eval()
    assert reloaded.config.camera_motion_stream and reloaded.config.format_version == 3
    clip = torch.randn(2, 4, 3, 32, 32)
    torch.testing.assert_close(reloaded(clip).movement_logits, model(clip).movement_logits)


def test_a_config_without_the_stream_reads_as_before(tmp_path):
    ShotVideoMAEConfig(num_hidden_layers=1).save_pretrained(tmp_path)
    assert ShotVideoMAEConfig.from_pretrained(tmp_path).camera_motion_stream is False


def test_train_adds_the_stream_to_a_saved_model_with_fresh_statistics(tmp_path):
    # Stage 3 of the starter's recipe starts here: a saved model without the stream gains it.
    torch.manual_seed(0)
    saved = ShotVideoMAEForShotClassification(tiny_config()).eval()
    saved.save_pretrained(tmp_path)
    model = train.build_model({"checkpoint": str(tmp_path), "camera_motion_stream": True}, {"scale": [], "movement": []}).eval()
    assert model.config.camera_motion_stream
    torch.testing.assert_close(model.camera_motion_norm.running_mean, torch.zeros(camera_motion_feature_count(4)))
    clip = torch.randn(2, 4, 3, 32, 32)
    output = model(clip)
    torch.testing.assert_close(output.scale_logits, saved(clip).scale_logits)
    torch.testing.assert_close(model.movement_head(output.pooled_features), saved(clip).movement_logits)


def test_training_keeps_frozen_batch_norm_statistics_and_frozen_answers(tmp_path):
    # Frozen parts must answer as before, and a batch norm's running statistics are part of its answer: training
    # batches (other data, other augmentation) must not shift them.
    torch.manual_seed(0)
    model = ShotVideoMAEForShotClassification(tiny_config(camera_motion_stream=True))
    model.camera_motion_norm.running_mean.normal_()
    frozen_statistics = model.camera_motion_norm.running_mean.clone()
    reference = ShotVideoMAEForShotClassification(tiny_config(camera_motion_stream=True))
    reference.load_state_dict(model.state_dict())
    reference.eval()
    train.freeze(model, ["videomae", "fc_norm", "scale_head", "camera_motion_norm", "camera_motion_head"])
    train.train_mode(model)
    assert model.training and model.movement_head.training and not model.camera_motion_norm.training
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.5)
    clip = torch.randn(4, 4, 3, 32, 32)
    for _ in range(3):
        optimizer.zero_grad()
        model(clip * 3 + 1, movement_labels=torch.tensor([0, 1, 2, 3])).loss.backward()
        optimizer.step()
    torch.testing.assert_close(model.camera_motion_norm.running_mean, frozen_statistics)
    model.eval()
    torch.testing.assert_close(model(clip).scale_logits, reference(clip).scale_logits)
    assert not torch.allclose(model.movement_head.classifier.weight, reference.movement_head.classifier.weight)
