"""The layout reads as the data flow: each stage imports only the stages before it.

Read from the source (every import, also those inside functions, but not those under
`if TYPE_CHECKING:`), so a lazy import that runs back up the flow is caught as well.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The stages in data-flow order; a module may import its own stage and those above it here.
STAGES = [
    ("base", ["tolk.settings", "tolk.errors", "tolk.records", "tolk.fileio"]),
    ("models", ["tolk.models"]),
    ("intake", ["tolk.intake"]),
    ("segment", ["tolk.segment"]),
    ("translate", ["tolk.translate"]),
    ("checks", ["tolk.checks"]),
    ("summarize", ["tolk.summarize"]),
    ("compose", ["tolk.compose"]),
    ("store", ["tolk.store"]),
    ("views", ["tolk.views"]),
    ("run", ["tolk.executors", "tolk.run", "tolk.measure"]),
    ("edge", ["tolk.cli", "tolk"]),
    ("testing", ["tolk.testing"]),
]
# Over this many lines a module must say at its top why it is one module.
MAX_LINES = 330  # "about 300"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    found = {}
    for folder in ("tolk", "flows"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            found[module_name(path)] = path
    return found


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


@cache
def imports_of(name: str) -> tuple[tuple[str, int], ...]:
    """Return the modules `name` imports (resolved to known modules or packages), with lines."""
    tree = ast.parse(modules()[name].read_text(encoding="utf-8"))
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.append((full if full in modules() else node.module, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return tuple(found)


def stage_of(name: str) -> int:
    best, rank = -1, None
    for i, (_, prefixes) in enumerate(STAGES):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), i
    assert rank is not None, f"{name} belongs to no stage: add it to STAGES"
    return rank


def tolk_modules() -> list[str]:
    return [m for m in modules() if m == "tolk" or m.startswith("tolk.")]


def test_every_module_belongs_to_a_stage():
    for name in tolk_modules():
        stage_of(name)


@pytest.mark.parametrize("name", tolk_modules())
def test_no_module_imports_a_later_stage(name):
    mine = stage_of(name)
    later = [
        f"line {line}: {target} ({STAGES[stage_of(target)][0]})"
        for target, line in imports_of(name)
        if target.startswith("tolk.") and stage_of(target) > mine
    ]
    assert not later, f"{name} ({STAGES[mine][0]}) imports a later stage: {later}"


def test_runtime_code_never_imports_the_test_fixtures():
    for name in [*tolk_modules(), *(m for m in modules() if m.startswith("flows"))]:
        if name.startswith("tolk.testing"):
            continue
        used = [t for t, _ in imports_of(name) if t.startswith("tolk.testing")]
        assert not used, f"{name} imports {used}"


def test_only_the_command_line_imports_flows_and_the_library_never_prefect():
    for name in tolk_modules():
        targets = {t.split(".")[0] for t, _ in imports_of(name)}
        assert "prefect" not in targets and "prefect_dask" not in targets, name
        if not name.startswith("tolk.cli"):
            assert "flows" not in targets, f"{name} imports flows/"


def test_there_is_no_import_circle():
    graph = {
        name: {t for t, _ in imports_of(name) if t in modules() and t != name} for name in modules()
    }
    # A package's __init__ importing its own modules is a facade, not a circle.
    done: set[str] = set()

    def walk(node: str, path: list[str]) -> None:
        if node in path:
            circle = path[path.index(node) :] + [node]
            pytest.fail(f"import circle: {' -> '.join(circle)}")
        if node in done:
            return
        for target in graph[node]:
            if not (target.startswith(node + ".") and modules()[node].name == "__init__.py"):
                walk(target, [*path, node])
        done.add(node)

    for name in graph:
        walk(name, [])


@pytest.mark.parametrize("name", list(modules()))
def test_a_long_module_says_why_it_is_one(name):
    path = modules()[name]
    lines = len(path.read_text(encoding="utf-8").splitlines())
    if lines <= MAX_LINES:
        return
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    assert "One module because" in doc, (
        f"{path.relative_to(ROOT)} has {lines} lines: split it by concept, or say at its top "
        "why it is one module ('One module because ...')"
    )
