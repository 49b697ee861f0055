"""The source of a model or test of this package read from its file, without importing it.

``.. smets-source:: module:qualname`` shows what :func:`inspect.getsourcelines` gives for the
object. Importing the module to ask it costs each of a cold build's forked readers that meets
such a directive the import of the conformance suite (pytest with it) and of the reference
models, about 0.15 s of CPU a reader. :func:`source_of` finds the same lines in the module's
file instead: the file Python would import (found without running any package's code), the
definition of ``qualname`` by its syntax tree, its block cut as :mod:`inspect` cuts it.

Only a definition it can answer for without running anything is answered (None otherwise, and
the caller imports): each part of ``qualname`` bound exactly once in the body that holds it, by
a ``class`` or ``def`` statement at the top of that body (not in an ``if`` or ``try``, not
assigned or imported too), decorated by nothing but ``pytest.mark...``, ``dataclass``,
``runtime_checkable`` and ``reference_model`` (registry.py) decorators (each hands back the
object it is given), and no part below a function (its locals). ``SMETS_SOURCE_FILE=off``:
every listing imports its module, as before.
"""

from __future__ import annotations

import ast
import importlib.machinery
import inspect
import io
import sys
import tokenize
from pathlib import Path

from ..corpus.cachedir import switched_off

SWITCH = "SMETS_SOURCE_FILE"
INDEX_SWITCH = "SMETS_SOURCE_INDEX"
#: decorators that return the object they are given (what ``inspect`` finds under the name)
_SAME_OBJECT = ("dataclass", "dataclasses.dataclass", "runtime_checkable", "reference_model")
_Def = ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef


def module_file(module_name: str) -> Path | None:
    """The source file ``module_name`` is imported from, found without importing it (None: not a
    plain source file on a path the import system would take, as far as can be told)."""
    parts = module_name.split(".")
    top = sys.modules.get(parts[0])
    search = list(getattr(top, "__path__", None) or ())
    if not search:
        return None
    for at, part in enumerate(parts[1:], start=1):
        loaded = sys.modules.get(".".join(parts[: at + 1]))
        if loaded is not None:  # imported already: where it came from
            origin = getattr(getattr(loaded, "__spec__", None), "origin", None)
            locations = getattr(loaded, "__path__", None)
        else:
            spec = importlib.machinery.PathFinder.find_spec(part, search)
            if spec is None:
                return None
            origin, locations = spec.origin, spec.submodule_search_locations
        if at == len(parts) - 1:
            return Path(origin) if origin and origin.endswith(".py") else None
        if not locations:
            return None
        search = list(locations)
    return None


def _plain_decorators(node: _Def) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = ast.unparse(target)
        if not (name in _SAME_OBJECT or name.startswith("pytest.mark.")):
            return False
    return True


def _bound(statement: ast.stmt, name: str) -> bool:
    """Whether ``statement`` (anything but a def or class of that name) may bind ``name``."""
    return any(
        (isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store | ast.Del))
        or (isinstance(node, ast.alias) and (node.asname or node.name.split(".")[0]) in (name, "*"))
        or (isinstance(node, _Def) and node.name == name)
        or (isinstance(node, ast.Global | ast.Nonlocal) and name in node.names)
        for node in ast.walk(statement)
    )


def _names_bound(statement: ast.stmt) -> frozenset[str]:
    """Every name :func:`_bound` says ``statement`` may bind (``*``: a star import, any name)."""
    names: set[str] = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store | ast.Del):
                names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, _Def):
            names.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
    return frozenset(names)


class _Parsed:
    """A file's bytes, lines (as :func:`tokenize.open` reads them) and syntax tree, and what each
    statement of the tree may bind (worked out on first use: the tree holds its statements, so
    their ids stay theirs)."""

    def __init__(self, raw: bytes) -> None:
        buffer = io.BytesIO(raw)
        encoding, _ = tokenize.detect_encoding(buffer.readline)
        buffer.seek(0)
        self.raw = raw
        self.lines = io.TextIOWrapper(buffer, encoding, line_buffering=True).readlines()
        if self.lines and not self.lines[-1].endswith("\n"):
            self.lines[-1] += "\n"
        self.tree = ast.parse("".join(self.lines))
        self._names: dict[int, frozenset[str]] = {}

    def bound(self, statement: ast.stmt, name: str) -> bool:
        """:func:`_bound`, from the names the statement binds."""
        names = self._names.get(id(statement))
        if names is None:
            names = self._names[id(statement)] = _names_bound(statement)
        return name in names or "*" in names


#: :class:`_Parsed` by file, while the file's bytes are the same: the last few files only (a page
#: lists the definitions of one module together; 16 modules' trees take some 3 MB)
_FILES: dict[Path, _Parsed] = {}
_FILES_KEPT = 4


def _parsed(file: Path) -> _Parsed:
    raw = file.read_bytes()
    found = _FILES.get(file)
    if found is None or found.raw != raw:
        found = _Parsed(raw)
        if len(_FILES) >= _FILES_KEPT:
            _FILES.clear()
        _FILES[file] = found
    return found


def _find(body: list[ast.stmt], name: str, parsed: _Parsed | None = None) -> _Def | None:
    """The one def or class statement at the top of ``body`` binding ``name`` (None: not that)."""
    found = [s for s in body if isinstance(s, _Def) and s.name == name]
    if len(found) != 1 or not _plain_decorators(found[0]):
        return None
    bound = _bound if parsed is None else parsed.bound
    if any(bound(s, name) for s in body if s is not found[0]):
        return None
    return found[0]


def source_of(module_name: str, qualname: str) -> tuple[list[str], int, Path] | None:
    """The lines and first line number :func:`inspect.getsourcelines` gives for ``qualname`` of
    ``module_name``, and the file, read without importing (None: see the module's doc)."""
    if switched_off(SWITCH) or not qualname:
        return None
    file = module_file(module_name)
    if file is None:
        return None
    parsed: _Parsed | None = None
    try:
        if switched_off(INDEX_SWITCH):
            with tokenize.open(file) as handle:  # as linecache reads it
                lines = handle.readlines()
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += "\n"
            tree = ast.parse("".join(lines))
        else:
            parsed = _parsed(file)
            lines, tree = parsed.lines, parsed.tree
    except (OSError, SyntaxError, ValueError):
        return None
    body: list[ast.stmt] = tree.body
    node: _Def | None = None
    for part in qualname.split("."):
        if node is not None and not isinstance(node, ast.ClassDef):
            return None  # a function's locals: not reachable by attribute
        node = _find(body, part, parsed)
        if node is None:
            return None
        body = node.body
    if node is None:
        return None
    first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
    return inspect.getblock(lines[first - 1 :]), first, file
