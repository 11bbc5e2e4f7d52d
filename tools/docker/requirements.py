"""The project's requirements, read from pyproject.toml: what the Dockerfile installs before it copies the code (so
that a change to the code reinstalls none of them), and what `make docker-check` downloads for its build.

    python requirements.py pyproject.toml torch      # torch and torchvision, with the project's bounds
    python requirements.py pyproject.toml all        # every run-time dependency
    python requirements.py pyproject.toml build      # what building the package itself needs (setuptools)

Standard library only: the Dockerfile runs it before anything is installed.
"""

import re
import sys
from pathlib import Path

import tomllib

TORCH = ("torch", "torchvision")


def requirement_name(requirement: str) -> str:
    return re.match(r"[A-Za-z0-9_.-]+", requirement)[0].lower()


def requirements(pyproject: Path, group: str) -> list[str]:
    """One group of requirements: "torch", "all" (the run-time dependencies) or "build" (build-system.requires)."""
    project = tomllib.loads(pyproject.read_text())
    if group == "build":
        return list(project["build-system"]["requires"])
    dependencies = list(project["project"]["dependencies"])
    if group == "torch":
        return [requirement for requirement in dependencies if requirement_name(requirement) in TORCH]
    if group == "all":
        return dependencies
    raise ValueError(f"unknown group {group!r}: torch, all or build")


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        raise SystemExit(__doc__)
    print("\n".join(requirements(Path(argv[0]), argv[1])))


if __name__ == "__main__":
    main(sys.argv[1:])
