"""Work both sides of a fork share done before it (``fingerprints.shared_first``,
``SMETS_SHARED_FIRST``): the same site, needs.json and search index as each side doing its own.

Before the computed pages' comparison forks its copy, and before an edit's read forks its reader,
the main process renders its first text of each directive on both sides (the device pages' rows,
the versions' timelines, computed once and inherited) and computes the analyses declared shared
by directives of both sides. A title and text edit of a generated project of 60 requirements is
built both ways with two processes, with ``SMETS_RAW_DIRECT`` (tests/test_raw_direct.py) on and
off too: one edit build for both; the main process's renders are counted (more with it on: a text
rendered before the fork is asked for again, kept, when its page comes), and its raw blocks put
back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clitools import EditedBuilt, counted_calls
from sitecompare import differences
from smets_spec.sphinx import fingerprints, rawdirect

#: counted in the build's process: the computed directives rendered and the raw blocks put back
_WATCHED = [("smets_spec.sphinx.fingerprints", "render"), ("smets_spec.sphinx.rawdirect", "_put_back")]


def _build(root: Path, out: Path, switch: str) -> tuple[int, int]:
    """The build with both switches set (this and ``rawdirect``'s, which tests/test_raw_direct.py
    checks doctree by doctree): the main process's renders and raw blocks put back."""
    settings = {
        "SMETS_CACHE_DIR": str(root.parent / f"cache-{switch}"),
        fingerprints.SHARED_SWITCH: switch,
        rawdirect.SWITCH: switch,
    }
    render, put_back = counted_calls(root, out, _WATCHED, settings, "-j", "2")
    return render, put_back


def test_an_edit_with_shared_work_first_and_raw_put_back_gives_the_same_site(edited_60: EditedBuilt) -> None:
    """From conftest's ``edited_60`` (the first build and the edit's build, with two processes and
    every switch on, shared with other tests): the edit built here with both switches off."""
    _, on, root, sites = edited_60.again()
    renders_on, put_back_on = (on[watched] for watched in _WATCHED)
    renders_off, put_back_off = _build(root, sites["off"], "off")
    assert renders_on > renders_off > 0  # a text rendered before a fork is asked for again
    assert put_back_on > 0 and put_back_off == 0
    for name in ("needs.json", "searchindex.js"):
        assert (sites["on"] / name).read_bytes() == (sites["off"] / name).read_bytes(), name
    assert differences(sites["on"], sites["off"]) == []


def test_only_directives_of_both_sides_are_rendered_first(monkeypatch: pytest.MonkeyPatch) -> None:
    mp = monkeypatch
    rendered: list[tuple[str, str]] = []
    computed: list[str] = []

    def analysis(corpus: object) -> None:
        computed.append("shared")

    mp.setattr(fingerprints, "RENDERERS", {"a": None, "b": None, "c": None})
    mp.setattr(fingerprints, "SHARED", {"b": (analysis,), "c": (analysis,)})
    mp.setattr(fingerprints, "render", lambda app, name, doc, args: rendered.append((name, doc)))
    corpus = object()
    entry = lambda name: (name, (), "", None, None)  # noqa: E731
    mine = [("p1", [entry("a"), entry("b")]), ("p2", [entry("a")]), ("p3", [entry("x")])]
    theirs = [("q1", [entry("a")]), ("q2", [entry("c")])]
    fingerprints.shared_first(None, corpus, mine, theirs)  # type: ignore[arg-type]
    assert rendered == [("a", "p1")] and computed == ["shared"]  # b (mine) and c (theirs) share it
    rendered.clear()
    computed.clear()
    fingerprints.shared_first(None, corpus, mine, theirs, first_only=True)  # type: ignore[arg-type]
    assert rendered == [("a", "p1")] and computed == []  # b is not p1's first directive
    rendered.clear()
    mp.setenv(fingerprints.SHARED_SWITCH, "off")
    fingerprints.shared_first(None, corpus, mine, theirs)  # type: ignore[arg-type]
    assert rendered == [] and computed == []
