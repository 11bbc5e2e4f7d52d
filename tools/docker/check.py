"""`make docker-check`: build the demo's image, start it with `docker run` and with compose, and analyse a real clip
through gradio_client against each running container; skipped (exit 0) where no Docker engine answers.

    python -m tools.docker.check

Opt-in, not part of `make test`: the build installs several GB. Where PyTorch's CPU index answers, the image is built
from the Dockerfile's own package sources; elsewhere (this project's machines reach only PyPI, through a proxy whose
certificate a container does not know) pip downloads the project's requirements here, into cache/docker/wheelhouse,
and the build installs from that folder, served on 127.0.0.1 for the build alone: nothing of it stays in the image.
Those are the same wheels as .venv's, CUDA's included, so that image is GBs larger than one from the CPU index.
The base image is SHOT_MODEL_DOCKER_BASE, else the Dockerfile's default where it can be pulled, else a bare Debian
that tools/docker/make_base.sh makes from this machine's apt mirror (root and debootstrap). The build's heavy steps
run in the engine's own processes: on a shared machine, start dockerd under `nice -n 19`.
"""

import contextlib
import functools
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

from tools.docker.requirements import requirements

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / "cache" / "docker"
IMAGE = "shot-model:check"
LOCAL_BASE = "shot-model-base:bookworm"
CONTAINER = "shot-model-check"
COMPOSE_PROJECT = "shot-model-check"
# A real multi-shot clip (a close-up, then medium shots, in 9.6 s): the demo must find the cuts and label each shot.
CLIP = REPO.parent / "shared" / "media" / "train" / "ghost_nggyup_musicvideo.mp4"
WHEELHOUSE_PORT = 47860
START_SECONDS = 300
BUILD_SECONDS = 3600


class CheckFailed(Exception):
    pass


def say(message: str) -> None:
    print(f"docker-check: {message}", flush=True)


def docker(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise CheckFailed(f"docker {' '.join(args[:2])}: {(result.stderr or result.stdout).strip()[-2000:]}")
    return result


def engine_missing() -> str | None:
    """Why no Docker engine can be used here, or None when one answers."""
    if not shutil.which("docker"):
        return "no docker command on PATH"
    try:
        result = docker("info", "--format", "{{.ServerVersion}}", timeout=30, check=False)
    except subprocess.TimeoutExpired:
        return "docker info did not answer in 30 s"
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines() or ["docker info failed"]
        return lines[-1]
    return None


def dockerfile_default(name: str) -> str:
    """An ARG's default in the Dockerfile: the check reads the same values a user's build gets."""
    match = re.search(rf"^ARG {name}=(\S+)$", (REPO / "Dockerfile").read_text(), re.MULTILINE)
    if not match:
        raise CheckFailed(f"the Dockerfile has no default for ARG {name}")
    return match[1]


def base_image() -> str:
    if os.environ.get("SHOT_MODEL_DOCKER_BASE"):
        return os.environ["SHOT_MODEL_DOCKER_BASE"]
    default = dockerfile_default("BASE_IMAGE")
    if docker("image", "inspect", default, check=False).returncode == 0 or docker("pull", default, timeout=600, check=False).returncode == 0:
        return default
    if docker("image", "inspect", LOCAL_BASE, check=False).returncode != 0:
        say(f"{default} cannot be pulled here: making {LOCAL_BASE} with tools/docker/make_base.sh")
        if subprocess.run(["bash", str(REPO / "tools" / "docker" / "make_base.sh"), LOCAL_BASE]).returncode != 0:
            raise CheckFailed(f"no base image: {default} cannot be pulled and make_base.sh failed (set SHOT_MODEL_DOCKER_BASE)")
    return LOCAL_BASE


def answers(url: str, timeout: float = 10) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return True
    except OSError:
        return False


def wheelhouse() -> Path:
    """The project's requirements downloaded by this machine's pip, once for each set of requirements."""
    folder = CACHE / "wheelhouse"
    wanted = requirements(REPO / "pyproject.toml", "all") + requirements(REPO / "pyproject.toml", "build")
    stamp = folder / ".requirements"
    if stamp.is_file() and stamp.read_text() == "\n".join(wanted):
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    say(f"downloading the project's requirements into {folder.relative_to(REPO)}")
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(folder), *wanted]
    result = subprocess.run(["nice", "-n", "19", *command], capture_output=True, text=True)
    if result.returncode != 0:
        raise CheckFailed(f"pip download: {result.stderr.strip()[-2000:]}")
    stamp.write_text("\n".join(wanted))
    return folder


@contextlib.contextmanager
def served(folder: Path):
    """The folder over HTTP on 127.0.0.1 (the build runs with the host's network), for as long as the block runs."""

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(QuietHandler, directory=str(folder))
    try:  # the same address each time, since the build's cache keys on it; any free port if that one is taken
        server = ThreadingHTTPServer(("127.0.0.1", WHEELHOUSE_PORT), handler)
    except OSError:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def build(base: str) -> None:
    arguments = ["--build-arg", f"BASE_IMAGE={base}"]
    with contextlib.ExitStack() as stack:
        torch_index = dockerfile_default("TORCH_INDEX_URL")
        if answers(torch_index.rstrip("/") + "/torch/"):
            say(f"building {IMAGE} from {base} with the Dockerfile's package sources")
        else:
            url = stack.enter_context(served(wheelhouse()))
            say(f"{torch_index} is out of reach: building {IMAGE} from {base} with pip's downloads here")
            arguments += ["--build-arg", "PIP_NO_INDEX=1", "--build-arg", f"PIP_FIND_LINKS={url}"]
        log = CACHE / "build.log"
        started = time.monotonic()
        with open(log, "w") as output:
            result = subprocess.run(["docker", "build", "--network", "host", *arguments, "-t", IMAGE, str(REPO)],
                                    stdout=output, stderr=subprocess.STDOUT, timeout=BUILD_SECONDS)
        if result.returncode != 0:
            raise CheckFailed(f"docker build failed (all of it in {log}):\n" + "\n".join(log.read_text().splitlines()[-30:]))
    size = int(docker("image", "inspect", "--format", "{{.Size}}", IMAGE).stdout)
    say(f"built {IMAGE} in {time.monotonic() - started:.0f} s: {size / 1e9:.2f} GB")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(container: str) -> float:
    """Seconds until the image's HEALTHCHECK passes; fails with the container's log if it stops or never passes."""
    started = time.monotonic()
    while time.monotonic() - started < START_SECONDS:
        state = docker("inspect", "--format", "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}", container).stdout.split()
        if state[0] != "running" or state[1:] == ["unhealthy"]:
            break
        if state[1:] == ["healthy"]:
            return time.monotonic() - started
        time.sleep(2)
    logs = docker("logs", "--tail", "40", container, check=False)
    raise CheckFailed(f"{container} is {' '.join(state)} after {time.monotonic() - started:.0f} s:\n{logs.stdout}{logs.stderr}")


def analyse(url: str) -> None:
    """The clip through the app's /analyze endpoint, as a script would call it: labelled shots must come back."""
    from gradio_client import Client, handle_file

    from shot_model import MOVEMENT_LABELS, SCALE_LABELS

    started = time.monotonic()
    client = Client(url, verbose=False)
    try:  # every setting left at the page's default, the model too (the one the demo offers first)
        headline, table, *_ = client.predict(video=handle_file(str(CLIP)), api_name="/analyze")
    except Exception as error:  # gradio_client's AppError carries the app's own message
        raise CheckFailed(f"{CLIP.name} through /analyze: {error}") from error
    rows = table["data"]
    if len(rows) < 2 or not headline.startswith(f"**{len(rows)} shots**"):
        raise CheckFailed(f"{CLIP.name}: expected its cuts, got {len(rows)} shot(s); headline {headline!r}")
    for row in rows:
        scale, movement = row[table["headers"].index("scale")], row[table["headers"].index("movement")]
        if scale not in SCALE_LABELS or movement not in MOVEMENT_LABELS:
            raise CheckFailed(f"{CLIP.name}: shot {row[0]} came back labelled {scale!r} / {movement!r}")
    shots = ", ".join(f"{row[1]} {row[5]}/{row[7]}" for row in rows)
    say(f"{CLIP.name} analysed in {time.monotonic() - started:.1f} s: {len(rows)} shots ({shots})")


def check_container(container: str, url: str) -> None:
    name = docker("inspect", "--format", "{{.Name}}", container).stdout.strip().lstrip("/")
    say(f"{name} healthy after {wait_healthy(container):.0f} s at {url}")
    user = docker("exec", container, "id", "-u").stdout.strip()
    environment = dict(line.split("=", 1) for line in docker("exec", container, "env").stdout.splitlines() if "=" in line)
    if user == "0":
        raise CheckFailed(f"{container} runs as root")
    if environment.get("HF_HUB_OFFLINE") != "1":
        raise CheckFailed(f"{container} is not offline: HF_HUB_OFFLINE={environment.get('HF_HUB_OFFLINE')!r}")
    unset = [name for name in ("SHOT_MODEL_MODELS", "SHOT_MODEL_MAX_UPLOAD_MB") if environment.get(name) == ""]
    if unset:
        raise CheckFailed(f"{container} has {', '.join(unset)} set to an empty value")
    analyse(url)


def check_run() -> None:
    port = free_port()
    docker("rm", "--force", CONTAINER, check=False)
    docker("run", "--detach", "--name", CONTAINER, "--health-interval", "5s", "--publish", f"127.0.0.1:{port}:7860", IMAGE)
    try:
        check_container(CONTAINER, f"http://127.0.0.1:{port}/")
    finally:
        docker("rm", "--force", CONTAINER, check=False)


def compose_command() -> list[str] | None:
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


def check_compose(compose: list[str]) -> None:
    gpu = subprocess.run([*compose, "-f", "docker-compose.yml", "-f", "docker-compose.gpu.yml", "config"],
                         cwd=REPO, capture_output=True, text=True, timeout=60)
    if gpu.returncode != 0:
        raise CheckFailed(f"docker-compose.gpu.yml: {gpu.stderr.strip()}")
    devices = yaml.safe_load(gpu.stdout)["services"]["demo"]["deploy"]["resources"]["reservations"]["devices"]
    # Compose v1 prints `count: all` back; v2 prints it as -1.
    if [{**device, "count": "all" if device.get("count") == -1 else device.get("count")} for device in devices] != [
        {"driver": "nvidia", "count": "all", "capabilities": ["gpu"]}
    ]:
        raise CheckFailed(f"docker-compose.gpu.yml reserves {devices}")
    say("docker-compose.gpu.yml: a valid override reserving every NVIDIA GPU (not run: it needs a GPU)")

    port = free_port()
    project = [*compose, "--project-name", COMPOSE_PROJECT, "-f", "docker-compose.yml"]
    environment = os.environ | {"SHOT_MODEL_IMAGE": IMAGE, "SHOT_MODEL_PORT": f"127.0.0.1:{port}"}

    def run(*args: str) -> str:
        result = subprocess.run([*project, *args], cwd=REPO, env=environment, capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise CheckFailed(f"{' '.join(compose)} {args[0]}: {result.stderr.strip()[-2000:]}")
        return result.stdout

    try:
        run("up", "--detach", "--no-build")
        check_container(run("ps", "-q", "demo").strip(), f"http://127.0.0.1:{port}/")
    finally:
        subprocess.run([*project, "down"], cwd=REPO, env=environment, capture_output=True, timeout=300)


def main() -> int:
    missing = engine_missing()
    if missing:
        say(f"SKIPPED: no Docker engine to build and run the image ({missing}); start dockerd to run this check")
        return 0
    started = time.monotonic()
    try:
        if not CLIP.is_file():
            raise CheckFailed(f"the clip {CLIP} is missing (the check needs ../shared/media/train beside the clone)")
        CACHE.mkdir(parents=True, exist_ok=True)
        build(base_image())
        check_run()
        compose = compose_command()
        if compose:
            check_compose(compose)
        else:
            say("compose: neither `docker compose` nor docker-compose is installed, so docker-compose.yml was not run")
    except (CheckFailed, subprocess.TimeoutExpired) as error:
        say(f"FAILED: {error}")
        return 1
    say(f"passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
