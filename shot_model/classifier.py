"""Loading a shot classifier with its video processor, and classifying clips in batches on the best device.

`ShotClassifier` is what the pipeline, the CLI and the app hold: load it once per process, call `classify` often.
"""

import functools
import hashlib
import socket
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import numpy as np
import torch
from huggingface_hub import constants, snapshot_download
from safetensors import SafetensorError

from .fast_inference import FastShotClassifier, FastVideoProcessor, unsupported_reason
from .fast_loading import FastParts, load_fast_parts
from .loading import CONFIG_FORMAT_VERSION, DEFAULT_MODEL, ModelLoadError, check_model_folder, damaged_weights
from .results import ClipProbabilities

if TYPE_CHECKING:
    from .models.shot_videomae import ShotVideoMAEConfig, ShotVideoMAEForShotClassification

# transformers (and the model classes, which register with its Auto classes) are imported where a model is loaded
# through it: on a CPU, a local folder loads without it (fast_loading.py).


def _in_hub_cache(repo_id: str) -> bool:
    try:
        snapshot_download(repo_id, local_files_only=True)
        return True
    except Exception:  # any failure here just means "not usable from the cache"
        return False


def _hub_reachable(timeout: float = 3.0) -> bool:
    """One TCP connection to the Hub's host: seconds, not the minute of retries a download would take."""
    if constants.HF_HUB_OFFLINE:
        return False
    url = urlparse(constants.ENDPOINT)
    try:
        with socket.create_connection((url.hostname, url.port or (443 if url.scheme == "https" else 80)), timeout=timeout):
            return True
    except OSError:
        return False


def best_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class ShotClassifier:
    """A loaded model and its processor. `classify` turns RGB clips of any size into label probabilities.

    With `fast` (the default), an fp32 model on a CPU classifies through `FastShotClassifier`, a copy of it with the
    arithmetic rearranged (fast_inference.py): the same labels, probabilities within about 1e-5, and the starter
    2.3-2.5x as fast. Clips go through `FastVideoProcessor`, which makes the processor's pixels bit for bit. A model
    it does not cover runs as it is, and `fast_model` is then None with the reason in `fast_unavailable`. On CUDA the
    model runs as it is, in fp16.

    `from_pretrained` on a CPU builds the fast copy straight from a local folder's files (fast_loading.py), without
    transformers; `model` and `video_processor`, the model and processor as transformers loads them, then load on
    first use, as `config` does. `fast_loading_unavailable` says why a folder loaded through transformers instead.
    """

    def __init__(self, model: "ShotVideoMAEForShotClassification", video_processor, model_id: str, device=None, fast: bool = True):
        from .models.shot_videomae import check_processor_matches

        check_processor_matches(model.config, video_processor)
        device = torch.device(device) if device is not None else best_device()
        model = model.to(device).eval()
        fast_unavailable = unsupported_reason(model) if fast else "fast=False"
        self._set_state(
            device=device, model_id=model_id, settings=model.config, model=model, video_processor=video_processor,
            fast_model=FastShotClassifier(model) if fast_unavailable is None else None,
            fast_processor=FastVideoProcessor(video_processor) if fast else None, fast_unavailable=fast_unavailable,
        )

    def _set_state(
        self, *, device, model_id, settings, model=None, video_processor=None, load_model=None, load_processor=None,
        fast_model=None, fast_processor=None, fast_unavailable=None, weights=None, fast_loading_unavailable=None,
    ) -> None:
        """Every attribute, in one place for both ways of making a classifier."""
        self.device, self.model_id = device, model_id
        self._settings = settings  # the config, or config.json's entries (the fast load): what classifying reads
        self._config = model.config if model is not None else None
        self._model, self._video_processor = model, video_processor
        self._load_model, self._load_processor = load_model, load_processor
        self.fast_model, self.fast_processor, self.fast_unavailable = fast_model, fast_processor, fast_unavailable
        self.fast_loading_unavailable = fast_loading_unavailable  # why from_pretrained loaded through transformers
        self._weights = weights

    @classmethod
    def _from_fast_parts(cls, parts: FastParts, model_id: str, load_model, load_processor) -> "ShotClassifier":
        classifier = cls.__new__(cls)
        classifier._set_state(
            device=torch.device("cpu"), model_id=model_id, settings=parts.config, load_model=load_model,
            load_processor=load_processor, fast_model=parts.model, fast_processor=parts.processor, weights=parts.weights,
        )
        return classifier

    @classmethod
    def from_pretrained(
        cls, name_or_path: str | Path | None = None, device=None, allow_pickle: bool = False, fast: bool = True
    ) -> "ShotClassifier":
        """Load a saved model folder or Hub id (default: the starter checkpoint shipped in the repo).

        Only safetensors weights are read unless `allow_pickle`: unpickling a `.bin` checkpoint can run any code
        its author put in it. `fast=False` classifies with the model and processor exactly as loaded (see the class).

        Raises:
            ModelLoadError: the folder or Hub id is missing, incomplete or unreachable; the message says how to fix it.
        """
        name_or_path = str(name_or_path or DEFAULT_MODEL)
        if name_or_path == str(DEFAULT_MODEL) and not DEFAULT_MODEL.is_dir():
            raise ModelLoadError(
                f"The starter checkpoint is missing at {DEFAULT_MODEL}. Pass a model folder or Hub id with "
                "--model, or rebuild the starter as data/README.md describes."
            )
        is_local = Path(name_or_path).exists()
        if is_local:
            config = check_model_folder(Path(name_or_path), allow_pickle)
            if config.get("format_version", 1) > CONFIG_FORMAT_VERSION:
                raise ModelLoadError(
                    f"{Path(name_or_path) / 'config.json'} was written by a newer shot-model (format {config['format_version']}, "
                    f"this one reads up to {CONFIG_FORMAT_VERSION}): upgrade shot-model"
                )
        device = torch.device(device) if device is not None else best_device()
        load_model = functools.partial(_load_model, name_or_path, device, allow_pickle, local_files_only=False)
        load_processor = functools.partial(_load_processor, name_or_path, local_files_only=False)
        fast_loading_unavailable = _fast_loading_unavailable(is_local, fast, device)
        if fast_loading_unavailable is None:
            parts = load_fast_parts(Path(name_or_path), config, load_processor)
            if isinstance(parts, FastParts):
                return cls._from_fast_parts(parts, name_or_path, load_model, load_processor)
            fast_loading_unavailable = parts
        # A Hub id the cache already holds loads without the network; otherwise fail fast when the Hub is out of
        # reach, rather than sit through the download client's retries.
        offline = not is_local and _in_hub_cache(name_or_path)
        if not is_local and not offline and not _hub_reachable():
            raise ModelLoadError(
                f"{name_or_path!r} is neither a local folder nor in the Hugging Face cache, and the Hub "
                f"({constants.ENDPOINT}) cannot be reached from here. Pass a local model folder, or download the model "
                "on a connected machine (huggingface-cli download ...) and copy the cache over."
            )
        model = _load_model(name_or_path, device, allow_pickle, local_files_only=offline)
        video_processor = _load_processor(name_or_path, local_files_only=offline)
        try:
            classifier = cls(model, video_processor, model_id=name_or_path, device=device, fast=fast)
        except ValueError as error:  # the saved processor does not fit the model
            raise ModelLoadError(f"{name_or_path}: {error}. Save the model's video processor again") from error
        classifier.fast_loading_unavailable = fast_loading_unavailable
        return classifier

    @property
    def model(self) -> "ShotVideoMAEForShotClassification":
        """The model as transformers loads it (loaded now, when `from_pretrained` took the fast path)."""
        if self._model is None:
            self._model = self._load_model().eval()
        return self._model

    @property
    def video_processor(self):
        """The saved video processor as transformers loads it (loaded on first use after the fast path)."""
        if self._video_processor is None:
            self._video_processor = self._load_processor()
        return self._video_processor

    @property
    def config(self) -> "ShotVideoMAEConfig":
        """The model's config (after the fast load, read through transformers on first use)."""
        if self._config is None:
            self._config = self.model.config if self._model is not None else _load_config(self.model_id)
        return self._config

    @property
    def num_frames(self) -> int:
        """Frames of each clip the model takes."""
        return self._settings.num_frames

    @property
    def scale_labels(self) -> list[str]:
        """The scale head's classes, in the order of its probabilities."""
        return list(self._settings.scale_labels)

    @property
    def movement_labels(self) -> list[str]:
        """The movement head's classes, in the order of its probabilities."""
        return list(self._settings.movement_labels)

    @functools.cached_property
    def weights_fingerprint(self) -> str:
        """sha256 of the weights' bytes (12 hex digits): names the model that made a result, wherever it was loaded from."""
        weights = self._weights if self._weights is not None else self.model.state_dict()
        digest = hashlib.sha256()
        for name, tensor in sorted(weights.items()):
            digest.update(name.encode())
            digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
        return digest.hexdigest()[:12]

    @torch.inference_mode()
    def classify(self, clips: list[np.ndarray], batch_size: int = 16) -> list[ClipProbabilities]:
        """Label probabilities for each clip.

        Arguments:
            clips: RGB uint8 arrays of shape `(config.num_frames, height, width, 3)`, any height and width.
            batch_size: clips per forward pass.
        """
        results = []
        for start in range(0, len(clips), batch_size):
            batch = clips[start : start + batch_size]
            # (batch, frames, channels, image_size, image_size)
            if self.fast_processor is not None:
                pixel_values = self.fast_processor(batch)
            else:
                pixel_values = self.video_processor(batch, return_tensors="pt")["pixel_values"]
            if self.fast_model is not None:
                output = self.fast_model(pixel_values.float())
            else:
                output = self.model(pixel_values.to(self.device, self.model.dtype))
            results.extend(self._probabilities(output, len(batch)))
        return results

    def _probabilities(self, output, batch_len: int) -> list[ClipProbabilities]:
        scale = _softmax_rows(output.scale_logits, self.scale_labels, batch_len)
        movement = _softmax_rows(output.movement_logits, self.movement_labels, batch_len)
        return [ClipProbabilities(scale=s, movement=m) for s, m in zip(scale, movement)]


def _fast_loading_unavailable(is_local: bool, fast: bool, device: torch.device) -> str | None:
    """Why the model cannot go straight into the fast CPU copy, or None when it can (the folder may still say no)."""
    if not fast:
        return "fast=False: the model and processor classify as loaded"
    if device.type != "cpu":
        return f"the model runs on {device}, and the fast copy is for the CPU"
    if not is_local:
        return "a Hub id, not a local folder: it loads through transformers"
    return None


def _load_model(name_or_path: str, device: torch.device, allow_pickle: bool, local_files_only: bool):
    """The model through transformers, in fp16 on CUDA and fp32 elsewhere."""
    from .models.shot_videomae import ShotVideoMAEForShotClassification

    # Weights may be stored in fp16 to keep checkpoints small; CPUs compute fp32 far faster than fp16.
    dtype = torch.float16 if device.type == "cuda" else torch.float32
    where = "folder" if Path(name_or_path).exists() else "Hub id"
    try:
        # Mismatched shapes are let through, then refused below with their names (transformers' own error only
        # points at a report it logs).
        model, info = ShotVideoMAEForShotClassification.from_pretrained(
            name_or_path, use_safetensors=not allow_pickle, dtype=dtype, local_files_only=local_files_only,
            output_loading_info=True, ignore_mismatched_sizes=True,
        )
    except SafetensorError as error:
        raise damaged_weights(name_or_path, error) from error
    except (OSError, ValueError, TypeError) as error:  # TypeError: a config value of the wrong type
        raise ModelLoadError(f"Could not load the model {where} {name_or_path!r}: {error}") from error
    # transformers fills missing or mismatched weights in at random, with a warning: a model that answers nonsense.
    wrong = [f"{name} (saved {tuple(saved)}, the config needs {tuple(needed)})" for name, saved, needed in sorted(info["mismatched_keys"])]
    wrong += [f"{name} (missing)" for name in sorted(info["missing_keys"])]
    if wrong:
        raise ModelLoadError(
            f"The weights of the model {where} {name_or_path!r} do not fit its config: {', '.join(wrong[:3])}"
            f"{f' and {len(wrong) - 3} more' if len(wrong) > 3 else ''}. The file is incomplete or belongs to another "
            "config: save the model again"
        )
    return model.to(device)


def _load_config(name_or_path: str):
    from .models.shot_videomae import ShotVideoMAEConfig

    return ShotVideoMAEConfig.from_pretrained(name_or_path)


def _load_processor(name_or_path: str, local_files_only: bool):
    from transformers import AutoVideoProcessor

    try:
        return AutoVideoProcessor.from_pretrained(name_or_path, local_files_only=local_files_only)
    except (OSError, ValueError) as error:
        where = "folder" if Path(name_or_path).exists() else "Hub id"
        raise ModelLoadError(f"Could not load the video processor of the {where} {name_or_path!r}: {error}") from error


def _softmax_rows(logits: torch.Tensor | None, labels: list[str], batch_len: int) -> list[dict[str, float]]:
    if logits is None:
        return [{} for _ in range(batch_len)]
    probabilities = logits.float().softmax(dim=-1).cpu().tolist()
    return [dict(zip(labels, row)) for row in probabilities]
