# The two commands a fresh machine needs: `make demo` and `make test`. Each builds .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint install browser pose-teacher starter-code docker-check

demo: $(INSTALLED)
	$(BIN)/python app.py

test: lint browser
	$(BIN)/python -m pytest

# Style is checked by a tool, not by review: ruff's settings are in pyproject.toml.
lint: $(INSTALLED)
	$(BIN)/ruff check .

# The browser test drives Debian's Chromium; install it where we can (root with apt), else that one test skips.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "chromium not installed: the browser test will be skipped"

install: $(INSTALLED)

# Opt-in, not part of `make test`: builds the Docker image (several GB), runs it with docker run and compose, and
# analyses a real clip through gradio_client against it; skips, exit 0, where no Docker engine answers.
docker-check: $(INSTALLED)
	$(BIN)/python -m tools.docker.check

# Re-install only when the dependencies change; the package itself is installed editable.
$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

# The pose teacher of the starter's training data (tools/starter_data/pose_teacher.py) runs in its own environment:
# MediaPipe 0.10.14 carries its pose model in its wheel (0.10.35 no longer does; nothing is downloaded), and it
# pins numpy<2 and protobuf<5, which the main environment cannot take. Only needed to rebuild the starter's data.
POSE_VENV := cache/pose-venv
pose-teacher: $(POSE_VENV)/.installed

$(POSE_VENV)/.installed:
	$(PYTHON) -m venv $(POSE_VENV)
	$(POSE_VENV)/bin/python -m pip install --quiet "mediapipe==0.10.14" "numpy<2" "opencv-contrib-python<5"
	touch $@

# After editing shot_model/models/shot_videomae/: rewrite the starter's copies of the model code (what
# trust_remote_code loads) and its card; the weights stay as they are.
starter-code: $(INSTALLED)
	$(BIN)/python -m tools.starter_data.publish --refresh-code checkpoints/shot-videomae-starter
