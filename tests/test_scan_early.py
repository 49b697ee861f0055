"""``smets build`` starts the duplicate scan copy before Sphinx (``duplicates.early``,
``SMETS_SCAN_EARLY``).

The decisions, without a site build: the early copy is started exactly when the extension would
start one (no mark of a full read, the switch on), for the very corpus object offered to the
extension (re-rooted as it reads it). That the early key is the extension's, and the same site, is checked by
``tests/test_warm_full.py``'s builds (one copy per build that scans, none where the mark is found).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from smets_spec.commands import build
from smets_spec.corpus.load import Corpus, load_spec, read_from
from smets_spec.corpus.project import Project
from smets_spec.corpus.usercache import write_entry
from smets_spec.duplicates import early


@pytest.fixture
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Project, Corpus, list[Corpus]]:
    """The repository's project (its corpus, read as ``smets build`` reads it), an empty user cache,
    and the corpora a scan copy was asked for (``scan_beside`` recorded, never forked)."""
    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path / "cache"))
    for name in (early.SWITCH, early.MARK_SWITCH, *early.PAGE_TEXT_SWITCHES):
        monkeypatch.delenv(name, raising=False)
    project = Project(Path(__file__).resolve().parent.parent)
    corpus = load_spec(project.spec, relative_to=project.root)
    asked: list[Corpus] = []
    monkeypatch.setattr(early, "scan_beside", lambda c: asked.append(c) or True)
    return project, corpus, asked


def test_the_early_copy_is_started_for_the_corpus_offered(
    small: tuple[Project, Corpus, list[Corpus]], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, corpus, asked = small
    own = build._scan_early(project, corpus)
    assert own is not None and asked == [own]
    assert own == read_from(project.spec, project.root, corpus)  # what offer_corpus would offer
    assert own.locations == load_spec(project.spec, relative_to=project.spec).locations

    monkeypatch.setenv(early.SWITCH, "off")  # switched off: nothing early, the extension offers
    assert build._scan_early(project, corpus) is None
    assert len(asked) == 1


def test_no_early_copy_where_a_full_read_left_its_mark(
    small: tuple[Project, Corpus, list[Corpus]], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, corpus, asked = small
    own = read_from(project.spec, project.root, corpus)
    assert own is not None
    settings = early.settings(project.root, {}, project.spec)
    key = early.mark_key(own, settings)
    assert key is not None
    write_entry(early.MARK_KIND, key, {"format": early.MARK_FORMAT})
    assert early.marked(own, settings)
    assert not early.scan_early(own, project.root, project.spec)
    assert asked == []
    for switch in (early.MARK_SWITCH, *early.PAGE_TEXT_SWITCHES):  # marks not used: a copy
        monkeypatch.setenv(switch, "off")
        assert not early.marked(own, settings)
        assert early.scan_early(own, project.root, project.spec)
        monkeypatch.delenv(switch)
    assert asked == [own] * 3
    other = early.settings(project.root, {"html_title": "x"}, project.spec)  # a -D setting: no mark
    assert not early.marked(own, other)
