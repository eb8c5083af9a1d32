"""Read the Terraform of infra/terraform with python-hcl2, for tests of the project's infrastructure rules.

Values come back as Python literals where the source has literals (numbers, strings, booleans, None for
``null``, lists, maps) and as ``"${...}"`` strings where it has expressions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

REPO_ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = REPO_ROOT / "infra" / "terraform"
MODULES = TERRAFORM / "modules"
ENVS = ("dev", "prod")
OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)

_NO_DEFAULT = object()


def env_dir(env: str) -> Path:
    return TERRAFORM / "envs" / env


def terraform_dirs() -> list[Path]:
    """Every folder holding .tf files: bootstrap, each module and each environment."""
    return sorted({path.parent for path in TERRAFORM.rglob("*.tf") if ".terraform" not in path.parts})


@cache
def parse_file(path: Path) -> dict[str, list[Any]]:
    with path.open(encoding="utf-8") as handle:
        parsed: dict[str, list[Any]] = hcl2.load(handle, serialization_options=OPTIONS)
    return parsed


@cache
def parse_dir(directory: Path) -> dict[str, list[Any]]:
    """All top-level blocks of a folder's .tf files, by block type."""
    merged: dict[str, list[Any]] = {}
    for path in sorted(directory.glob("*.tf")):
        for block_type, entries in parse_file(path).items():
            merged.setdefault(block_type, []).extend(entries)
    return merged


def named_blocks(directory: Path, block_type: str) -> dict[str, dict[str, Any]]:
    """Blocks with one label (module, variable, output): label → body."""
    blocks: dict[str, dict[str, Any]] = {}
    for entry in parse_dir(directory).get(block_type, []):
        for name, body in entry.items():
            assert name not in blocks, f"{block_type} {name} is declared twice in {directory}"
            blocks[name] = body
    return blocks


def typed_blocks(directory: Path, block_type: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Blocks with two labels (resource, data): (type, name) → body."""
    blocks: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in parse_dir(directory).get(block_type, []):
        for kind, by_name in entry.items():
            for name, body in by_name.items():
                blocks[(kind, name)] = body
    return blocks


def resources(directory: Path) -> dict[tuple[str, str], dict[str, Any]]:
    return typed_blocks(directory, "resource")


def data_sources(directory: Path) -> dict[tuple[str, str], dict[str, Any]]:
    return typed_blocks(directory, "data")


def resource(directory: Path, kind: str, name: str) -> dict[str, Any]:
    found = resources(directory)
    assert (kind, name) in found, f"{directory.name} has no resource {kind}.{name}"
    return found[(kind, name)]


def resources_of_kind(directory: Path, kind: str) -> dict[str, dict[str, Any]]:
    return {name: body for (found, name), body in resources(directory).items() if found == kind}


def locals_of(directory: Path) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for entry in parse_dir(directory).get("locals", []):
        merged.update(entry)
    return merged


def block(body: dict[str, Any], name: str) -> dict[str, Any]:
    """The single nested block `name` of a body (hcl2 gives nested blocks as lists)."""
    value = body.get(name)
    assert isinstance(value, list), f"{name} is not a block: {value!r}"
    assert len(value) == 1, f"expected one {name} block, found {value!r}"
    found: dict[str, Any] = value[0]
    return found


def blocks(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = body.get(name, [])
    assert isinstance(value, list), f"{name} is not a block list: {value!r}"
    return value


def dynamic_blocks(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The `dynamic "name"` blocks of a body: each with for_each and content."""
    return [entry[name] for entry in body.get("dynamic", []) if name in entry]


# --- environments and the modules they call ------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleCall:
    env: str
    name: str
    arguments: dict[str, Any]

    @property
    def source_dir(self) -> Path:
        return (env_dir(self.env) / self.arguments["source"]).resolve()

    @property
    def module_name(self) -> str:
        return self.source_dir.name

    def effective(self, variable: str) -> Any:
        """The value a variable of the called module takes: the environment's argument, else its default."""
        if variable in self.arguments:
            return self.arguments[variable]
        declared = module_variables(self.source_dir)
        assert variable in declared, f"module {self.module_name} has no variable {variable}"
        default = declared[variable].get("default", _NO_DEFAULT)
        assert default is not _NO_DEFAULT, f"{self.env}: module.{self.name} leaves {variable} unset"
        return default


def module_calls(env: str) -> dict[str, ModuleCall]:
    return {name: ModuleCall(env, name, body) for name, body in named_blocks(env_dir(env), "module").items()}


def calls_of(env: str, module_name: str) -> list[ModuleCall]:
    """The environment's calls of one module folder (ecs-service is called once per service)."""
    return [call for call in module_calls(env).values() if call.module_name == module_name]


def call_of(env: str, module_name: str) -> ModuleCall:
    calls = calls_of(env, module_name)
    assert len(calls) == 1, f"{env} calls {module_name} {len(calls)} times"
    return calls[0]


def service_calls(env: str) -> dict[str, ModuleCall]:
    """The ecs-service calls by the Señas service they run (content, users, ml)."""
    calls = {call.arguments["service"]: call for call in calls_of(env, "ecs-service")}
    assert len(calls) == len(calls_of(env, "ecs-service")), f"{env} runs one service twice"
    return calls


def module_variables(directory: Path) -> dict[str, dict[str, Any]]:
    return named_blocks(directory, "variable")


def module_dir(name: str) -> Path:
    path = MODULES / name
    assert path.is_dir(), f"no module {name}"
    return path


# --- policies ------------------------------------------------------------------------------------------------


def policy_documents(directory: Path) -> dict[str, dict[str, Any]]:
    return {name: body for (kind, name), body in data_sources(directory).items() if kind == "aws_iam_policy_document"}


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return blocks(document, "statement")


def statement_actions(directory: Path, statement: dict[str, Any]) -> list[str]:
    """A statement's actions, with `local.x` lists (and distinct/concat of them) resolved."""
    actions = statement["actions"]
    if isinstance(actions, list):
        return actions
    assert re.fullmatch(r"\$\{(distinct\(concat\()?local\.\w+(, local\.\w+)*(\)\))?\}", actions), actions
    resolved: list[str] = []
    for name in re.findall(r"local\.(\w+)", actions):
        resolved.extend(locals_of(directory)[name])
    return resolved


def statement_resources(statement: dict[str, Any]) -> list[str]:
    found = statement["resources"]
    return [found] if isinstance(found, str) else list(found)


def all_policy_statements() -> Iterator[tuple[Path, str, dict[str, Any]]]:
    for directory in terraform_dirs():
        for name, document in policy_documents(directory).items():
            for statement in statements(document):
                yield directory, name, statement


JSON_ACTION = re.compile(r"""["']?(?:Not)?Action["']?\s*[:=]\s*(\[[^\]]*\]|"[^"]*")""")


def actions_in_text(text: str) -> list[str]:
    """Actions named in inline JSON/jsonencode policies of raw .tf text (the project uses policy documents, but
    a policy written inline must obey the same rule)."""
    found: list[str] = []
    for match in JSON_ACTION.finditer(text):
        found.extend(re.findall(r'"([^"]*)"', match.group(1)))
    return found


def string_set(expression: str) -> set[str]:
    """The strings of a `toset([...])` literal such as `${toset(["a", "b"])}`."""
    match = re.fullmatch(r"\$\{toset\(\[(.*)\]\)\}", expression)
    assert match, f"not a toset literal: {expression!r}"
    return set(re.findall(r'"([^"]*)"', match.group(1)))
