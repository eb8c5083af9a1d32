"""The import graph of ``src/senas``: layers point down (import-linter's contract in pyproject.toml) and no module
imports itself through others (a cycle in grimp's graph). Each check is also run on a small package made to break
it, so a check that could not fail would show here."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp

from prerequisites import REPO_ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def import_cycles(imports: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative): each is a set of modules
    that import one another through a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    counter = 0
    for root in sorted(imports):
        if root in index:
            continue
        work = [(root, iter(sorted(imports.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(imports.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def graph_of(package: str) -> dict[str, set[str]]:
    graph = grimp.build_graph(package, cache_dir=None)
    return {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}


def write_package(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def lint_imports(config: Path, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{pythonpath}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(config), "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        cwd=config.parent,
        check=False,
        timeout=120,
    )


def test_no_module_of_senas_imports_itself_through_others() -> None:
    cycles = import_cycles(graph_of("senas"))
    assert cycles == [], "import circles:\n" + "\n".join(" ↔ ".join(cycle) for cycle in cycles)


def test_the_cycle_check_finds_a_planted_circle(tmp_path: Path) -> None:
    write_package(
        tmp_path,
        {
            "planted/__init__.py": "",
            "planted/a.py": "from planted import b\n",
            "planted/b.py": "from planted import c\n",
            "planted/c.py": "import planted.a\n",
            "planted/d.py": "from planted import a\n",
        },
    )
    sys.path.insert(0, str(tmp_path))
    try:
        assert import_cycles(graph_of("planted")) == [["planted.a", "planted.b", "planted.c"]]
    finally:
        sys.path.remove(str(tmp_path))


def test_layers_point_down() -> None:
    result = lint_imports(REPO_ROOT / "pyproject.toml", REPO_ROOT / "src")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Layers point down KEPT" in result.stdout


def test_the_layers_contract_catches_a_service_importing_another(tmp_path: Path) -> None:
    write_package(
        tmp_path,
        {
            "layered/__init__.py": "",
            "layered/core.py": "",
            "layered/content.py": "from layered import core\n",
            "layered/ml.py": "from layered import content\n",  # one service reaching into another
        },
    )
    config = tmp_path / "pyproject.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "layered"\n\n[[tool.importlinter.contracts]]\n'
        'name = "Layers point down"\ntype = "layers"\nlayers = ["layered.content | layered.ml", "layered.core"]\n',
        encoding="utf-8",
    )
    result = lint_imports(config, tmp_path)
    assert result.returncode != 0
    assert "layered.ml is not allowed to import layered.content" in result.stdout
