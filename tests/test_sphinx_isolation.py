"""Only the Sphinx adapter (tooling/smets_spec/sphinx/) may import sphinx or docutils.

Checked twice: statically (every import statement of every module, at any
depth) and at run time (importing every other module in a fresh interpreter
loads neither). The front end may call the adapter from inside a function
(``smets build`` does), never at module level.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tooling" / "smets_spec"
ADAPTER = PACKAGE / "sphinx"
FORBIDDEN = ("sphinx", "docutils", "sphinx_needs", "sphinxcontrib")


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if ADAPTER not in p.parents)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.Module, path: Path) -> list[tuple[int, str, bool]]:
    """(line, absolute module name, at module level) of every import in a module."""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    top_level = {id(node) for node in tree.body}
    found: list[tuple[int, str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, id(node) in top_level) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            name = ".".join([*base, node.module] if node.module else base)
            found.append((node.lineno, name, id(node) in top_level))
    return found


def test_the_scan_finds_the_package_modules() -> None:
    names = [_module_name(p) for p in _modules()]
    assert {"smets_spec.corpus.load", "smets_spec.cli", "smets_spec.commands.build"} <= set(names)
    assert not [n for n in names if n.startswith("smets_spec.sphinx")]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_outside_the_adapter_imports_sphinx_or_docutils(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = [
        f"{path.name}:{line}: imports {name}"
        for line, name, at_top in _imports(tree, path)
        if name.split(".")[0] in FORBIDDEN or (at_top and name.startswith("smets_spec.sphinx"))
    ]
    assert bad == []


def test_relative_imports_are_resolved() -> None:
    """The scan itself: ``from ..sphinx.build import x`` in commands/build.py is seen as the adapter."""
    path = PACKAGE / "commands" / "build.py"
    names = {name for _, name, _ in _imports(ast.parse(path.read_text(encoding="utf-8")), path)}
    assert "smets_spec.sphinx.build" in names
    assert "smets_spec.corpus.load" in names


def test_importing_every_engine_module_loads_neither_sphinx_nor_docutils() -> None:
    names = [_module_name(p) for p in _modules()]
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_conf_py_is_plain_data() -> None:
    """conf.py assigns literal values; no imports, functions or computed configuration."""
    conf = PACKAGE.parent.parent / "conf.py"
    tree = ast.parse(conf.read_text(encoding="utf-8"))
    for node in tree.body:
        assert isinstance(node, ast.Assign), ast.dump(node)[:80]
        ast.literal_eval(node.value)
