"""A source listing read from the module's file gives what importing the module and asking
:mod:`inspect` gives (conformance/sourcefile.py, ``SMETS_SOURCE_FILE``)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import sys
from pathlib import Path

import pytest

from smets_spec.conformance import sourcefile
from smets_spec.conformance.pages import source_listing

ROOT = Path(__file__).resolve().parents[1]
_REF = re.compile(r"\.\. smets-source:: *(\S+)")


@pytest.fixture(autouse=True)
def _suite_markers(pytestconfig: pytest.Config) -> None:
    """The suite's modules mark their tests ``verifies``: a marker this session may not know."""
    pytestconfig.addinivalue_line("markers", "verifies(*ids): the requirements a test verifies")


def _listing(ref: str, monkeypatch: pytest.MonkeyPatch, switch: str) -> str:
    monkeypatch.setenv(sourcefile.SWITCH, switch)
    return source_listing(None, [ref])  # type: ignore[arg-type]


def _refs_in_spec() -> list[str]:
    return sorted(
        {m[1] for path in (ROOT / "spec").rglob("*.rst") for m in _REF.finditer(path.read_text("utf-8"))}
    )


def _defs_of(package: str) -> list[str]:
    """module:qualname of every top-level class and function and every method, of each module."""
    base = importlib.import_module(package)
    names = [package] + [m.name for m in pkgutil.walk_packages(base.__path__, package + ".")]
    refs = []
    for name in names:
        file = sourcefile.module_file(name)
        assert file is not None, name
        tree = ast.parse(file.read_text("utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                refs.append(f"{name}:{node.name}")
            if isinstance(node, ast.ClassDef):
                refs += [
                    f"{name}:{node.name}.{sub.name}"
                    for sub in node.body
                    if isinstance(sub, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                ]
    return refs


def test_every_listing_of_the_spec_is_the_imported_one(monkeypatch: pytest.MonkeyPatch) -> None:
    refs = _refs_in_spec()
    assert len(refs) > 40
    for ref in refs:
        module, _, qualname = ref.partition(":")
        monkeypatch.delenv(sourcefile.SWITCH, raising=False)
        assert sourcefile.source_of(module, qualname) is not None, ref  # read from the file
        assert _listing(ref, monkeypatch, "on") == _listing(ref, monkeypatch, "off"), ref


@pytest.mark.parametrize("package", ["smets_spec.reference", "smets_spec.conformance"])
def test_every_definition_the_file_answers_for_is_the_imported_one(
    package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answered = 0
    refs = _defs_of(package)
    for ref in refs:
        module, _, qualname = ref.partition(":")
        monkeypatch.delenv(sourcefile.SWITCH, raising=False)
        if sourcefile.source_of(module, qualname) is None:
            continue
        answered += 1
        try:
            imported = _listing(ref, monkeypatch, "off")
        except ValueError:  # inspect cannot show it (a property's getter, ...): neither may the file
            pytest.fail(f"{ref}: read from the file, but inspect cannot show it")
        assert _listing(ref, monkeypatch, "on") == imported, ref
    assert answered > len(refs) * 0.8, (answered, len(refs))


def _probe_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, package: str, source: str) -> Path:
    """A package ``package`` in ``tmp_path`` (on the import path) whose module ``mod`` is ``source``."""
    folder = tmp_path / package
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    module = folder / "mod.py"
    module.write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    return module


def test_definitions_it_cannot_answer_for_are_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _probe_module(
        tmp_path,
        monkeypatch,
        "smets_spec_probe",
        "import functools\n"
        "class Twice:\n    pass\n"
        "class Twice:\n    x = 1\n"
        "def assigned():\n    pass\n"
        "assigned = 3\n"
        "class Props:\n    @property\n    def p(self):\n        return 1\n"
        "    def plain(self):\n        return 2\n"
        "def outer():\n    def inner():\n        pass\n"
        "@functools.cache\ndef cached():\n    pass\n"
        "if True:\n    def conditional():\n        pass\n"
        "@dataclass_like\nclass Marked:\n    pass\n"
        "def last():\n    return 1",  # no newline at the end, as linecache would add
    )
    importlib.import_module("smets_spec_probe")
    try:
        for qualname in (
            "Twice",
            "assigned",
            "Props.p",
            "outer.inner",
            "cached",
            "conditional",
            "Marked",
            "nothing",
        ):
            assert sourcefile.source_of("smets_spec_probe.mod", qualname) is None, qualname
        found = sourcefile.source_of("smets_spec_probe.mod", "Props.plain")
        assert (
            found is not None
            and found[1] == 13
            and found[0] == ["    def plain(self):\n", "        return 2\n"]
        )
        last = sourcefile.source_of("smets_spec_probe.mod", "last")
        assert last is not None and last[0] == ["def last():\n", "    return 1\n"]
        assert "smets_spec_probe.mod" not in sys.modules  # nothing imported
        monkeypatch.setenv(sourcefile.SWITCH, "off")
        assert sourcefile.source_of("smets_spec_probe.mod", "Props.plain") is None
    finally:
        sys.modules.pop("smets_spec_probe", None)


def _answers(refs: list[str], monkeypatch: pytest.MonkeyPatch, index: str) -> list[object]:
    monkeypatch.setenv(sourcefile.INDEX_SWITCH, index)
    sourcefile._FILES.clear()
    return [sourcefile.source_of(*ref.partition(":")[::2]) for ref in refs]


def test_the_kept_files_and_bindings_give_the_same_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """``SMETS_SOURCE_INDEX``: every definition of the spec's listings and of the two packages
    (each file parsed once, each statement's names looked for once) answered as when each
    listing parses its file and walks the body again."""
    monkeypatch.delenv(sourcefile.SWITCH, raising=False)
    refs = _refs_in_spec() + _defs_of("smets_spec.reference") + _defs_of("smets_spec.conformance")
    kept = _answers(refs, monkeypatch, "on")
    assert kept == _answers(refs, monkeypatch, "off")
    assert sum(found is not None for found in kept) > len(refs) * 0.8
    assert len(sourcefile._FILES) == 0  # switched off: nothing kept
    made: list[bytes] = []

    class Counted(sourcefile._Parsed):
        def __init__(self, raw: bytes) -> None:
            super().__init__(raw)
            made.append(raw)

    monkeypatch.setattr(sourcefile, "_Parsed", Counted)
    _answers(sorted(refs), monkeypatch, "on")  # a module's definitions together, as on a page
    assert len(made) == len({ref.partition(":")[0] for ref in refs})  # one parse per file
    assert 0 < len(sourcefile._FILES) <= sourcefile._FILES_KEPT


def test_a_kept_file_is_parsed_again_when_its_bytes_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mod = _probe_module(
        tmp_path,
        monkeypatch,
        "smets_spec_probe2",
        "def first():\n    return 1\n\n\ndef second():\n    return 2\n",
    )
    monkeypatch.delenv(sourcefile.SWITCH, raising=False)
    monkeypatch.setenv(sourcefile.INDEX_SWITCH, "on")
    importlib.import_module("smets_spec_probe2")
    try:
        assert sourcefile.source_of("smets_spec_probe2.mod", "second") == (
            ["def second():\n", "    return 2\n"],
            5,
            mod,
        )
        mod.write_text("second = 3\n\n\ndef second():\n    return 2\n")  # now bound twice
        assert sourcefile.source_of("smets_spec_probe2.mod", "second") is None
        mod.write_text("from x import *\n\n\ndef first():\n    return 1\n")  # a star import binds any name
        assert sourcefile.source_of("smets_spec_probe2.mod", "first") is None
        mod.write_text("# -*- coding: latin-1 -*-\ndef caf\xe9():\n    return '\xe9'", "latin-1")
        assert sourcefile.source_of("smets_spec_probe2.mod", "caf\xe9") == (
            ["def caf\xe9():\n", "    return '\xe9'\n"],
            2,
            mod,
        )
    finally:
        sys.modules.pop("smets_spec_probe2", None)
