"""Lay out the demo as a Hugging Face Space (Gradio SDK) in a folder, ready to upload.

    python -m tools.space.build --out build/space
    huggingface-cli upload your-org/shot-model build/space . --repo-type space     # on a connected machine

The folder holds the Space's README (its metadata: SDK, version, app file), `app.py`, the `shot_model` package, the
starter checkpoint and a requirements.txt of the project's dependencies. Spaces set GRADIO_SERVER_NAME and
GRADIO_SERVER_PORT, which the app honours; it offers only the starter unless SHOT_MODEL_MODELS or
SHOT_MODEL_ALLOW_ANY_MODEL are set in the Space's settings.
"""

import argparse
import shutil
from importlib.metadata import requires
from pathlib import Path

import gradio

REPO = Path(__file__).resolve().parents[2]
CARRIED = ["app.py", "shot_model", "checkpoints/shot-videomae-starter"]

SPACE_README = """---
title: shot-model
emoji: 🎬
colorFrom: indigo
colorTo: yellow
sdk: gradio
sdk_version: {gradio_version}
python_version: "3.11"
app_file: app.py
pinned: false
license: apache-2.0
short_description: Shot scale and camera movement for every shot of a video
---

# shot-model

Upload an ad or a trailer: it is split into shots, and every shot gets its shot scale (ECS, CS, MS, FS, LS) and
camera movement (Static, Motion, Push, Pull), the MovieShots taxonomy. Runs on the Space's CPU with the bundled
starter model; see the model card in `checkpoints/shot-videomae-starter/README.md` for what it gets right.

Settings (the Space's variables): `SHOT_MODEL_MODELS` (models offered, comma-separated folders or Hub ids),
`SHOT_MODEL_ALLOW_ANY_MODEL=1` (let visitors type any, for a private Space), `SHOT_MODEL_MAX_UPLOAD_MB`,
`SHOT_MODEL_MAX_MINUTES`.
"""


def build(out: Path) -> Path:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in CARRIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, out / name, ignore=shutil.ignore_patterns("__pycache__", "dev_report"))
        elif source.is_file():
            shutil.copy2(source, out / name)
    # The installed project's own requirements, less the extras (tests, training).
    dependencies = [requirement for requirement in requires("shot-model") if "extra ==" not in requirement]
    (out / "requirements.txt").write_text("\n".join(dependencies) + "\n")
    (out / "README.md").write_text(SPACE_README.format(gradio_version=gradio.__version__))
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the Space's folder (replaced if it exists)")
    args = parser.parse_args(argv)
    folder = build(args.out)
    size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 2**20
    print(f"{folder}: a Gradio Space, {size:.1f} MB; upload it with huggingface-cli upload ... --repo-type space")


if __name__ == "__main__":
    main()
