"""Fuzzing `smets consult import` with mutated workbooks: cell values, XML parts, zip structure.

Every case goes through the real command (``smets_spec.cli.main``). Each is either accepted, and
then every stored text is what the workbook holds (byte for byte what was typed, where the test
typed it), or refused with exit 1 and ``<workbook>: error: ... [smets.consult-*]`` lines, the
repository unchanged; never a traceback, never another exit code. The cases are derandomised
(the same every run) and bounded: about 20 s on the development machine. Run with ``-s`` to see
how many cases were tried.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from consulthostile import QUESTIONS_XML, REQUIREMENTS_XML, rezip, set_cell, snapshot
from consulttools import answer, load, mini_project
from smets_spec.cli import main
from smets_spec.consultation.fill import Filled
from smets_spec.consultation.model import read_responses

BASE = Filled(
    "Fuzz Ltd",
    answers={1: "An answer."},
    comments={"PC_01": ("Major", "A comment.", "Wording.")},
    general=[("Costs", "Minor", "General text.", None)],
)
RESPONSE = "spec/consultations/test/fuzz-ltd.rst"
#: SMETS_FUZZ_EXAMPLES=2000 runs a longer, randomised exploration (not in the normal suite).
_LONG = int(os.environ.get("SMETS_FUZZ_EXAMPLES", "0"))
SETTINGS = settings(
    max_examples=_LONG or 60,
    deadline=None,
    derandomize=not _LONG,
    database=None,
    suppress_health_check=list(HealthCheck),
)
TRIED: dict[str, int] = {}

#: Characters XML 1.0 can hold (a workbook cannot hold the others at all).
XML_TEXT = st.text(
    st.characters(
        blacklist_categories=cast(Any, ("Cs",)),
        blacklist_characters="".join(chr(c) for c in range(32) if c not in (9, 10, 13)) + "\ufffe\uffff",
    ),
    min_size=1,
    max_size=200,
)
FRAGMENTS = [
    b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>",
    b"&a;",
    b'<c r="H2" t="s"><v>7</v></c>',
    b'<c r="ZZZZ9"><v>1</v></c>',
    b'<row r="0">',
    b"</row>",
    b'<f t="array" ref="A1">1</f>',
    b"<![CDATA[x]]>",
    b"\xff\xfe",
    b"\x00",
    b'<?xml version="1.0" encoding="latin-1"?>',
    b'xml:space="preserve"',
    b"<is><t>injected</t></is>",
]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    work = tmp_path_factory.mktemp("fuzz")
    root = mini_project(work / "repo")
    yield root, answer(root, BASE, work)
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(TRIED.items()))
    print(f"\nconsult import fuzz: {sum(TRIED.values())} cases ({counts})")


def _cell_texts(book: Path) -> set[str]:
    """Every text in the workbook's sheets, read independently of the importer (lxml, no openpyxl)."""
    texts: set[str] = set()
    with zipfile.ZipFile(book) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet") or name == "xl/sharedStrings.xml":
                tree = etree.fromstring(archive.read(name), etree.XMLParser(resolve_entities=False))
                for node in tree.iter("{*}is", "{*}si"):
                    texts.add("".join(t.text or "" for t in node.iter("{*}t")))
                texts.update(v.text or "" for v in tree.iter("{*}v"))
                texts.update("=" + (f.text or "") for f in tree.iter("{*}f"))
    return texts


def _import(root: Path, book: Path, kind: str) -> tuple[int, str, str]:
    TRIED[kind] = TRIED.get(kind, 0) + 1
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--root", str(root), "consult", "import", str(book)])
    return code, out.getvalue(), err.getvalue()


def _check(root: Path, book: Path, kind: str, typed: dict[str, str] | None = None) -> dict[str, Any] | None:
    """Accepted with the texts the workbook holds, or refused with located messages, nothing changed."""
    before = snapshot(root)
    code, out, err = _import(root, book, kind)
    assert "Traceback" not in out + err
    assert code in (0, 1), (code, out, err)
    if code == 1:
        errors = [line for line in err.splitlines() if ": error: " in line]
        assert errors, err
        assert all(line.startswith(f"{book}: error: ") for line in errors), err
        assert all(re.search(r"\[smets\.consult-[a-z]+\]$", line) for line in errors), err
        assert snapshot(root) == before
        return None
    path = root / RESPONSE
    try:
        items, problems = read_responses(load(root), "CON_TEST")
        assert not problems
        stored = {f"{s.response.kind}:{s.response.target}": s.response for s in items}
        for key, want in (typed or {}).items():
            assert stored[key].text == want, (key, stored[key].text, want)
        holds = _cell_texts(book)
        for response in stored.values():
            for text in (response.text, response.wording):
                numeric = text is not None and re.fullmatch(r"[-+0-9.eE:TFALSEURinf]+", text)
                assert text is None or numeric or text in holds, text
    finally:
        path.unlink(missing_ok=True)
    assert snapshot(root) == before
    return stored


def _inline(ref: str, text: str) -> str:
    body = escape(text).replace("\r", "&#13;")
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{body}</t></is></c>'


@SETTINGS
@given(comment=XML_TEXT, answer_text=XML_TEXT)
def test_typed_texts_are_stored_byte_for_byte(
    project: tuple[Path, Path], comment: str, answer_text: str
) -> None:
    root, base = project
    book = base.parent / "typed.xlsx"

    def patch(name: str, data: bytes) -> bytes:
        if name == REQUIREMENTS_XML:
            return set_cell(data, "H2", _inline("H2", comment))
        if name == QUESTIONS_XML:
            return set_cell(data, "C2", _inline("C2", answer_text))
        return data

    rezip(base, book, patch)
    _check(root, book, "typed text", {"requirement:PC_01": comment, "answer:CQ_TEST_01": answer_text})


@SETTINGS
@given(
    kind=st.sampled_from(["n", "b", "d", "s", "e", "str", "inlineStr", "x", ""]),
    value=st.text(max_size=30),
    formula=st.sampled_from([None, "", "SUM(A1:A2)", "dataTable", "shared", "array"]),
)
def test_cell_values_of_any_type(
    project: tuple[Path, Path], kind: str, value: str, formula: str | None
) -> None:
    root, base = project
    book = base.parent / "value.xlsx"
    t = f' t="{kind}"' if kind else ""
    f = ""
    if formula in ("dataTable", "shared", "array"):
        f = f'<f t="{formula}" ref="H2" si="0">A1</f>'
    elif formula is not None:
        f = f"<f>{escape(formula)}</f>"
    v = escape("".join(c for c in value if c >= " " or c in "\t\n"))
    cell = f'<c r="H2"{t}>{f}<v>{v}</v></c>'
    rezip(base, book, lambda n, d: set_cell(d, "H2", cell) if n == REQUIREMENTS_XML else d)
    stored = _check(root, book, "cell value")
    if stored is not None and v.strip() and kind != "e":  # accepted: what was in the cell is not lost
        assert stored["requirement:PC_01"].text is not None, cell


@SETTINGS
@given(
    part=st.integers(min_value=0, max_value=20),
    at=st.floats(min_value=0, max_value=1),
    cut=st.integers(min_value=0, max_value=40),
    insert=st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=12)),
)
def test_mutated_xml_parts(project: tuple[Path, Path], part: int, at: float, cut: int, insert: bytes) -> None:
    root, base = project
    with zipfile.ZipFile(base) as archive:
        parts = [n for n in archive.namelist() if n.endswith((".xml", ".rels"))]
    name = parts[part % len(parts)]

    def patch(n: str, data: bytes) -> bytes:
        if n != name:
            return data
        pos = int(at * len(data))
        return data[:pos] + insert + data[pos + cut :]

    book = rezip(base, base.parent / "xml.xlsx", patch)
    _check(root, book, "XML part")


@SETTINGS
@given(
    action=st.sampled_from(["truncate", "flip", "drop", "duplicate", "rename", "stored", "extra"]),
    at=st.floats(min_value=0, max_value=1),
    data=st.binary(min_size=1, max_size=8),
)
def test_mutated_zip_structure(project: tuple[Path, Path], action: str, at: float, data: bytes) -> None:
    root, base = project
    raw = base.read_bytes()
    book = base.parent / "zip.xlsx"
    pos = int(at * (len(raw) - 1))
    if action == "truncate":
        book.write_bytes(raw[:pos])
    elif action == "flip":
        book.write_bytes(raw[:pos] + bytes(b ^ 0xFF for b in data) + raw[pos + len(data) :])
    else:
        with zipfile.ZipFile(base) as src:
            infos = src.infolist()
            victim = infos[pos % len(infos)].filename
            with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as out, contextlib.suppress(UserWarning):
                for info in infos:
                    content = src.read(info.filename)
                    if info.filename == victim and action == "drop":
                        continue
                    name = (
                        info.filename + "x"
                        if info.filename == victim and action == "rename"
                        else info.filename
                    )
                    method = zipfile.ZIP_STORED if action == "stored" else zipfile.ZIP_DEFLATED
                    out.writestr(name, content, compress_type=method)
                    if info.filename == victim and action == "duplicate":
                        out.writestr(name, content[: len(content) // 2])
                if action == "extra":
                    out.writestr("xl/extra/" + data.hex() + ".xml", data)
    _check(root, book, "zip structure")
