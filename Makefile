# The two commands a fresh machine needs: `make demo` and `make test`. Each builds .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test install

demo: $(INSTALLED)
	$(BIN)/python app.py

test: $(INSTALLED)
	$(BIN)/python -m pytest

install: $(INSTALLED)

# Re-install only when the dependencies change; the package itself is installed editable.
$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(INSTALLED)
