#!/usr/bin/env bash
# Writes the hashed lock files every install uses (Makefile, .ci/run, the Dockerfile) from pyproject.toml and the
# *.in files here, with uv (pinned; installed into .ci-venvs/uv). Existing pins are kept unless --upgrade is given:
# re-running after a change to pyproject.toml moves only what that change needs.
#   bash requirements/lock.sh            write the locks
#   bash requirements/lock.sh --check    fail when a lock is not what pyproject.toml and the .in files ask for
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9
PYTHON=${PYTHON:-python3}
TOOLS=.ci-venvs/uv
if [ ! -x "$TOOLS/bin/uv" ] || [ "$("$TOOLS/bin/uv" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  rm -rf "$TOOLS"
  "$PYTHON" -m venv "$TOOLS"
  "$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
UV="$TOOLS/bin/uv"
mode=${1:-write}
extra_args=()
if [ "$mode" = "--upgrade" ]; then extra_args=(--upgrade); fi

# name: extras of the project (empty: none, only the .in file)
declare -A EXTRAS=([dev]="dev" [run]="all" [content]="content aws" [users]="users aws" [ml]="ml aws")
status=0
compile() {  # compile OUTPUT INPUT... [-- OPTIONS...]
  local out=$1 target=$1
  shift
  if [ "$mode" = "--check" ]; then
    target=$(mktemp)
    cp "requirements/$out" "$target"
  else
    target="requirements/$out"
  fi
  "$UV" pip compile --quiet --generate-hashes --universal --python-version 3.11 --no-header \
    "${extra_args[@]}" -o "$target" "$@"
  if [ "$mode" = "--check" ]; then
    if ! diff -q "requirements/$out" "$target" >/dev/null; then
      echo "requirements/$out is out of date: run bash requirements/lock.sh" >&2
      diff "requirements/$out" "$target" | head -20 >&2
      status=1
    fi
    rm -f "$target"
  fi
}

for name in "${!EXTRAS[@]}"; do
  args=()
  for extra in ${EXTRAS[$name]}; do args+=(--extra "$extra"); done
  compile "$name.txt" pyproject.toml requirements/build.in "${args[@]}"
done
compile ml-offline.txt requirements/ml-offline.in --no-deps
compile pose-build.txt requirements/pose-build.in --no-deps
if [ "$mode" = "--check" ] && [ "$status" = 0 ]; then echo "locks are current"; fi
exit "$status"
