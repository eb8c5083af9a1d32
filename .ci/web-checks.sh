#!/usr/bin/env bash
# What the browser tests (tests/web) need on a fresh machine, installed idempotently: Debian's Chromium.
# Playwright and pytest-playwright come with the dev extra that `make test` installs; never `playwright install`
# (it downloads browsers, which this environment forbids) — the tests launch /usr/bin/chromium instead.
# Runs as root, non-interactively (CI=true, no stdin). .ci/run calls it before `make test`.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (Debian package) for the browser tests"
  apt-get update -qq </dev/null
  apt-get install -y -qq chromium </dev/null >/dev/null
fi

chromium --version </dev/null 2>/dev/null
# The fake-camera clips are made by the tests themselves with PyAV (in the ml extra): no ffmpeg needed.
