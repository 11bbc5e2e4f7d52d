"""A training run's settings from YAML: a variant names its `base:` and states only what it changes."""

from pathlib import Path

import yaml


class ConfigError(ValueError):
    """A config file that cannot be read or whose `base:` chain is broken; the message names the file."""


def read_run_config(path: str | Path) -> dict:
    """The YAML file, on top of the file its `base:` names (relative to it), recursively.

    Mappings merge key by key, anything else replaces the base's value, and null takes a base's setting back out
    (the default applies), as accelerate's `by_feature/` examples each add one feature to one base.
    """
    return _layers(Path(path), ())


def _layers(path: Path, seen: tuple) -> dict:
    if path.resolve() in seen:
        raise ConfigError(f"{path}: its `base:` chain comes back to itself ({' -> '.join(str(p) for p in seen)})")
    try:
        layer = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise ConfigError(f"cannot read the config {path}: {error.strerror or error}") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}") from error
    if not isinstance(layer, dict):
        raise ConfigError(f"{path}: a config must be a mapping of sections (model:, data:, training:, output:)")
    base = layer.pop("base", None)
    if base is None:
        return layer
    return merged(_layers(path.parent / base, (*seen, path.resolve())), layer)


def merged(base: dict, changes: dict) -> dict:
    """`base` with `changes` laid over it: nested mappings merge, other values replace."""
    result = dict(base)
    for key, value in changes.items():
        result[key] = merged(result[key], value) if isinstance(value, dict) and isinstance(result.get(key), dict) else value
    return result
