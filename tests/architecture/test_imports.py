"""Which way the imports point (docs/architecture.md), checked on the source itself.

Imports are read with `ast`, at every depth of a module (a function's lazy import counts too),
except those under `if TYPE_CHECKING:` (type hints only, never executed).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("bot", "storage")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    found = {}
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[module_name(path)] = path
    return found


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, skipping the bodies of `if TYPE_CHECKING:`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


@cache
def imports_of(module: str) -> frozenset[str]:
    """The modules `module` imports when it runs (names as written, resolved for relative ones)."""
    tree = ast.parse(modules()[module].read_text())
    names = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return frozenset(names)


def product_imports(module: str) -> set[str]:
    """The product modules `module` imports (a `from package import name` counts when it is a module)."""
    return {name for name in imports_of(module) if name in modules() and name != module}


def reachable(module: str) -> set[str]:
    seen: set[str] = set()
    todo = [module]
    while todo:
        for imported in product_imports(todo.pop()):
            if imported not in seen:
                seen.add(imported)
                todo.append(imported)
    return seen


def third_party(module: str) -> set[str]:
    """Top-level packages outside the product that `module` itself imports."""
    return {name.split(".")[0] for name in imports_of(module)} - set(PRODUCT)


def in_package(package: str) -> list[str]:
    return sorted(name for name in modules() if name == package or name.startswith(package + "."))


def test_the_product_has_no_import_cycle() -> None:
    cycles = sorted(module for module in modules() if module in reachable(module))
    assert cycles == []


@pytest.mark.parametrize("module", in_package("bot.handlers"))
def test_no_handler_imports_a_worker(module: str) -> None:
    assert not {name for name in reachable(module) if name.startswith("bot.workers")}


@pytest.mark.parametrize("module", [*in_package("bot.services"), *in_package("storage")])
def test_no_service_or_storage_module_imports_the_slack_sdk(module: str) -> None:
    touched = {module, *reachable(module)}
    assert not {package for name in touched for package in third_party(name)} & {"slack_sdk", "slack_bolt"}


@pytest.mark.parametrize("module", in_package("bot.views"))
def test_no_view_imports_the_database_layer(module: str) -> None:
    touched = {module, *reachable(module)}
    assert not {name for name in touched if name.startswith("storage.db") or name == "storage.models"}
    assert "sqlalchemy" not in {package for name in touched for package in third_party(name)}


def test_the_product_never_imports_the_sandbox() -> None:
    users = sorted(
        module
        for module in modules()
        if any(name.split(".")[0] == "sandbox" for name in imports_of(module))
        and not module.startswith("bot.sandbox")
        and module != "bot.cli"
    )
    assert users == []


@pytest.mark.parametrize("module", in_package("bot.services"))
def test_services_import_no_parser_ast_handler_or_view(module: str) -> None:
    forbidden = ("bot.parsing.command", "bot.parsing.commands", "bot.handlers", "bot.views")
    assert not {name for name in product_imports(module) if name.startswith(forbidden)}


@pytest.mark.parametrize("module", in_package("storage"))
def test_storage_imports_nothing_of_bot(module: str) -> None:
    assert not {name for name in product_imports(module) if name.startswith("bot")}
