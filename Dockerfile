# The shot-model demo (app.py) with the starter checkpoint, on CPU; nothing is downloaded at run time.
#
#     docker build -t shot-model:cpu .
#     docker run --rm -p 7860:7860 shot-model:cpu          # http://localhost:7860
#
# docker-compose.yml does the same (and docker-compose.gpu.yml a GPU image); README, "Run in a container".

# Any Debian bookworm image with python3 (3.11) and its venv module: make docker-check passes one it made itself.
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}

# OpenCV (which PySceneDetect imports) needs libGL and GLib; PyAV and imageio-ffmpeg bring their own FFmpeg.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*

RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH LANG=C.UTF-8 PYTHONUNBUFFERED=1

WORKDIR /app
# PyTorch's own CPU wheels (torch about 200 MB); PyPI's Linux wheels carry CUDA, GBs of it (docker-compose.gpu.yml).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
# For the build only, never kept in the image: a package mirror, or a local wheelhouse (make docker-check serves one).
ARG PIP_INDEX_URL
ARG PIP_FIND_LINKS
ARG PIP_NO_INDEX
ARG PIP_NO_CACHE_DIR=1
ARG PIP_DISABLE_PIP_VERSION_CHECK=1

# The dependencies from pyproject.toml alone, so that a change to the code reinstalls none of them; torch first,
# from TORCH_INDEX_URL, within the project's bounds.
COPY pyproject.toml tools/docker/requirements.py /tmp/project/
RUN python /tmp/project/requirements.py /tmp/project/pyproject.toml torch > /tmp/project/torch.txt \
    && python /tmp/project/requirements.py /tmp/project/pyproject.toml all > /tmp/project/all.txt \
    && pip install --index-url "$TORCH_INDEX_URL" -r /tmp/project/torch.txt \
    && pip install -r /tmp/project/all.txt \
    && rm -r /tmp/project

COPY . .
# Editable, so that the package finds the starter beside it (checkpoints/) and the `shot-model` command works too.
# Importing the app makes its generated example video (cache/examples/) now, while the folder is writable.
RUN pip install --no-deps -e . \
    && HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False python -c "import app" \
    && rm -rf /tmp/* \
    && useradd --create-home --uid 1000 shot

USER shot
ENV HF_HUB_OFFLINE=1 \
    GRADIO_ANALYTICS_ENABLED=False \
    GRADIO_SERVER_NAME=0.0.0.0 \
    GRADIO_SERVER_PORT=7860
EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/' % os.environ['GRADIO_SERVER_PORT'], timeout=8)"
CMD ["python", "app.py"]
