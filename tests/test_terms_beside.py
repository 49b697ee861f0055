"""A full duplicate scan's terminology made by a second forked copy while the scan's process scans
the pairs (``duplicates.termsbeside``, ``SMETS_TERMS_BESIDE``, issue 20: the cold build's
start-up waits for the scan).

Each full scan runs in a fresh forked process (the lemmatiser's and spell checker's remembered
answers, and the memos of the words they were asked about, start empty, as in a build's scan
copy): with the switch on the terminology comes from the copy, off from the scan's own process,
and a copy that fails leaves it to the scan's own process. The findings, the terminology and the
state kept (its JSON, byte for byte) are the same. Then a generated project built cold both ways:
the same site and the same scan state in the user cache, the copy started in the "on" build only.
"""

from __future__ import annotations

import json
import multiprocessing
import pickle
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from clitools import driven_build
from sitecompare import differences
from smets_spec.corpus.load import Corpus
from smets_spec.corpus.synthetic import generate
from smets_spec.duplicates import store, termsbeside
from smets_spec.duplicates.items import REQUIREMENTS, ReaderTexts, Source, from_corpus


def _with_misspelling(source: Source) -> Source:
    """``source`` with a requirement misspelling a word the corpus writes correctly."""
    items = list(source.groups[REQUIREMENTS])
    items[5] = replace(items[5], text=f"{items[5].text} The configuraton of the meter.")
    return replace(source, groups={**source.groups, REQUIREMENTS: items})


def _scanned(source: Source, memo: ReaderTexts, send: Any) -> None:
    """In a fresh fork: the full scan, what it found (pickled) and the state's JSON, sent back,
    with whether the terminology copy was started."""
    started: list[bool] = []
    start = termsbeside.start

    def counted(source: Source) -> termsbeside.Pending | None:
        pending = start(source)
        started.append(pending is not None)
        return pending

    termsbeside.start = counted  # type: ignore[assignment]
    result, state = store.scan_kept(source, None, terms_beside=True)
    state.texts = memo.used
    found = (result.findings, result.terms, result.compared, result.candidates)
    send.send((pickle.dumps(found), json.dumps(store.to_json(state), ensure_ascii=False), started))
    send.close()


def _scan(source: Source, memo: ReaderTexts) -> tuple[Any, str, list[bool]]:
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=_scanned, args=(source, memo, send))
    child.start()
    send.close()
    pickled, state, started = receive.recv()
    child.join()
    assert child.exitcode == 0
    return pickle.loads(pickled), state, started


def _failing_write(*args: object) -> int:
    raise OSError("no room")


def test_a_full_scan_with_its_terminology_beside_is_the_same(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    memo = ReaderTexts(None)
    source = _with_misspelling(from_corpus(corpus, texts=memo))
    monkeypatch.setenv(termsbeside.SWITCH, "off")
    alone, state_alone, started_alone = _scan(source, memo)
    monkeypatch.setenv(termsbeside.SWITCH, "on")
    beside, state_beside, started_beside = _scan(source, memo)
    assert (started_alone, started_beside) == ([False], [True])
    assert beside == alone
    assert state_beside == state_alone
    terms = alone[1]
    assert [t.check for t in terms if t.term == "configuraton"] == ["misspelling"]
    kept = json.loads(state_alone)
    assert kept["unknown"]["configuraton"] is True  # the spell checker's answer, from the copy
    assert kept["terms"] and kept["groups"][REQUIREMENTS]["pairs"]
    # the copy fails (its pickle cannot be written): the scan's own process makes the terminology
    monkeypatch.setattr(termsbeside.forking, "write_pickled", _failing_write)
    failed, state_failed, started_failed = _scan(source, memo)
    assert started_failed == [True]
    assert failed == alone
    assert state_failed == state_alone


#: a build that logs each terminology copy's pid to ``TERMS_LOG``
_DRIVER = """
import os
import sys
from smets_spec import cli
from smets_spec.duplicates import termsbeside
copy = termsbeside._copy
def logged(*args):
    with open(os.environ["TERMS_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{os.getpid()}\\n")
    copy(*args)
termsbeside._copy = logged
sys.exit(cli.main(sys.argv[1:]))
"""


def _dups_state(cache: Path) -> bytes:
    (entry,) = (cache / store.KIND).glob("*.json")
    return entry.read_bytes()


@pytest.mark.skipif(sys.platform == "win32", reason="forked copies")
def test_a_cold_build_gives_the_same_site_and_state_both_ways(tmp_path: Path) -> None:
    root = tmp_path / "project"
    generate(root, 60)
    sites, logs = {}, {}
    for switch in ("on", "off"):
        sites[switch] = tmp_path / f"site-{switch}"
        logs[switch] = tmp_path / f"terms-{switch}.log"
        settings = {
            "SMETS_CACHE_DIR": str(tmp_path / f"cache-{switch}"),
            termsbeside.SWITCH: switch,
            "TERMS_LOG": str(logs[switch]),
            "PYTHONHASHSEED": "0",  # the state's sets in the same order in both builds
        }
        driven_build(_DRIVER, root, sites[switch], settings, "-j", "2")
    assert len(logs["on"].read_text(encoding="utf-8").split()) == 1
    assert not logs["off"].exists()
    assert differences(sites["on"], sites["off"]) == []
    assert (sites["on"] / "quality" / "duplicates.html").is_file()
    assert _dups_state(tmp_path / "cache-on") == _dups_state(tmp_path / "cache-off")
