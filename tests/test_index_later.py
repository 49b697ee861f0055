"""An edit's search index fed by the copy that writes it (``sphinx/searchlater.py``,
``SMETS_INDEX_FED_BESIDE``, ``SMETS_INDEX_PAGES_BESIDE``): the same ``searchindex.js`` either way.

From conftest's ``first_built_60`` (every switch on), a requirement's title and text edited and
built with the switch on and off (the driver counts every build as an edit, so that the index is
written beside), then a second edit on each site: the first edit's index on the "on" side was
fed and recorded by the copy, and the second reuses that record. After each, the two sites'
``searchindex.js``, record of it, needs.json and pages are the same; with the requirement pages
alone fed by the copy (the default) and with the written pages held for it too
(``SMETS_INDEX_PAGES_BESIDE=on``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from clitools import FirstBuilt, driven_build, edit_first_built_both_ways
from sitecompare import differences
from smets_spec.corpus.synthetic import edit_requirement
from smets_spec.sphinx import searchlater
from smets_spec.sphinx.searchreuse import RECORD

_DRIVER = """
import sys
from smets_spec import cli
from smets_spec.sphinx import searchcache, searchlater
searchcache.TERMS_SHARE = 1  # every build an edit's: the index written beside
held = [0, 0]
start = searchlater.start
def counted(app, dump, indexer):
    found = searchlater.held(app)
    if found is not None:
        held[0] += 1
        held[1] += len(found.pages)
    return start(app, dump, indexer)
searchlater.start = counted
status = cli.main(sys.argv[1:])
print("HELD", *held)
sys.exit(status)
"""


def _builder(pages: str) -> Callable[[Path, Path, str], tuple[int, int]]:
    def build(root: Path, site: Path, switch: str) -> tuple[int, int]:
        """Build ``site`` with the switch (and ``SMETS_INDEX_PAGES_BESIDE=pages``): whether the copy
        fed the index, and how many written pages were held for it."""
        settings = {
            "SMETS_CACHE_DIR": str(root.parent / f"cache-{switch}"),
            searchlater.SWITCH: switch,
            searchlater.PAGES_SWITCH: pages,
        }
        result = driven_build(_DRIVER, root, site, settings, "-j", "2")
        assert "smets-beside-" not in " ".join(p.name for p in site.rglob("*"))
        armed, held = result.stdout.rsplit("HELD", 1)[1].split()[:2]
        return int(armed), int(held)

    return build


def _same(sites: dict[str, Path]) -> None:
    on, off = sites["on"], sites["off"]
    index = (on / "searchindex.js").read_bytes()
    assert len(index) > 10_000 and index == (off / "searchindex.js").read_bytes()
    records = [json.loads((site / ".doctrees" / RECORD).read_text(encoding="utf-8")) for site in (on, off)]
    assert records[0] == records[1] and records[0]["index"] == hashlib.sha256(index).hexdigest()
    assert len(records[0]["pages"]) == 104  # every requirement page (60 generated, 44 of the base)
    assert (on / "needs.json").read_bytes() == (off / "needs.json").read_bytes()
    assert differences(on, off) == []


@pytest.mark.parametrize("pages", ["", "on"])
def test_an_edit_s_pages_fed_by_the_copy_give_the_same_index(first_built_60: FirstBuilt, pages: str) -> None:
    """``pages``: the requirement pages fed by the copy (""), the written pages too ("on")."""
    build = _builder(pages)
    _, held, sites = edit_first_built_both_ways(first_built_60, build)
    assert held[0][0] == 1 and held[1] == (0, 0)  # on: fed by the copy; off: not
    assert (held[0][1] > 0) is (pages == "on")  # the written pages held for it
    _same(sites)
    root = first_built_60.root
    edit_requirement(root, "again")  # the "on" side now reuses the record its copy wrote
    again = [build(root, site, switch) for switch, site in sites.items()]
    assert again[0][0] == 1 and (again[0][1] > 0) is (pages == "on") and again[1] == (0, 0)
    _same(sites)


def test_held_pages_are_fed_in_the_order_fed_with_the_requirement_pages_at_their_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fed: list[str] = []
    app: Any = SimpleNamespace(_smets_search_fed_early=object())
    monkeypatch.setattr(searchlater, "_FEED_EARLY", [lambda app: fed.append("requirements")])
    held = searchlater.Held(lambda name, doctree, title: fed.append(name))
    app._smets_index_held = held
    for name in ("first", "a", "b"):
        assert searchlater.hold(app, (name, None, name))
    held.early_at = 3  # the copy started here
    assert searchlater.hold(app, ("late", None, "late"))  # fed after (none is, in a build)
    searchlater.catch_up(app)
    assert fed == ["first", "a", "b", "requirements", "late"]
    assert not hasattr(app, "_smets_search_fed_early")  # fed here: the main process's mark dropped
    searchlater.catch_up(app)  # nothing fed twice
    assert fed == ["first", "a", "b", "requirements", "late"] and held.pages == [None] * 4
    bare: Any = SimpleNamespace()
    assert not searchlater.hold(bare, ("x", None, "x"))  # nothing held: fed as before
