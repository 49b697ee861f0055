"""Hostile texts survive a real Sphinx build (warnings are errors) and come back from needs.json."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sphinx.cmd.build import build_main

from consulttools import load, mini_project
from smets_spec.consultation.model import Kind, Response, ResponseSet, read_responses
from smets_spec.consultation.store import consultation_folder, store
from smets_spec.corpus.load import load_needs_json
from smets_spec.corpus.schema import Rating

HOSTILE = [
    "trailing spaces   \n\ttab-indented\n  two spaces",
    ".. note:: not a directive\n.. req:: Not a need\n   :id: PC_99",
    "* not a bullet\n- nor this\n#. nor this\n:field: not a field\n:id: PC_01",
    "`literal` **bold** *em* _target `ref`_ |sub| [1]_ [#]_ [CIT]_ :role:`x` :np:`(1) part`",
    "back\\slash \\* \\[U+0041] \\",
    "[[copy('id')]] <<variant>> <{data}>",
    "line\rbreak\r\nwindows\x0bvt\x0cff\x85nel\u2028ls\u2029ps",
    "\ufeffbom and nbsp at end\xa0",
    "=SUM(A1:A9)\n+1 -1 @home",
    "Title\n=====\n\n::\n\n    looks like a literal block",
    "unicode: £ € ü ß 日本語 😀 \u0301combining",
    "NUL \x00 DEL \x7f C1 \x9b",
    "long " * 5000,
]
_DRAWN: list[str] = []


@settings(max_examples=40, database=None, suppress_health_check=list(HealthCheck))
@given(st.text(min_size=1, max_size=400))
def _collect(text: str) -> None:
    _DRAWN.append(text)


def test_hostile_texts_survive_a_real_sphinx_build(tmp_path: Path) -> None:
    _collect()
    texts = HOSTILE + _DRAWN
    root = mini_project(tmp_path / "repo")
    (root / "spec" / "index.rst").write_text(
        "Test\n====\n\n.. toctree::\n   :glob:\n\n   *\n   consultations/test/*\n", encoding="utf-8"
    )
    responses = [Response(Kind.GENERAL, "", text=t, wording=t[::-1], rating=Rating.MINOR) for t in texts]
    rs = ResponseSet("CON_TEST", "Hostile Texts Ltd", "rev", tuple(responses))
    corpus = load(root)
    store(rs, consultation_folder(corpus, root, "CON_TEST"), root)
    out, log = tmp_path / "html", tmp_path / "warnings.txt"
    # the tiny project is not a whole site (the requirement pages link to section pages it
    # lacks), so the build is not run with -W; the respondent's page must give no warning
    status = build_main(["-q", "-b", "html", "-c", str(root), "-w", str(log), str(root / "spec"), str(out)])
    assert status == 0
    warnings = log.read_text(encoding="utf-8")
    assert "hostile-texts-ltd" not in warnings and "consultations/test" not in warnings, warnings
    assert (out / "consultations" / "test" / "hostile-texts-ltd.html").is_file()
    for source in (load(root), load_needs_json(out / "needs.json")):
        items, problems = read_responses(source, "CON_TEST")
        assert problems == []
        assert [(s.response.text, s.response.wording) for s in items] == [(t, t[::-1]) for t in texts]
