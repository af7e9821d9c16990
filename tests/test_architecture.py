"""The package's shape, checked from the source (issue 14): small modules, no import cycles, a
questionnaire layer that knows nothing of Flask or the database, and forms only in the web layer.

The import graph is read with :mod:`ast`, not by importing: every ``import`` counts, inside
functions and under ``if TYPE_CHECKING:`` too, since a deferred or type-only import is still a
dependency that a layer must not have (deferring one is how a cycle hides).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "survey"
MAX_LINES = 500
NO_FRAMEWORK = ("flask", "werkzeug", "wtforms", "sqlalchemy", "flask_sqlalchemy")
NO_LAYERS = ("survey.models", "survey.extensions", "survey.web", "survey.responses")
FORM_LIBRARIES = ("flask_wtf", "wtforms")


@dataclass(frozen=True)
class Import:
    """One import statement's target, resolved to an absolute module name."""

    module: str
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of the package by its dotted name (a package by its ``__init__``)."""
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _base(name: str, path: Path, node: ast.ImportFrom) -> str:
    """The module a ``from ... import`` names, relative imports made absolute."""
    if not node.level:
        return node.module or ""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


@cache
def imports(name: str) -> tuple[Import, ...]:
    """What a module imports, anywhere in it. ``from survey.x import y`` is an import of the
    module survey.x.y when there is one, else of survey.x."""
    path = modules()[name]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [Import(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _base(name, path, node)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.append(Import(submodule if submodule in modules() else base, node.lineno))
    return tuple(found)


def internal(name: str) -> set[str]:
    """The package's own modules that a module imports (the edges of the import graph)."""
    return {i.module for i in imports(name) if i.module in modules() and i.module != name}


def under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def where(name: str) -> str:
    return str(modules()[name].relative_to(ROOT))


def cycles() -> list[list[str]]:
    """One cycle through each strongly connected group of modules (Tarjan's algorithm), as the
    modules in import order, the first repeated at the end."""
    graph = {name: sorted(internal(name)) for name in modules()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for name in graph:
        if name not in index:
            visit(name)
    return [_cycle_in(graph, group) for group in groups]


def _cycle_in(graph: dict[str, list[str]], group: set[str]) -> list[str]:
    """A shortest path from the group's first module back to itself, within the group."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    for node in queue:
        for target in graph[node]:
            if target == start:
                return [*paths[node], start]
            if target in group and target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    raise AssertionError(f"no cycle in the group {sorted(group)}")


def reached(start: str) -> Iterator[tuple[list[str], Import]]:
    """Every import made by ``start`` or by the package's modules it imports, however
    indirectly, with the chain of modules that leads to it."""
    chains = {start: [start]}
    queue = [start]
    for node in queue:
        for found in imports(node):
            yield chains[node], found
            if found.module in modules() and found.module not in chains:
                chains[found.module] = [*chains[node], found.module]
                queue.append(found.module)


def test_no_module_is_over_500_lines() -> None:
    lengths = {name: len(path.read_text().splitlines()) for name, path in modules().items()}
    over = sorted((lines, where(name)) for name, lines in lengths.items() if lines > MAX_LINES)
    assert not over, f"modules over {MAX_LINES} lines:\n" + "\n".join(
        f"  {path}: {lines}" for lines, path in reversed(over)
    )


def test_the_import_graph_has_no_cycles() -> None:
    found = cycles()
    assert not found, "import cycles:\n" + "\n".join(f"  {' -> '.join(c)}" for c in found)


def test_the_questionnaire_layer_knows_nothing_of_flask_or_the_database() -> None:
    problems = set()
    for name in modules():
        if not under(name, ("survey.questionnaire",)):
            continue
        for chain, found in reached(name):
            if under(found.module, NO_FRAMEWORK + NO_LAYERS):
                via = " -> ".join(chain)
                problems.add(f"  {via} imports {found.module} ({where(chain[-1])}:{found.line})")
    assert not problems, "survey/questionnaire/ depends on the web or the database:\n" + "\n".join(
        sorted(problems)
    )


def test_only_the_web_layer_uses_forms() -> None:
    problems = sorted(
        f"  {where(name)}:{found.line} imports {found.module}"
        for name in modules()
        if not under(name, ("survey.web",))
        for found in imports(name)
        if under(found.module, FORM_LIBRARIES)
    )
    assert not problems, "flask_wtf/wtforms outside survey/web/:\n" + "\n".join(problems)


def test_the_checks_see_what_they_look_for() -> None:
    """The graph is read at all: the package has modules, the application factory imports the
    web layer, and the test's own tools resolve a relative import."""
    assert "survey.questionnaire.model" in modules()
    assert any(under(m, ("survey.web",)) for m in internal("survey"))
    node = ast.parse("from ...models import x").body[0]
    assert isinstance(node, ast.ImportFrom)
    init = PACKAGE / "web" / "respondent" / "__init__.py"
    assert _base("survey.web.respondent", init, node) == "survey.models"
