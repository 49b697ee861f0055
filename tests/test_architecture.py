"""The package's layers: a module imports only from its own floor or below, and no module circles.

The floors are drawn in docs/architecture.md. Lazy imports inside functions count too: a
circle hidden in a function is still a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parent.parent / "tooling" / "smets_spec"

#: subpackage (or top-level module) -> floor; a module may import from its floor or below
FLOORS: dict[str, int] = {
    "__init__": 0,
    "forking": 0,
    "corpus": 0,
    "markup": 1,
    "trace": 1,
    "reference": 1,
    "duplicates": 2,
    "conformance": 2,
    "consultation": 2,
    "protocols": 2,
    "interchange": 2,
    "change": 3,
    "render": 4,
    "sphinx": 5,
    "commands": 5,
    "preview": 5,
    "cli": 6,
}


def _module(path: Path) -> tuple[str, ...]:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imports(path: Path) -> set[tuple[str, ...]]:
    """Every module of the package that ``path`` imports (a name imported from a package may be a module)."""
    here = _module(path)
    package = here if path.name == "__init__.py" else here[:-1]
    found: set[tuple[str, ...]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = base + tuple(node.module.split(".") if node.module else ())
            elif node.module and node.module.split(".")[0] == "smets_spec":
                target = tuple(node.module.split(".")[1:])
            else:
                continue
            for alias in node.names:
                as_module = (*target, alias.name)
                found.add(as_module if _exists(as_module) else target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "smets_spec":
                    found.add(tuple(alias.name.split(".")[1:]))
    return {t for t in found if t != here}


def _exists(module: tuple[str, ...]) -> bool:
    path = PACKAGE.joinpath(*module)
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    for path in PACKAGE.rglob("*.py"):
        if "suite" in path.relative_to(PACKAGE).parts:  # the conformance suite is data run by pytest
            continue
        graph.add_node(_module(path))
        for target in _imports(path):
            graph.add_edge(_module(path), target)
    return graph


def _floor(module: tuple[str, ...]) -> int:
    return FLOORS[module[0] if module else "__init__"]


def test_every_part_of_the_package_has_a_floor() -> None:
    tops = {p.stem for p in PACKAGE.glob("*.py")} | {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert tops == set(FLOORS)


def test_the_top_of_the_package_holds_only_the_command_and_subpackages() -> None:
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py", "cli.py", "forking.py"]


def test_no_module_imports_from_a_floor_above_its_own() -> None:
    graph = _graph()
    upward = sorted(
        (".".join(a), ".".join(b))
        for a, b in graph.edges
        if a and b and a[0] != b[0] and _floor(b) > _floor(a)
    )
    assert upward == []


def test_no_import_circles() -> None:
    assert list(nx.simple_cycles(_graph())) == []


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The walk really finds imports, relative and lazy: the change floor imports the duplicates floor."""
    edges = _graph().edges
    assert (("change", "review"), ("duplicates", "scan")) in edges  # lazy, inside a function
    assert (("sphinx", "site"), ("sphinx", "linker")) in edges
