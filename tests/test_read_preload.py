"""The guide's Markdown parser and the quick transforms' code checks, loaded before a parallel read
forks (sphinx/preload.py, ``SMETS_READ_PRELOAD``): the same parser and answers as a reader's own."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import pytest

from smets_spec.sphinx import guide, preload, quickquotes, quickwalks
from smets_spec.sphinx.jobs import SERIAL_BELOW


def _app(parallel: int) -> Any:
    return SimpleNamespace(parallel=parallel)


def test_the_parser_loaded_is_the_one_a_reader_imports() -> None:
    names = ("myst_parser.config.main", "myst_parser.mdit_to_docutils.base", "myst_parser.parsers.mdit")
    attrs = ("MdParserConfig", "DocutilsRenderer", "create_md_parser")
    direct = tuple(getattr(importlib.import_module(m), a) for m, a in zip(names, attrs, strict=True))
    assert guide.load_parser() == direct


@pytest.mark.parametrize(
    ("switch", "parallel", "docs", "loads"),
    [
        ("", 2, SERIAL_BELOW, True),
        ("off", 2, SERIAL_BELOW, False),
        ("", 1, 500, False),
        ("", 2, SERIAL_BELOW - 1, False),
    ],
)
def test_loaded_only_before_a_parallel_read_of_many_documents(
    monkeypatch: pytest.MonkeyPatch, switch: str, parallel: int, docs: int, loads: bool
) -> None:
    monkeypatch.setenv(preload.SWITCH, switch)
    called: list[str] = []
    monkeypatch.setattr(guide, "load_parser", lambda: called.append("parser"))
    monkeypatch.setattr(quickquotes, "same_code", lambda: called.append("quotes"))
    monkeypatch.setattr(quickwalks, "same_code", lambda: called.append("walks"))
    preload.preload(_app(parallel), None, [f"d{i}" for i in range(docs)])  # type: ignore[arg-type]
    assert called == (["parser", "quotes", "walks"] if loads else [])


def test_the_checks_answer_as_a_reader_would() -> None:
    quickquotes.same_code.cache_clear()
    quickwalks.same_code.cache_clear()
    first = (quickquotes.same_code(), quickwalks.same_code())
    assert first == (
        quickquotes.code_digest() == quickquotes.KNOWN,
        quickwalks.code_digest() == quickwalks.KNOWN,
    )
