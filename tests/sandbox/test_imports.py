"""The sandbox stays outside the product: importing `bot` or `storage` never loads it, and its
own modules import each other one way only (no cycle)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = ROOT / "sandbox"

# Imports every module of the product packages, then lists what of `sandbox` got loaded.
_IMPORT_THE_PRODUCT = """
import importlib, json, pkgutil, sys
imported = []
for name in ("bot", "storage"):
    package = importlib.import_module(name)
    imported.append(name)
    for module in pkgutil.walk_packages(package.__path__, name + "."):
        importlib.import_module(module.name)
        imported.append(module.name)
loaded = sorted(m for m in sys.modules if m == "sandbox" or m.startswith("sandbox."))
print(json.dumps({"imported": imported, "sandbox": loaded}))
"""


def test_importing_every_product_module_loads_nothing_of_the_sandbox() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_THE_PRODUCT], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])

    assert {"bot.cli", "bot.app", "bot.server", "storage.db"} <= set(report["imported"])
    assert report["sandbox"] == []


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sandbox_imports(path: Path, module: str, modules: set[str]) -> set[str]:
    """The sandbox modules `path` imports anywhere in it (top level, functions, TYPE_CHECKING)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from package import submodule` imports the submodule; anything else, the module.
            found.update(f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names)
    return {name for name in found if name in modules and name != module}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path that starts and ends at the same module, or None."""
    state: dict[str, str] = {}  # module → "open" while on the current path, "done" after
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "open"
        path.append(module)
        for imported in sorted(graph[module]):
            if state.get(imported) == "open":
                return [*path[path.index(imported) :], imported]
            if imported not in state and (found := visit(imported)):
                return found
        path.pop()
        state[module] = "done"
        return None

    return next((found for module in sorted(graph) if module not in state and (found := visit(module))), None)


def test_the_cycle_finder_reports_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_sandbox_module_imports_one_that_imports_it_back() -> None:
    paths = sorted(SANDBOX.rglob("*.py"))
    modules = {_module_name(path) for path in paths}
    graph = {_module_name(path): _sandbox_imports(path, _module_name(path), modules) for path in paths}

    assert {"sandbox.runner", "sandbox.server", "sandbox.slack.stand_in"} <= modules
    assert "sandbox.server" in graph["sandbox.runner"]  # the runner hands itself to the page server
    assert _cycle(graph) is None
