"""Checking a model folder, and loading the model on another thread while the first video already decodes.

Importing torch and transformers and reading the weights takes seconds (bench/ad_paced.py prints it as start-up),
as long as decoding a minute of 720p video. An analysis needs the model only when its first batch of clips is
ready, and before that only the clip length, which config.json gives at once; so `shot-model analyze` starts
decoding and splitting at once and the model arrives while it does. Nothing here imports torch.
"""

import json
import threading
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = REPO_ROOT / "checkpoints" / "shot-videomae-starter"
MODEL_TYPE = "shot_videomae"


class ModelLoadError(RuntimeError):
    """A model folder or Hub id that cannot be loaded; the message says which and what to do."""


def check_model_folder(folder: Path, allow_pickle: bool = False) -> dict:
    """Say exactly what is wrong with a local model folder before transformers gives a vaguer error. (A config
    from a newer shot-model is refused by the config class itself, when the model loads.)

    Returns:
        The folder's config.json, parsed.

    Raises:
        ModelLoadError: naming the file that is missing or wrong, and what to do about it.
    """
    config_path = folder / "config.json"
    if not config_path.is_file():
        raise ModelLoadError(f"{folder} is not a saved model folder: it has no config.json")
    try:
        config = json.loads(config_path.read_text())
    except json.JSONDecodeError as error:
        raise ModelLoadError(f"{config_path} is not valid JSON ({error}); save the model again") from error
    if config.get("model_type") != MODEL_TYPE:
        raise ModelLoadError(f"{folder} holds a {config.get('model_type')!r} model, not a shot classifier ({MODEL_TYPE!r})")
    has_safetensors = any(folder.glob("model*.safetensors")) or (folder / "model.safetensors.index.json").is_file()
    if not has_safetensors:
        if (folder / "pytorch_model.bin").is_file() and not allow_pickle:
            raise ModelLoadError(
                f"{folder} has only pickled weights (pytorch_model.bin), which can run arbitrary code when loaded. "
                "Convert them to safetensors (load and save_pretrained the model where you trust it), or opt in "
                "with --allow-pickle if you trust their source"
            )
        if not (folder / "pytorch_model.bin").is_file():
            raise ModelLoadError(f"{folder} has no weights: model.safetensors is missing")
    if not any((folder / name).is_file() for name in ("video_preprocessor_config.json", "preprocessor_config.json")):
        raise ModelLoadError(
            f"{folder} has no video_preprocessor_config.json: save the processor beside the weights "
            "(shot_model.video_processor_for(model.config).save_pretrained(folder))"
        )
    return config


class BackgroundClassifier:
    """A `ShotClassifier` loading on its own thread. `num_frames` is known at once; any other attribute (`classify`,
    `config`, `model_id`, ...) waits for the load and raises its error, if it failed."""

    def __init__(self, load: Callable[[], object], num_frames: int):
        self.num_frames = num_frames
        self._classifier = None
        self._error: BaseException | None = None
        self._loaded = threading.Event()
        threading.Thread(target=self._load, args=(load,), name="shot-model-load", daemon=True).start()

    def _load(self, load) -> None:
        try:
            self._classifier = load()
        except BaseException as error:  # handed to whoever asks for the model, on their thread
            self._error = error
        finally:
            self._loaded.set()

    def get(self):
        """The loaded `ShotClassifier` (blocks until it is)."""
        self._loaded.wait()
        if self._error is not None:
            raise self._error
        return self._classifier

    def __getattr__(self, name: str):
        return getattr(self.get(), name)


def quiet_transformers() -> None:
    """The commands draw their own progress; transformers' weight-loading bars would only interleave with it."""
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()


def load_classifier(name_or_path: str | Path | None = None, allow_pickle: bool = False, device=None, background: bool = True):
    """The model a command analyses with: a local folder (the starter by default) loads on another thread once its
    files are checked here; a Hub id loads now, as it may need the network. transformers' own progress bars are
    turned off: the commands draw theirs.

    Raises:
        ModelLoadError: the folder's files are wrong (at once), or, for a Hub id, it cannot be loaded.
    """

    def load():
        from .classifier import ShotClassifier

        quiet_transformers()
        return ShotClassifier.from_pretrained(name_or_path, device=device, allow_pickle=allow_pickle)

    folder = Path(name_or_path or DEFAULT_MODEL)
    if not background or not folder.is_dir():
        return load()  # a Hub id, or no folder there: ShotClassifier says what is wrong
    config = check_model_folder(folder, allow_pickle)
    if not isinstance(config.get("num_frames"), int):
        return load()  # an unusual config: let the model class read it
    return BackgroundClassifier(load, config["num_frames"])
