"""Stage 5's cache splits the appearance stream in two: both halves together must give the model's own features, or a
fine-tuned tail would learn from inputs the shipped model never computes."""

import torch

from shot_model import ShotClassifier
from shot_model.sampling import rgb_clip
from shot_model.video import analysis_size, iter_frames, probe_video
from tools.starter_data.appearance_tail import tail_features, tail_inputs


def test_the_cached_inputs_and_the_tail_give_the_models_appearance_features(train_media):
    video = train_media / "sam2__04_coffee.mp4"
    frames = list(iter_frames(video, analysis_size(probe_video(video), 144)))
    classifier = ShotClassifier.from_pretrained()
    clips = [rgb_clip(frames[start : start + classifier.num_frames]) for start in (0, 100, 200)]

    inputs = torch.from_numpy(tail_inputs(classifier, clips))
    model = classifier.model.float().eval()
    with torch.no_grad():
        expected = model.appearance_of(classifier.video_processor(clips, return_tensors="pt")["pixel_values"])
        got = tail_features(model, inputs)

    assert inputs.shape == (3, 2, 112, 9, 9)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-4)
