#!/usr/bin/env bash
# plan-changes.sh PLANFILE: print, as sorted JSON, what a saved Terraform plan would change (address and
# actions of every resource that is not a no-op). The prod deployment compares the changes of the plan the
# reviewers approved with those of the plan it makes after the approval, and applies only when they are equal.
#
# The ECR repositories and the key that encrypts them are left out: the deployment creates them with a targeted
# apply (release.sh bootstrap-registry) between the reviewed plan and the final one, so on a first deployment
# they appear in the first and not in the second.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: plan-changes.sh PLANFILE" >&2; exit 2; }
terraform show -json "$1" | jq -S '
  [.resource_changes[]?
    | select(.change.actions != ["no-op"] and .change.actions != ["read"])
    | select((.address | startswith("module.container_registry.") or startswith("module.encryption_key.")) | not)
    | {address, actions: .change.actions}]
  | sort_by(.address)'
