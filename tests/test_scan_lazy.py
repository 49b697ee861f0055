"""The full duplicate scan (no kept state) with each group's documents built when first read
(incremental._from_counts, ``SMETS_SCAN_LAZY``) gives exactly the scan with every document built
first (``SMETS_SCAN_LAZY=off``): every finding, terminology finding, group compared and candidate
count, and the state kept (through JSON, as the cache), on the repository's corpus and on a
generated one with planted duplicates and conflicts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.synthetic import generate
from smets_spec.duplicates import incremental, index, store
from smets_spec.duplicates.evaluate import plant
from smets_spec.duplicates.items import Source, from_corpus
from smets_spec.duplicates.scan import scan
from test_dups_counted import _state
from test_dups_incremental import _same


def _both_ways(source: Source, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Scan ``source`` both ways, assert they agree; (documents built, texts) of each lazy collection."""
    built: list[tuple[int, int]] = []
    lazy_docs = index.LazyDocs.__getitem__
    made: dict[int, set[int]] = {}

    def counting(docs: index.LazyDocs, at: int) -> index.Doc:
        made.setdefault(id(docs), set()).add(at)
        return lazy_docs(docs, at)

    monkeypatch.setattr(index.LazyDocs, "__getitem__", counting)
    sizes: dict[int, int] = {}
    from_counts = incremental._from_counts

    def watched(items: Any, *args: Any) -> incremental.Paired:
        paired = from_counts(items, *args)
        sizes[id(paired.coll.docs)] = len(items)
        return paired

    monkeypatch.setattr(incremental, "_from_counts", watched)
    got, state = store.scan_kept(source, None)
    built = [(len(made.get(key, ())), size) for key, size in sizes.items()]
    monkeypatch.setenv(incremental.LAZY_SWITCH, "off")
    sizes.clear()
    want, state_off = store.scan_kept(source, None)
    assert sizes == {}  # off: no collection from the counts
    monkeypatch.delenv(incremental.LAZY_SWITCH)
    _same(got, want)
    _same(got, scan(source))
    assert _state(state) == _state(state_off)
    return built


def test_the_full_scan_of_this_spec_is_the_same_with_documents_built_when_read(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = _both_ways(from_corpus(corpus), monkeypatch)
    assert len(built) == len(from_corpus(corpus).groups) + 1  # every group, and across the types
    across_built, across_texts = built[-1]
    assert across_texts > 150 and across_built < across_texts // 4  # most never read


def test_the_full_scan_of_a_generated_spec_is_the_same_with_documents_built_when_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(tmp_path / "gen", 400, seed=3)
    source = from_corpus(load_spec(tmp_path / "gen" / "spec", relative_to=tmp_path / "gen"))
    requirements = source.groups["requirements"]
    generated = [item for item in requirements if int(item.id.split("_")[1]) >= 100]
    source.groups["requirements"] = requirements + plant(generated, 30, 15, seed=3).items
    source.all_ids = frozenset(item.id for item in source.items())
    got = scan(source)
    assert {f.kind.value for f in got.findings} >= {"duplicate", "conflict", "parallel"}
    built = _both_ways(source, monkeypatch)
    assert all(n <= size for n, size in built) and any(n < size for n, size in built)
