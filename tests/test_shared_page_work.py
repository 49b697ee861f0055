"""The requirement pages' writers sharing the work in small batches taken from a shared counter
(sphinx/reqpages.py ``Batches``, ``SMETS_SHARED_PAGE_WORK``) instead of fixed halves: every page
drawn once, by the writers between them, and the same site, pages, index of the pages and kept
bodies in the user cache as the fixed halves give; in the finish's writers (a cold build) and in
the copies drawing from the kept shell (a build into an empty output folder, the cache warm)."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from clitools import driven_build
from sitecompare import differences
from smets_spec.sphinx import reqcache, reqindex, reqkept, reqpages

#: `smets build` (a writer for every 20 pages, up to the jobs); what each process drew with
#: ``_draw_share`` logged (its pid, the kind of share, the ids drawn)
_DRIVER = """
import os, sys
from smets_spec import cli
from smets_spec.sphinx import reqpages
reqpages.SHARE = 20  # two writers for the small project
share = reqpages._draw_share
def logged(app, corpus, drawing, reqs):
    records = share(app, corpus, drawing, reqs)
    with open(os.environ["SHARE_LOG"], "a", encoding="utf-8") as out:
        out.write(f"{os.getpid()} {type(reqs).__name__} {' '.join(records)}\\n")
    return records
reqpages._draw_share = logged
sys.exit(cli.main(sys.argv[1:]))
"""

#: requirements asked of the generator (it makes about 100)
COUNT = 60


def _build(root: Path, site: Path, cache: Path, value: str) -> list[list[str]]:
    """A build into ``site`` with two processes, the user cache ``cache`` and the switch at
    ``value``; what each writer drew (its kind of share, then the ids)."""
    log = site.parent / f"{site.name}.log"
    log.unlink(missing_ok=True)
    settings = {"SMETS_CACHE_DIR": str(cache), reqpages.SHARED_SWITCH: value, "SHARE_LOG": str(log)}
    driven_build(_DRIVER, root, site, settings, "-j", "2")
    return [line.split()[1:] for line in log.read_text(encoding="utf-8").splitlines()]


def _caches(tmp_path: Path, root: Path) -> dict[str, Path]:
    """A user cache for each value of the switch, each a copy of one first build's without the
    requirement pages' bodies and kept shell: the same conformance run (its time is on the pages)."""
    base = tmp_path / "cache-base"
    _build(root, tmp_path / "site-base", base, "on")
    caches = {}
    for value in ("on", "off"):
        caches[value] = tmp_path / f"cache-{value}"
        shutil.copytree(base, caches[value], ignore=shutil.ignore_patterns(reqcache.KIND, reqkept.KIND))
    return caches


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _same(one: Path, other: Path) -> None:
    assert differences(one, other) == []
    assert _files(one / "req") == _files(other / "req")
    for name in ("needs.json", "searchindex.js", str(reqindex.INDEX)):
        assert (one / name).read_bytes() == (other / name).read_bytes(), name


def _drawn_once(logged: list[list[str]], kind: str, site: Path) -> None:
    """Every requirement's page drawn once (each in the index of the pages), by two writers given
    shares of ``kind``."""
    assert [line[0] for line in logged] == [kind, kind]
    drawn = Counter(req_id for line in logged for req_id in line[1:])
    pages = json.loads((site / reqindex.INDEX).read_text(encoding="utf-8"))["pages"]
    assert sorted(drawn) == sorted(pages) and len(pages) > 80
    assert set(drawn.values()) == {1}


def test_shared_batches_give_the_same_pages_index_and_cache(tmp_path: Path) -> None:
    from smets_spec.corpus.synthetic import generate

    root = generate(tmp_path / "project", COUNT)
    caches = _caches(tmp_path, root)
    logs: dict[str, list[list[str]]] = {}
    for value, cache in caches.items():
        logs[value] = _build(root, tmp_path / f"cold-{value}", cache, value)  # the finish's writers
        logs[f"kept-{value}"] = _build(root, tmp_path / f"kept-{value}", cache, value)  # the kept shell's
    for value, kind in (("on", "Batches"), ("off", "list")):
        _drawn_once(logs[value], kind, tmp_path / f"cold-{value}")
        _drawn_once(logs[f"kept-{value}"], kind, tmp_path / f"kept-{value}")
    _same(tmp_path / "cold-on", tmp_path / "cold-off")
    _same(tmp_path / "kept-on", tmp_path / "kept-off")
    _same(tmp_path / "cold-on", tmp_path / "kept-on")
    kept = {value: _files(cache / reqcache.KIND) for value, cache in caches.items()}
    assert len(kept["on"]) == len({reqcache.shard_of(i) for line in logs["on"] for i in line[1:]}) > 20
    assert kept["on"] == kept["off"]
    shells = {value: _files(cache / reqkept.KIND) for value, cache in caches.items()}
    assert len(shells["on"]) == 1 and shells["on"] == shells["off"]


def test_every_batch_is_taken_once_whoever_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    drawing: Any = reqpages.Drawing(("", ""), "", None, {}, None)  # type: ignore[arg-type]
    drawing.todo = [f"R{n}" for n in range(70)]
    monkeypatch.delenv(reqpages.SHARED_SWITCH, raising=False)
    shares = reqpages._work(drawing, 2)
    assert len(shares) == 2 and shares[0] is shares[1]
    batches = shares[0]
    assert isinstance(batches, reqpages.Batches)
    assert [len(b) for b in batches.batches] == [32, 32, 6]
    first, second = batches.take(), batches.take()
    assert [next(first), next(second), next(first)] == batches.batches
    assert list(second) == [] and list(first) == []
