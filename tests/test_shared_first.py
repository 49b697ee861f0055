"""Work both sides of a fork share done before it (``fingerprints.shared_first``,
``SMETS_SHARED_FIRST``): the same site, needs.json and search index as each side doing its own.

Before the computed pages' comparison forks its copy, and before an edit's read forks its reader,
the main process renders its first text of each directive on both sides (the device pages' rows,
the versions' timelines, computed once and inherited) and computes the analyses declared shared
by directives of both sides. A title and text edit of a generated project of 60 requirements is
built both ways with two processes; the main process's renders are counted (more with it on: a
text rendered before the fork is asked for again, kept, when its page comes).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clitools import counted_build, edit_built_both_ways
from sitecompare import differences
from smets_spec.sphinx import fingerprints


def _build(root: Path, out: Path, switch: str) -> int:
    settings = {"SMETS_CACHE_DIR": str(root.parent / f"cache-{switch}"), fingerprints.SHARED_SWITCH: switch}
    return counted_build(root, out, ("smets_spec.sphinx.fingerprints", "render"), settings, "-j", "2")


def test_an_edit_with_shared_work_first_gives_the_same_site(tmp_path: Path) -> None:
    _, edits, sites = edit_built_both_ways(tmp_path, _build)
    assert edits[0] > edits[1] > 0
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
