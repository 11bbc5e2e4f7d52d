"""The demo laid out as a Hugging Face Space is self-contained: its app finds its own starter and listens where
the Space says."""

import subprocess
import sys

from tools.space.build import build


def test_the_space_folder_runs_the_app_with_its_own_starter(tmp_path):
    space = build(tmp_path / "space")
    readme = (space / "README.md").read_text()
    assert readme.startswith("---\n") and "sdk: gradio" in readme and "app_file: app.py" in readme
    requirements = (space / "requirements.txt").read_text()
    assert "torch" in requirements and "gradio" in requirements and "pytest" not in requirements
    probe = "import app; print(app.OFFERED_MODELS[0]); print(app.launch_options())"
    environment = {"GRADIO_SERVER_NAME": "0.0.0.0", "GRADIO_SERVER_PORT": "7861", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", probe], cwd=space, env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    model, options = result.stdout.strip().splitlines()[-2:]
    assert model == str(space / "checkpoints" / "shot-videomae-starter")
    assert options == "{'server_name': '0.0.0.0', 'server_port': 7861}"
