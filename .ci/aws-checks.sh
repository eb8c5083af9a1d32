#!/usr/bin/env bash
# AWS-side checks that need more than the in-process emulator (called by .ci/run; runnable by hand): the tables
# contract against DynamoDB Local — AWS's own emulator, a real database engine — which ships inside the npm package
# amplify-dynamodb-simulator and runs on the machine's Java 17.
# The multi-process end-to-end test (tests/aws/test_end_to_end.py: three services on the aws profile, a moto server,
# PostgreSQL) is not run here: it is part of `make test` (pytest over tests/), which .ci/run runs first, strictly.
# By hand: .venv/bin/pytest tests/aws/test_end_to_end.py
# Installs what it needs from scratch into .ci-cache/ (gitignored) and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
export SENAS_STRICT_TESTS="${SENAS_STRICT_TESTS:-1}"
CACHE=.ci-cache/dynamodb-local
SIMULATOR_VERSION=2.9.30
PY=.venv/bin/python

step() { printf '\n=== %s ===\n' "$*"; }
started=$(date +%s)

step "Java 17 for DynamoDB Local"
if ! java -version 2>&1 | grep -q 'version "17'; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
java -version 2>&1 | head -n1

step "DynamoDB Local (npm amplify-dynamodb-simulator@${SIMULATOR_VERSION})"
if [ ! -f "$CACHE/package/emulator/DynamoDBLocal.jar" ]; then
  command -v npm >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
  rm -rf "$CACHE" && mkdir -p "$CACHE"
  (cd "$CACHE" && npm pack --silent "amplify-dynamodb-simulator@${SIMULATOR_VERSION}" >/dev/null && tar -xzf amplify-dynamodb-simulator-*.tgz)
fi
EMULATOR="$CACHE/package/emulator"
# DynamoDB Local has no bind-address option (it listens on every interface): a random free port, for this run only.
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
java -Djava.library.path="$EMULATOR/DynamoDBLocal_lib" -jar "$EMULATOR/DynamoDBLocal.jar" \
  -inMemory -port "$PORT" >"$CACHE/dynamodb-local.log" 2>&1 &
DDB_PID=$!
trap 'kill "$DDB_PID" 2>/dev/null || true; wait "$DDB_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  if $PY -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $PORT)))"; then break; fi
  kill -0 "$DDB_PID" 2>/dev/null || { cat "$CACHE/dynamodb-local.log"; exit 1; }
  sleep 0.5
done
echo "DynamoDB Local on 127.0.0.1:$PORT (pid $DDB_PID)"

step "tables contract on DynamoDB Local"
SENAS_TEST_DYNAMODB_URL="http://127.0.0.1:$PORT" SENAS_CONTRACT_TABLES_IMPL=dynamodb-local \
  .venv/bin/pytest tests/ports/test_tables_contract.py -q -p no:cacheprovider

kill "$DDB_PID" 2>/dev/null || true
wait "$DDB_PID" 2>/dev/null || true
trap - EXIT

echo "aws checks took $(( $(date +%s) - started )) s"
