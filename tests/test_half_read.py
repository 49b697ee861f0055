"""The parallel read of an edit with its first chunk read by the main process (``halfread``,
``SMETS_HALF_READ``): the same site, needs.json and search index as with every chunk forked.

A title and text edit of a project of 60 requirements re-reads at least 16 documents (the edited
one, the computed pages whose text changed), in parallel (``jobs.PARALLEL_EDIT_FROM``); a need
moved to another file re-reads both files (the need leaves one chunk and arrives in another).
Both builds start from copies of one built site and cache (conftest's ``first_built_60``, the
first build these tests share with others: with two processes, every switch on); the main
process's ``read_doc`` calls are counted (a forked reader's are not seen).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from clitools import EditedBuilt, FirstBuilt, switched_build
from sitecompare import differences
from smets_spec.sphinx import halfread


def _same(sites: dict[str, Path]) -> None:
    for name in ("needs.json", "searchindex.js"):
        assert (sites["on"] / name).read_bytes() == (sites["off"] / name).read_bytes(), name
    assert differences(sites["on"], sites["off"]) == []


#: what a build's main process reads (counted in the first build too: :data:`clitools.FIRST_WATCHED`)
READ_DOC = ("sphinx.builders", "Builder.read_doc")


#: an edit's build with the switch set: how many documents the main process read
_build = switched_build("SMETS_HALF_READ", READ_DOC)


def test_an_edit_read_half_here_gives_the_same_site(edited_60: EditedBuilt) -> None:
    """From conftest's ``edited_60`` (the edit's build with every switch on, shared with other
    tests): the edit built here with the switch off."""
    first, on, root, sites = edited_60.again()
    edits = [on[READ_DOC], _build(root, sites["off"], "off")]
    assert first[READ_DOC] == 0  # a full build: Sphinx's read (every chunk forked)
    assert edits[0] > 0 and edits[1] == 0  # on: the first chunk read here; off: none
    _same(sites)


#: a requirement's block: its directive line, then indented or empty lines
_BLOCK = re.compile(r"^\.\. req:: .*\n(?:(?:   .*)?\n)*", re.M)


@pytest.mark.parametrize("seed", [3])
def test_a_moved_need_read_half_here_gives_the_same_site(first_built_60: FirstBuilt, seed: int) -> None:
    import random

    from smets_spec.corpus.synthetic import edit_requirement

    root, _ = first_built_60.again()  # (_build(root, sites["on"], "on") is that build)
    sites = first_built_60.sites
    shutil.copytree(sites["on"], sites["off"], symlinks=True)
    shutil.copytree(root.parent / "cache-on", root.parent / "cache-off", symlinks=True)
    pick = random.Random(seed)
    files = [
        f for f in sorted((root / "spec" / "sections").glob("*.rst")) if _BLOCK.search(f.read_text("utf-8"))
    ]
    source, dest = pick.sample(files, 2)
    text = source.read_text(encoding="utf-8")
    block = pick.choice(_BLOCK.findall(text))
    source.write_text(text.replace(block, "", 1), encoding="utf-8")
    dest.write_text(dest.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + block, encoding="utf-8")
    edit_requirement(root, "edited")  # and a title and text edit: the tables read again too
    counts = [_build(root, site, switch) for switch, site in sites.items()]
    assert counts[0] > 0 and counts[1] == 0
    _same(sites)


def test_only_an_edits_read_is_split(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(halfread, "ORIGINAL", [lambda self, docnames, nproc: calls.append(len(docnames))])
    monkeypatch.setattr(halfread, "_FEWER_THAN", [64])
    halfread.read_parallel(None, [f"d{n}" for n in range(64)], 2)  # type: ignore[arg-type]
    halfread.read_parallel(None, ["a", "b"], 1)  # type: ignore[arg-type]
    monkeypatch.setenv("SMETS_HALF_READ", "off")
    halfread.read_parallel(None, ["a", "b"], 2)  # type: ignore[arg-type]
    assert calls == [64, 2, 2]


def test_the_main_process_reads_two_of_every_nproc_plus_one_documents() -> None:
    docs = [f"d{n:02d}" for n in range(20)]
    mine, theirs = halfread.shares(docs, 2)
    assert mine == [d for at, d in enumerate(docs) if at % 3 < 2] and len(mine) == 14
    assert sorted(mine + theirs) == docs and not set(mine) & set(theirs)
    mine4, theirs4 = halfread.shares(docs, 4)
    assert len(mine4) == 8 and sorted(mine4 + theirs4) == docs
