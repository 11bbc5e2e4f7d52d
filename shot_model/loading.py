"""What loading a model needs before torch: the starter's place, the folder check, and the error it raises.

Nothing here imports torch or transformers, so the CLI can name what is wrong with a model folder, and catch the
error, without paying for them. (Loading the model on another thread while the first video decodes was tried and
dropped: importing transformers holds the GIL, and the decoding loop waited as long as the load took;
docs/experiments.md, section 15.)
"""

import json
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = REPO_ROOT / "checkpoints" / "shot-videomae-starter"
MODEL_TYPE = "shot_videomae"
# The newest config.json format this shot-model reads: configuration_shot_videomae's CONFIG_FORMAT_VERSION, which
# imports transformers; tests/test_fast_loading.py keeps the two equal.
CONFIG_FORMAT_VERSION = 3


class ModelLoadError(RuntimeError):
    """A model folder or Hub id that cannot be loaded; the message says which and what to do."""


def damaged_weights(name_or_path, error: Exception) -> ModelLoadError:
    """The error for weights that do not deserialise, however they were being loaded."""
    return ModelLoadError(f"The weights of {str(name_or_path)!r} are damaged ({error}); download or save the model again")


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
    config = _read_json_object(config_path, "save the model again")
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
    processor_files = [folder / name for name in ("video_preprocessor_config.json", "preprocessor_config.json") if (folder / name).is_file()]
    if not processor_files:
        raise ModelLoadError(
            f"{folder} has no video_preprocessor_config.json: save the processor beside the weights "
            "(shot_model.video_processor_for(model.config).save_pretrained(folder))"
        )
    _read_json_object(processor_files[0], "save the video processor again")
    return config


def _read_json_object(path: Path, remedy: str) -> dict:
    try:
        settings = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ModelLoadError(f"Could not read {path} ({error}); {remedy}") from error
    if not isinstance(settings, dict):
        raise ModelLoadError(f"{path} holds a JSON {type(settings).__name__}, not settings; {remedy}")
    return settings


def quiet_transformers() -> None:
    """The commands draw their own progress; transformers' weight-loading bars would only interleave with it.

    What transformers' `disable_progress_bar()` does, without importing it (a CPU load may never need it):
    transformers reads huggingface_hub's switch when it is imported, so switching that off suffices until then."""
    import sys

    from huggingface_hub.utils import disable_progress_bars

    disable_progress_bars()
    if "transformers" in sys.modules:
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
