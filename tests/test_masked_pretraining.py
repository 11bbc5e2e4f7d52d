"""Masked tube pretraining: what it hides, that it learns, and that train.py fine-tunes from what it saves."""

import pytest
import torch
import yaml
from conftest import tiny_config

import train
from shot_model import ShotVideoMAEForShotClassification
from shot_model.training.masked_pretraining import config_from_yaml, decode_clips, main, pretrain, tube_mask


def test_tube_mask_hides_the_same_patches_in_every_time_slot():
    config = tiny_config(image_size=64, num_frames=8)  # 4x4 patches a frame, 4 time slots
    masks = tube_mask(6, config, ratio=0.75, generator=torch.Generator().manual_seed(0))

    assert masks.shape == (6, 4 * 16)
    slots = masks.view(6, 4, 16)
    assert (slots == slots[:, :1]).all()
    assert (slots.sum(dim=2) == 12).all()
    assert len({tuple(row.tolist()) for row in masks}) > 1  # each clip draws its own tube


@pytest.mark.parametrize("ratio", [0.0, 0.99, 1.0])
def test_a_mask_ratio_that_hides_nothing_or_everything_is_refused(ratio):
    with pytest.raises(ValueError, match="mask ratio"):
        tube_mask(2, tiny_config(image_size=64), ratio=ratio, generator=torch.Generator())


def moving_squares(count: int, frames: int, side: int) -> torch.Tensor:
    """Clips of a bright square gliding over a dark gradient: structure a masked autoencoder can learn."""
    clips = torch.zeros(count, frames, 3, side, side, dtype=torch.uint8)
    gradient = torch.linspace(20, 90, side, dtype=torch.float32)
    generator = torch.Generator().manual_seed(1)
    for clip in clips:
        clip[:] = gradient.to(torch.uint8)[None, None, None, :]
        x, y = torch.randint(0, side // 2, (2,), generator=generator).tolist()
        for t in range(frames):
            clip[t, :, y : y + side // 3, x + 2 * t : x + 2 * t + side // 3] = 230
    return clips


def test_pretraining_lowers_the_reconstruction_loss_and_saves_a_model_train_py_fine_tunes(tmp_path):
    config = tiny_config(image_size=64, num_frames=4, frame_differences=True)
    clips = moving_squares(8, frames=4, side=72)

    losses = pretrain(clips, config, tmp_path / "mae", steps=200, mask_ratio=0.75, learning_rate=2e-3, batch_size=8,
                      min_crop_area=0.8, save_every=1000, log=lambda line: None)

    first, last = sum(losses[:20]) / 20, sum(losses[-20:]) / 20
    assert last < 0.85 * first, (first, last)
    saved = ShotVideoMAEForShotClassification.from_pretrained(tmp_path / "mae")
    assert saved.config.frame_differences
    # train.py starts from it like from any saved shot model: the encoder is kept, heads may change.
    model = train.build_model({"checkpoint": str(tmp_path / "mae"), "active_heads": "movement"}, train_table=None)
    for name, weight in saved.videomae.state_dict().items():
        assert torch.equal(model.videomae.state_dict()[name], weight), name
    assert model.scale_head is None


def test_decoding_gives_one_uint8_clip_per_shot_of_real_footage_and_names_what_it_skipped(train_media, tmp_path):
    listing = tmp_path / "shots.csv"
    video = train_media / "sbdhw__news_frames.mp4"
    listing.write_text(f"video,start,end,scale,movement\n{video},0f,40f,,Static\n{video},100f,160f,CS,\n")
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    footage = tmp_path / "footage.csv"  # pretraining needs no labels: a list of videos will do
    footage.write_text(f"video\n{broken}\n{video}\n")

    clips, failures = decode_clips([listing, footage], tiny_config(image_size=64, num_frames=4), side=72, decode_short_side=144)

    assert clips.shape == (3, 4, 3, 72, 72) and clips.dtype == torch.uint8
    assert clips.float().std() > 10  # real pictures, not a blank fill
    assert not torch.equal(clips[0], clips[1])
    assert len(failures) == 1 and failures[0].startswith(f"{broken}: ")


def test_the_command_line_says_what_is_wrong_with_its_inputs(tmp_path, capsys):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"model": {"checkpoint": "runs/starter/model"}}))

    assert main(["--config", str(config), "--data", str(tmp_path / "shots.csv"), "--out", str(tmp_path / "out")]) == 2
    assert "pretraining needs a config that gives model.size" in capsys.readouterr().err

    config.write_text(yaml.safe_dump({"model": {"size": {"image_size": 64, "num_frames": 4}}}))
    assert config_from_yaml(config).image_size == 64
    assert main(["--config", str(config), "--data", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "out")]) == 2
    assert "missing.csv" in capsys.readouterr().err
    (tmp_path / "broken.mp4").write_bytes(b"not a video")
    (tmp_path / "footage.csv").write_text("video\nbroken.mp4\n")
    assert main(["--config", str(config), "--data", str(tmp_path / "footage.csv"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "skipped " in err and "broken.mp4" in err and "none of the 1 shots" in err
    assert not (tmp_path / "out").exists()


def test_only_pretraining_takes_rows_without_labels(tmp_path):
    from shot_model.data.shot_table import DataFormatError, read_shot_csv
    from shot_model.models.shot_videomae.configuration_shot_videomae import MOVEMENT_LABELS, SCALE_LABELS

    listing = tmp_path / "footage.csv"
    listing.write_text("video,start,end,scale,movement\nclip.mp4,1.0,2.5,,\n")

    with pytest.raises(DataFormatError, match=r"footage.csv:2: the row has neither a scale nor a movement label"):
        read_shot_csv(listing, SCALE_LABELS, MOVEMENT_LABELS)
    (row,) = read_shot_csv(listing, SCALE_LABELS, MOVEMENT_LABELS, labelled=False)
    assert (row["start"], row["end"], row["scale"], row["movement"]) == (1.0, 2.5, -100, -100)
