"""An incremental build whose global work is limited to the change gives the site a full build gives
(issue 20, deliverable 2).

What an incremental `smets build` now does only for what changed: the corpus is read and validated
once (``tests/test_corpus_handover.py``); the requirement pages' search entries are fed again only
for pages whose title or text changed (:mod:`smets_spec.sphinx.searchreuse`). After seeded random
edits of every kind (a title, a text, a linked need's title, a link added and one removed, a need
added, deleted and moved between files), two incremental builds in a row give, file for file,
needs.json, every page and the search index of a full build of the same source
(:mod:`sitecompare` normalises only timestamps, random layout ids and words mapped to no page).

The same rounds check the render cache (tests/test_build_render_cache.py): each incremental build
takes the cards of untouched needs from the cache of the builds before the edits, and the second
round's full build parses every need directive with docutils (``SMETS_RENDER_CACHE=off``, as
test_build_render_cache's random edits were compared), the first round's full build as by default.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from clitools import Pristine, build_argv, run_ok
from sitecompare import differences
from smets_spec.corpus.synthetic import generate
from test_build_render_cache import _cards, _edit

_FEEDS = """
import sys
from sphinx.search import IndexBuilder
from smets_spec import cli
fed = []
original = IndexBuilder.feed
def counted(self, docname, *args, **kwargs):
    fed.append(docname)
    return original(self, docname, *args, **kwargs)
IndexBuilder.feed = counted
status = cli.main(sys.argv[1:])
print("requirement pages fed", sum(1 for d in fed if d.startswith("req/") and d != "req/index"))
sys.exit(status)
"""


def _build(root: Path, out: Path, cache: Path, *more: str, jobs: str = "1", render: str = "on") -> int:
    """Build (``render``: ``SMETS_RENDER_CACHE``); the number of requirement pages fed to the search index."""
    argv = build_argv(root, out, "-j", jobs, *more)
    env = dict(os.environ, SMETS_CACHE_DIR=str(cache), SMETS_SEARCH_CACHE="off")  # feeds counted here
    env["SMETS_RENDER_CACHE"] = render
    argv = [sys.executable, "-c", _FEEDS, *argv[3:]]  # build_argv's `-m smets_spec.cli` replaced
    result = run_ok(argv, env=env)
    return int(result.stdout.rsplit("requirement pages fed", 1)[1].split()[0])


def _first(work: Path) -> int:
    """A generated project of 260 requirements in ``WORK/project`` built with ``--fresh`` into
    ``WORK/site`` (its cache ``WORK/cache``): the requirement pages it fed."""
    return _build(generate(work / "project", 260), work / "site", work / "cache", "--fresh")


@pytest.fixture(scope="module")
def first_build(tmp_path_factory: pytest.TempPathFactory) -> Pristine[int]:
    """:func:`_first`, made once for both tests, put back as built for each."""
    return Pristine(tmp_path_factory.mktemp("global"), _first)


def test_incremental_builds_after_random_edits_give_the_full_build(
    tmp_path: Path, first_build: Pristine[int]
) -> None:
    first = first_build.again()
    root, site, cache = (first_build.work / name for name in ("project", "site", "cache"))
    assert first > 250  # a first build feeds every requirement page
    record = json.loads((site / ".doctrees" / "smets-search-pages.json").read_text(encoding="utf-8"))
    assert len(record["pages"]) == first
    for seed in (7, 31):
        done = _edit(root, seed)
        fed = _build(root, site, cache, jobs="2")  # incremental; pages written in parallel, as by default
        # the edited requirements, the added one and the moved one's text (rebased links) at most,
        # plus those whose text shows an edited title: never all of them
        assert 0 < fed < 20, (fed, done)
        assert _cards(site)[1] > 0, done  # the untouched cards came from the render cache
        full = tmp_path / f"full-{seed}"
        render = "off" if seed == 31 else "on"  # off: every directive through docutils, no cache
        assert _build(root, full, tmp_path / f"cache-{seed}", "--fresh", render=render) >= first - 1
        assert differences(full, site) == [], done


def test_a_record_of_another_index_or_of_the_wrong_shape_is_not_used(first_build: Pristine[int]) -> None:
    """A record naming another index, or not of the shape written, is not used: every requirement
    page is pruned by Sphinx when it loads the index and fed again, as before the record existed."""
    first = first_build.again()  # (the same first build as the test above)
    root, site, cache = (first_build.work / name for name in ("project", "site", "cache"))
    record = site / ".doctrees" / "smets-search-pages.json"
    data = json.loads(record.read_text(encoding="utf-8"))
    page = next((root / "spec").rglob("*syn*.rst"))
    for planted in ({**data, "index": "0" * 64}, {**data, "pages": list(data["pages"])}):
        record.write_text(json.dumps(planted), encoding="utf-8")
        page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # something to rebuild
        assert _build(root, site, cache) == first, planted
