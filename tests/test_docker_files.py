"""The container files: the opt-in check skips cleanly without an engine, and the image's requirements are the project's."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_docker_check_skips_with_a_reason_where_no_engine_answers():
    result = subprocess.run(
        [sys.executable, "-m", "tools.docker.check"],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "DOCKER_HOST": "unix:///nonexistent/docker.sock"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "SKIPPED" in result.stdout + result.stderr


def test_the_image_installs_every_dependency_of_the_project():
    import tomllib

    listed = subprocess.run(
        [sys.executable, "tools/docker/requirements.py", "pyproject.toml", "all"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    assert sorted(listed) == sorted(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"])
