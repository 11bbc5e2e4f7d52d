"""The model package: shapes, losses, errors, save/load, Auto classes, remote code, backbones, card, Hub upload."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from conftest import tiny_config
from transformers import AutoConfig, AutoModel, AutoVideoProcessor, VideoMAEConfig, VideoMAEForPreTraining, VideoMAEModel

from shot_model import ShotVideoMAEConfig, ShotVideoMAEForShotClassification, check_processor_matches, video_processor_for
from shot_model.models.shot_videomae.modeling_shot_videomae import with_frame_differences


def clips(config, batch=2, seed=0):
    generator = torch.Generator().manual_seed(seed)
    # (batch, frames, channels, height, width)
    return torch.randn(batch, config.num_frames, 3, config.image_size, config.image_size, generator=generator)


@pytest.fixture
def model():
    torch.manual_seed(0)
    return ShotVideoMAEForShotClassification(tiny_config()).eval()


def test_output_shapes(model):
    output = model(clips(model.config, batch=3))
    assert output.scale_logits.shape == (3, 5)
    assert output.movement_logits.shape == (3, 4)
    assert output.pooled_features.shape == (3, 32)
    assert output.loss is None


def test_loss_with_both_one_or_no_labels(model):
    pixel_values = clips(model.config)
    scale, movement = torch.tensor([1, 4]), torch.tensor([0, 2])
    both = model(pixel_values, scale_labels=scale, movement_labels=movement).loss
    scale_only = model(pixel_values, scale_labels=scale).loss
    movement_only = model(pixel_values, movement_labels=movement).loss
    assert torch.isfinite(both) and both > 0
    torch.testing.assert_close(both, scale_only + movement_only)
    assert model(pixel_values).loss is None


def test_ignored_labels_drop_out_of_the_loss(model):
    pixel_values = clips(model.config)
    output = model(pixel_values)
    partly = model(pixel_values, scale_labels=torch.tensor([3, -100])).loss
    expected = torch.nn.functional.cross_entropy(output.scale_logits[:1], torch.tensor([3]))
    torch.testing.assert_close(partly, expected)


def test_batch_without_any_label_gives_zero_loss_that_backpropagates(model):
    model.train()
    loss = model(clips(model.config), scale_labels=torch.tensor([-100, -100]), movement_labels=torch.tensor([-100, -100])).loss
    assert loss.item() == 0.0
    loss.backward()  # must not raise: the zero stays connected to the graph


def test_class_weights_change_the_loss():
    torch.manual_seed(0)
    plain = ShotVideoMAEForShotClassification(tiny_config()).eval()
    weighted = ShotVideoMAEForShotClassification(tiny_config(movement_class_weights=[1, 1, 10, 10])).eval()
    weighted.load_state_dict(plain.state_dict())
    pixel_values, labels = clips(plain.config), torch.tensor([0, 2])
    plain_loss = plain(pixel_values, movement_labels=labels).loss
    weighted_loss = weighted(pixel_values, movement_labels=labels).loss
    logits = plain(pixel_values).movement_logits
    expected = torch.nn.functional.cross_entropy(logits, labels, weight=torch.tensor([1.0, 1, 10, 10]))
    torch.testing.assert_close(weighted_loss, expected)
    assert not torch.isclose(plain_loss, weighted_loss)


def test_single_head_model():
    model = ShotVideoMAEForShotClassification(tiny_config(active_heads="scale")).eval()
    output = model(clips(model.config), scale_labels=torch.tensor([0, 1]), movement_labels=torch.tensor([-100, -100]))
    assert output.movement_logits is None and output.scale_logits.shape == (2, 5)
    assert output.loss > 0
    with pytest.raises(ValueError, match="no movement head"):
        model(clips(model.config), movement_labels=torch.tensor([1, 2]))


def test_wrong_input_shape_names_expected_and_actual(model):
    with pytest.raises(ValueError, match=r"\(batch, 4, 3, 32, 32\), got \(2, 8, 3, 32, 32\)"):
        model(torch.randn(2, 8, 3, 32, 32))
    with pytest.raises(ValueError, match=r"got \(4, 3, 32, 32\)"):
        model(torch.randn(4, 3, 32, 32))


def test_out_of_range_label_is_a_clear_error(model):
    with pytest.raises(ValueError, match=r"scale_labels must be class indices in \[0, 5\) or -100, got \[7\]"):
        model(clips(model.config), scale_labels=torch.tensor([7, 1]))


def test_unknown_label_names_are_clear_errors():
    config = tiny_config()
    assert config.label_id("movement", "Push") == 2
    with pytest.raises(ValueError, match="Unknown scale label 'XCU': expected one of ECS, CS, MS, FS, LS"):
        config.label_id("scale", "XCU")
    with pytest.raises(ValueError, match="one weight per class"):
        tiny_config(scale_class_weights=[1, 2])
    with pytest.raises(ValueError, match="multiple of tubelet_size"):
        tiny_config(num_frames=5)


def test_save_and_load_round_trip_gives_equal_outputs(model, tmp_path):
    model.save_pretrained(tmp_path)
    reloaded = ShotVideoMAEForShotClassification.from_pretrained(tmp_path).eval()
    pixel_values = clips(model.config)
    expected, actual = model(pixel_values), reloaded(pixel_values)
    torch.testing.assert_close(actual.scale_logits, expected.scale_logits)
    torch.testing.assert_close(actual.movement_logits, expected.movement_logits)
    saved_settings = {key: value for key, value in reloaded.config.to_dict().items() if key != "_name_or_path"}
    assert saved_settings == {key: value for key, value in model.config.to_dict().items() if key != "_name_or_path"}


def test_frame_differences_are_each_frames_change_to_the_next():
    pixel_values = torch.arange(4.0).view(1, 4, 1, 1, 1).expand(1, 4, 3, 2, 2) ** 2  # frames 0, 1, 4, 9
    stacked = with_frame_differences(pixel_values)
    assert stacked.shape == (1, 4, 6, 2, 2)
    torch.testing.assert_close(stacked[:, :, :3], pixel_values)
    # Changes 1, 3, 5, and the last frame repeats the one before; doubled.
    assert stacked[0, :, 3, 0, 0].tolist() == [2.0, 6.0, 10.0, 10.0]


def test_a_frame_differences_model_takes_plain_clips_and_saves_and_loads(tmp_path):
    torch.manual_seed(0)
    model = ShotVideoMAEForShotClassification(tiny_config(frame_differences=True)).eval()
    assert model.videomae.embeddings.patch_embeddings.projection.in_channels == 6
    still, moving = clips(model.config, batch=1), clips(model.config, batch=1, seed=1)
    still = still[:, :1].expand_as(still)  # every frame the same: all differences zero
    assert not torch.allclose(model(still).movement_logits, model(moving).movement_logits)
    model.save_pretrained(tmp_path)
    reloaded = ShotVideoMAEForShotClassification.from_pretrained(tmp_path).eval()
    assert reloaded.config.frame_differences
    torch.testing.assert_close(reloaded(moving).movement_logits, model(moving).movement_logits)


def test_auto_classes_know_the_model(model, tmp_path):
    model.save_pretrained(tmp_path)
    assert isinstance(AutoConfig.from_pretrained(tmp_path), ShotVideoMAEConfig)
    assert isinstance(AutoModel.from_pretrained(tmp_path), ShotVideoMAEForShotClassification)
    assert isinstance(AutoModel.from_config(AutoConfig.for_model("shot_videomae", num_hidden_layers=1)), ShotVideoMAEForShotClassification)


def test_saved_folder_loads_by_remote_code_where_the_package_is_not_importable(model, tmp_path):
    model.save_pretrained(tmp_path / "model")
    expected = model(clips(model.config)).scale_logits
    torch.save(clips(model.config), tmp_path / "clips.pt")
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["shot_model"] = None  # any import of the package now raises ImportError
        import torch
        from transformers import AutoModel
        model = AutoModel.from_pretrained({str(tmp_path / "model")!r}, trust_remote_code=True).eval()
        assert type(model).__module__.startswith("transformers_modules"), type(model).__module__
        logits = model(torch.load({str(tmp_path / "clips.pt")!r})).scale_logits
        torch.save(logits, {str(tmp_path / "logits.pt")!r})
        """
    )
    env = {**os.environ, "PYTHONPATH": "", "HF_HOME": str(tmp_path / "hf_home"), "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    torch.testing.assert_close(torch.load(tmp_path / "logits.pt"), expected)


@pytest.mark.parametrize("checkpoint_class", [VideoMAEModel, VideoMAEForPreTraining])
def test_from_backbone_loads_the_encoder_weights(tmp_path, checkpoint_class):
    backbone_config = VideoMAEConfig(
        image_size=32, num_frames=4, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
        decoder_hidden_size=32, decoder_num_hidden_layers=1, decoder_num_attention_heads=2, decoder_intermediate_size=64,
        use_mean_pooling=checkpoint_class is VideoMAEModel,
    )
    torch.manual_seed(1)
    checkpoint = checkpoint_class(backbone_config)
    checkpoint.save_pretrained(tmp_path)
    encoder = checkpoint if checkpoint_class is VideoMAEModel else checkpoint.videomae

    model = ShotVideoMAEForShotClassification.from_backbone(tmp_path, active_heads="movement")

    assert model.config.backbone_name_or_path == str(tmp_path)
    assert model.config.hidden_size == 32 and model.config.use_mean_pooling == backbone_config.use_mean_pooling
    assert model.scale_head is None and model.movement_head is not None
    for name, tensor in encoder.state_dict().items():
        torch.testing.assert_close(model.videomae.state_dict()[name], tensor, msg=name)
    with pytest.raises(ValueError, match="do not pass hidden_size"):
        ShotVideoMAEForShotClassification.from_backbone(tmp_path, hidden_size=64)
    with pytest.raises(ValueError, match="do not pass frame_differences"):  # its first layer takes colour only
        ShotVideoMAEForShotClassification.from_backbone(tmp_path, frame_differences=True)


def test_hub_ids_resolve_through_the_hub_cache(model, tmp_path, monkeypatch):
    """`from_pretrained("org/name")` takes the real Hub code path; offline, it is served from the local cache."""
    snapshot = tmp_path / "hub" / "models--shot-model--tiny" / "snapshots" / ("0" * 40)
    model.save_pretrained(snapshot)
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text("0" * 40)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hub"))
    reloaded = AutoModel.from_pretrained("shot-model/tiny", cache_dir=tmp_path / "hub")
    torch.testing.assert_close(reloaded.state_dict()["scale_head.classifier.weight"], model.state_dict()["scale_head.classifier.weight"])


def test_video_processor_is_saved_beside_the_weights(model, tmp_path):
    model.save_pretrained(tmp_path)
    video_processor_for(model.config).save_pretrained(tmp_path)
    processor = AutoVideoProcessor.from_pretrained(tmp_path)
    check_processor_matches(model.config, processor)
    frames = torch.randint(0, 255, (4, 90, 160, 3), dtype=torch.uint8).numpy()
    pixel_values = processor([frames], return_tensors="pt")["pixel_values"]
    assert pixel_values.shape == (1, 4, 3, 32, 32)
    assert model(pixel_values).scale_logits.shape == (1, 5)
    with pytest.raises(ValueError, match=r"expects frames of \(64, 64\)"):
        check_processor_matches(tiny_config(image_size=64), processor)


def test_model_card_describes_labels_input_training_and_metrics(tmp_path):
    config = tiny_config(
        training_data="Virtual camera moves rendered over real clips.",
        eval_results={"dev": {"scale_macro_f1": 0.71234, "movement_accuracy": 0.8}},
        backbone_name_or_path="MCG-NJU/videomae-base",
    )
    ShotVideoMAEForShotClassification(config).save_pretrained(tmp_path)
    card = (tmp_path / "README.md").read_text()
    assert card.startswith("---\nlibrary_name: \"transformers\"")
    assert 'base_model: "MCG-NJU/videomae-base"' in card
    for label in ("ECS", "CS", "MS", "FS", "LS", "Static", "Motion", "Push", "Pull"):
        assert f"| {label} |" in card
    assert "`(batch, 4, 3, 32, 32)`" in card
    assert "Virtual camera moves rendered over real clips." in card
    assert "| dev | scale_macro_f1 | 0.712 |" in card
    assert "frame_differences" not in card
    ShotVideoMAEForShotClassification(tiny_config(frame_differences=True)).save_pretrained(tmp_path / "differences")
    assert "difference to the next frame" in (tmp_path / "differences" / "README.md").read_text()


def test_push_to_hub_uploads_weights_code_processor_and_our_card(model, tmp_path, monkeypatch):
    uploaded = {}

    def fake_create_repo(self, repo_id, **kwargs):
        return type("RepoUrl", (), {"repo_id": repo_id})()

    def fake_upload_folder(self, repo_id, folder_path, **kwargs):
        uploaded["repo_id"] = repo_id
        uploaded["files"] = {name: open(os.path.join(folder_path, name), "rb").read() for name in os.listdir(folder_path)}
        return type("CommitInfo", (), {"commit_url": f"https://huggingface.co/{repo_id}/commit/abc"})()

    monkeypatch.setattr("huggingface_hub.HfApi.create_repo", fake_create_repo)
    monkeypatch.setattr("huggingface_hub.HfApi.upload_folder", fake_upload_folder)
    url = model.push_to_hub("shot-model/tiny", video_processor=video_processor_for(model.config))

    assert url.endswith("/commit/abc") and uploaded["repo_id"] == "shot-model/tiny"
    assert {
        "config.json", "model.safetensors", "README.md", "video_preprocessor_config.json",
        "configuration_shot_videomae.py", "modeling_shot_videomae.py", "model_card.py",
    } <= set(uploaded["files"])
    assert b"Shot scale and camera movement classifier" in uploaded["files"]["README.md"]
    assert json.loads(uploaded["files"]["config.json"])["auto_map"]["AutoModel"].endswith("ShotVideoMAEForShotClassification")


def test_the_shipped_starter_carries_the_packages_own_code(tmp_path):
    # save_pretrained copies the model's .py files beside the weights (what trust_remote_code loads); after editing
    # shot_model/models/shot_videomae/, `make starter-code` refreshes the starter's copies.
    starter = Path(__file__).resolve().parents[1] / "checkpoints" / "shot-videomae-starter"
    ShotVideoMAEForShotClassification(tiny_config()).save_pretrained(tmp_path)
    copied = sorted(path.name for path in tmp_path.glob("*.py"))
    assert copied == sorted(path.name for path in starter.glob("*.py"))
    for name in copied:
        assert (starter / name).read_text() == (tmp_path / name).read_text(), f"{starter / name} is stale: run `make starter-code`"


@pytest.mark.parametrize(
    "streams, version",
    [({}, 1), ({"appearance_stream": "efficientnet-lite0"}, 2), ({"camera_motion_stream": True}, 3)],
)
def test_a_saved_config_carries_the_oldest_format_that_describes_it(tmp_path, streams, version):
    # Code older than a stream must refuse a model that has it (not build one without it), and may load the rest.
    plain = tmp_path / "plain"
    ShotVideoMAEConfig(num_hidden_layers=1).save_pretrained(plain)
    # A stream added to a saved model (as train.py's later stages do) counts too.
    ShotVideoMAEConfig.from_pretrained(plain, **streams).save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["format_version"] == version
