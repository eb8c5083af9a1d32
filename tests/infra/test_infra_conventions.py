"""Conventions of the Terraform code (DESIGN.md §7) and of the delivery workflow: environments only call
modules, every variable is typed and described, modules are small and complete, checkov skips say why, and the
deployment runs its steps in the agreed order."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from infra_hcl import ENVS, MODULES, REPO_ROOT, TERRAFORM, env_dir, module_calls, parse_file, terraform_dirs

ALLOWED_ENV_BLOCKS = {"module", "terraform", "provider", "output", "variable", "locals"}
DIRECTORIES = terraform_dirs()


def test_the_layout_is_bootstrap_modules_and_two_environments() -> None:
    names = {path.relative_to(TERRAFORM).as_posix() for path in DIRECTORIES}
    assert {"bootstrap", "envs/dev", "envs/prod"} <= names
    assert {name for name in names if not name.startswith("modules/")} == {"bootstrap", "envs/dev", "envs/prod"}
    assert len([name for name in names if name.startswith("modules/")]) >= 12


@pytest.mark.parametrize("directory", DIRECTORIES, ids=lambda path: path.relative_to(TERRAFORM).as_posix())
def test_every_variable_has_a_type_and_a_description(directory: Path) -> None:
    for path in sorted(directory.glob("*.tf")):
        for entry in parse_file(path).get("variable", []):
            for name, body in entry.items():
                assert body.get("type"), f"{path.name}: variable {name} has no type"
                description = body.get("description", "")
                assert isinstance(description, str), f"{path.name}: variable {name}"
                assert len(description.strip()) >= 10, f"{path.name}: variable {name} has no real description"


@pytest.mark.parametrize("directory", DIRECTORIES, ids=lambda path: path.relative_to(TERRAFORM).as_posix())
def test_every_output_has_a_description(directory: Path) -> None:
    for path in sorted(directory.glob("*.tf")):
        for entry in parse_file(path).get("output", []):
            for name, body in entry.items():
                assert body.get("description"), f"{path.name}: output {name} has no description"


@pytest.mark.parametrize("env", ENVS)
def test_environments_contain_only_module_calls(env: str) -> None:
    for path in sorted(env_dir(env).glob("*.tf")):
        block_types = set(parse_file(path))
        assert block_types <= ALLOWED_ENV_BLOCKS, f"{path.name} declares {block_types - ALLOWED_ENV_BLOCKS}"
    assert module_calls(env), f"{env} calls no module"


def test_both_environments_call_the_same_modules() -> None:
    shapes = {env: sorted((name, call.arguments["source"]) for name, call in module_calls(env).items()) for env in ENVS}
    assert shapes["dev"] == shapes["prod"]
    arguments = {env: {name: sorted(call.arguments) for name, call in module_calls(env).items()} for env in ENVS}
    assert arguments["dev"] == arguments["prod"], "dev and prod set the same arguments, with their own values"


@pytest.mark.parametrize("module", sorted(path.name for path in MODULES.iterdir()))
def test_modules_are_complete_and_named_for_what_they_make(module: str) -> None:
    directory = MODULES / module
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", module)
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf"):
        assert (directory / name).is_file(), f"module {module} has no {name}"
    assert "provider" not in parse_file(directory / "versions.tf"), "modules inherit the environment's provider"
    assert parse_file(directory / "outputs.tf").get("output"), f"module {module} outputs nothing"


def test_terraform_and_provider_versions_are_pinned_alike() -> None:
    constraints = set()
    for directory in DIRECTORIES:
        for entry in parse_file(directory / "versions.tf").get("terraform", []):
            constraints.add(("terraform", entry["required_version"]))
            for providers in entry.get("required_providers", []):
                for name, requirement in providers.items():
                    constraints.add((name, requirement["version"]))
    # Only hashicorp/aws: the offline provider mirror holds nothing else (the secrets use the AWS provider's own
    # password generator, not the random provider).
    assert constraints == {("terraform", ">= 1.11.0"), ("aws", "~> 5.90")}


def test_checkov_skips_carry_a_reason() -> None:
    skips = 0
    for path in TERRAFORM.rglob("*.tf"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "checkov:skip" in line:
                skips += 1
                assert re.search(r"#checkov:skip=CKV2?_[A-Z0-9]+_\d+:\s*\S.{9,}", line), f"{path}: {line.strip()}"
    assert skips > 0


def _workflow(name: str) -> dict[str, object]:
    loaded = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _run_lines(job: dict[str, object]) -> list[str]:
    steps = job["steps"]
    assert isinstance(steps, list)
    return [str(step["run"]) for step in steps if "run" in step]


def test_deploy_runs_after_ci_succeeded_on_main_and_promotes_dev_then_prod_with_approval() -> None:
    workflow = _workflow("deploy.yml")
    # PyYAML reads the key `on` as True.
    triggers = workflow.get("on", workflow.get(True))
    assert isinstance(triggers, dict)
    assert set(triggers) == {"workflow_run", "workflow_dispatch"}, "no deployment straight from a push"
    assert triggers["workflow_run"] == {"workflows": ["ci"], "types": ["completed"], "branches": ["main"]}
    jobs = workflow["jobs"]
    assert isinstance(jobs, dict)
    assert list(jobs) == ["gate", "build", "deploy-dev", "plan-prod", "deploy-prod"]
    gate = " ".join(_run_lines(jobs["gate"]))
    for check in ('"$RUN_CONCLUSION" != "success"', '"$RUN_BRANCH" != "main"', '"$DISPATCH_REF" != "refs/heads/main"'):
        assert check in gate
    assert "--status success" in gate
    assert "--branch main" in gate
    assert jobs["build"]["strategy"]["matrix"]["target"] == ["content", "users", "ml", "sagemaker"]
    assert jobs["build"]["needs"] == "gate"
    assert jobs["deploy-dev"]["needs"] == ["gate", "build"]
    assert jobs["plan-prod"]["needs"] == ["gate", "deploy-dev"]
    assert jobs["deploy-prod"]["needs"] == ["gate", "plan-prod"]
    assert jobs["deploy-prod"]["environment"] == "prod"
    for env in ENVS:
        job = jobs[f"deploy-{env}"]
        assert job["defaults"]["run"]["working-directory"] == f"infra/terraform/envs/{env}"
        assert job["env"]["TF_VAR_image_tag"] == "${{ needs.gate.outputs.sha }}"
        steps = " ".join(_run_lines(job))
        order = [
            "bootstrap-registry",
            "push-images",
            "terraform plan -input=false -out=tfplan",
            "terraform apply -input=false tfplan",
            "migrate",
            "roll-out",
            "smoke-test",
        ]
        positions = [steps.index(step) for step in order]
        assert positions == sorted(positions), f"deploy-{env} runs its steps out of order"
    # The approved prod job plans again and applies only the changes the reviewers saw (no saved plan expires).
    prod = " ".join(_run_lines(jobs["deploy-prod"]))
    assert "diff -u reviewed-changes.json current-changes.json" in prod
    assert prod.index("diff -u") < prod.index("terraform apply -input=false tfplan")


def test_ci_runs_lint_and_the_ci_script() -> None:
    jobs = _workflow("ci.yml")["jobs"]
    assert isinstance(jobs, dict)
    assert any("make lint" in line for line in _run_lines(jobs["lint"]))
    assert any("bash .ci/run" in line for line in _run_lines(jobs["test"]))
