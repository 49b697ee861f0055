"""Smart quotes that skip the blocks with nothing to educate (:mod:`smets_spec.sphinx.quickquotes`)
and three transforms walking by node class (:mod:`smets_spec.sphinx.quickwalks`) give the doctrees
Sphinx's own transforms give: every text :func:`inert` accepts comes out of docutils'
``educate_tokens`` unchanged under every action and language (seeded random texts), and a build of
seeded random prose (quotes, dashes, ellipses, escapes, literals, footnotes, version notes,
requirement texts) has the same doctree bytes, pages, needs.json, search index and warnings as
``SMETS_QUICK_QUOTES=off`` and as ``SMETS_QUICK_WALKS=off``."""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import pytest
from docutils.utils import smartquotes

from clitools import build_argv, sourcedir
from sitecompare import differences
from smets_spec.sphinx import quickquotes, quickwalks

_PIECES = (
    "a", "B", "7", " ", "\n", ".", ",", ";", "-", "'", '"', "`", "\\", "&", "#", "\x00", "..",
    "--", "&#39;", "&#92;", ". .", "“", "’", "–", "…", "é", "«", "(", ")", "!", "?",
)  # fmt: skip
_ACTIONS = ("qDe", "qde", "1", "2", "3", "qbBDe", "w", "0", "qie")
_LANGUAGES = ("en", "de", "fr", "ja", "en-x-altquot")


def test_the_installed_docutils_and_sphinx_are_the_code_known() -> None:
    assert quickquotes.same_code(), "docutils' or Sphinx's smart quotes changed: check inert() and KNOWN"
    assert quickwalks.same_code(), "Sphinx's transforms changed: check quickwalks and its KNOWN"


def test_inert_texts_come_back_unchanged_under_every_action() -> None:
    rng = random.Random(20261206)
    inert = 0
    for _ in range(4000):
        tokens = [
            (rng.choice(("plain", "plain", "literal")), "".join(rng.choices(_PIECES, k=rng.randint(1, 6))))
            for _ in range(rng.randint(1, 4))
        ]
        if not all(quickquotes.inert(text) for _, text in tokens):
            continue
        inert += 1
        for action in _ACTIONS:
            for language in _LANGUAGES:
                got = list(smartquotes.educate_tokens(iter(tokens), attr=action, language=language))
                assert got == [text for _, text in tokens], (tokens, action, language)
    assert inert > 300


def _prose(rng: random.Random) -> str:
    words = ("meter", "shall", "record", "it's", '"quoted"', "--", "---", "...", ". . .", "a-b", "x.y")
    words += ("``lit--eral``", "*em 'x'*", "\\\\", "\\'", "\\-", "`title`", "&#39;", "e.g.", "100%")
    out = ["Prose\n=====\n"]
    for i in range(60):
        line = " ".join(
            rng.choice(words) if rng.random() < 0.25 else "plain" for _ in range(rng.randint(2, 12))
        )
        out.append(f"Paragraph {i} {line}.\n")
        if i % 9 == 0:
            out.append(f"Section {i} 'q'\n---------------\n\n* item {i} -- x\n* plain item\n")
        if i % 13 == 0:
            out.append(".. list-table::\n\n   * - cell 'a'\n     - plain cell\n")
        if i % 11 == 0:
            out.append(f"Noted [#n{i}]_ and [#]_.\n\n.. [#n{i}] A note {i}.\n.. [#] Another -- one.\n")
        if i % 17 == 0:
            out.append(f".. versionadded:: 1.{i}\n\n   Added 'this'.\n")
    return "\n".join(out)


def _requirements(rng: random.Random) -> str:
    out = ["More requirements\n=================\n"]
    for i in range(30):
        quote = rng.choice(("", " It's 'so'.", ' A "b".', " a -- b", " see..."))
        out.append(
            f".. req:: Random requirement {i}{rng.choice(('', ' -- x'))}\n   :id: PC_{100 + i}\n"
            f"   :status: proposed\n   :section: PC\n   :impact: firmware\n   :mandatory_for: DEV_ESME\n\n"
            f"   The meter shall do {i}.{quote}\n"
        )
    return "\n".join(out)


def _build(root: Path, out: Path, **switches: str) -> str:
    env = dict(os.environ, SMETS_CACHE_DIR=str(out.parent / f"cache-{out.name}"), **switches)
    done = subprocess.run(
        [*build_argv(root, out, "-j", "1"), "--fresh"], capture_output=True, text=True, env=env
    )
    return done.stderr.replace(str(out), "OUT")


def _doctrees(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted((out / ".doctrees").rglob("*.doctree"))
    }


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The project, built with both on."""
    tmp = tmp_path_factory.mktemp("quick")
    root = sourcedir(tmp, "mini")
    rng = random.Random(11)
    (root / "spec" / "prose.rst").write_text(_prose(rng), encoding="utf-8")
    (root / "spec" / "random.rst").write_text(_requirements(rng), encoding="utf-8")
    warned = _build(root, tmp / "quick", SMETS_QUICK_QUOTES="on", SMETS_QUICK_WALKS="on")
    page = (tmp / "quick" / "prose.html").read_text(encoding="utf-8")
    assert "’" in page and "footnote" in page and "versionadded" in page  # each case is there
    return root, warned


@pytest.mark.parametrize("switch", ["SMETS_QUICK_QUOTES", "SMETS_QUICK_WALKS"])
def test_a_build_with_the_quick_transforms_is_the_build_with_sphinx_s(
    quick: tuple[Path, str], switch: str
) -> None:
    root, warned = quick
    ours, theirs = root.parent / "quick", root.parent / f"sphinx-{switch}"
    assert _build(root, theirs, **{switch: "off"}) == warned
    assert differences(theirs, ours) == []
    mine, sphinx = _doctrees(ours), _doctrees(theirs)
    assert mine.keys() == sphinx.keys()
    assert [name for name in mine if mine[name] != sphinx[name]] == []
