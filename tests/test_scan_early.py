"""``smets build`` starts the duplicate scan copy before Sphinx (``duplicates.early``,
``SMETS_SCAN_EARLY``), and while it runs the conformance suite and the protocol helpers run behind
(``forking.all_behind``, ``SMETS_SCAN_FIRST=on``: off by default).

The decisions, without a site build: the early copy is started exactly when the extension would
start one (no mark of a full read, the switch on), for the very corpus object offered to the
extension (re-rooted as it reads it); the helpers run behind only while such a copy runs; a copy
or a helper command started inside ``all_behind`` runs nicer, one started outside at this
process's own priority. That the early key is the extension's, and the same site, is checked by
``tests/test_warm_full.py``'s builds (one copy per build that scans, none where the mark is found).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from smets_spec import forking
from smets_spec.commands import build
from smets_spec.corpus.load import Corpus, load_spec, read_from
from smets_spec.corpus.project import Project
from smets_spec.corpus.usercache import write_entry
from smets_spec.duplicates import early, page


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


def test_the_helpers_run_behind_only_while_the_early_copy_runs(
    small: tuple[Project, Corpus, list[Corpus]], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, corpus, _ = small
    own = read_from(project.spec, project.root, corpus)
    assert own is not None
    assert not build._scan_first(None)
    monkeypatch.setenv(build.SCAN_FIRST, "on")
    assert not build._scan_first(own)  # no copy for it
    monkeypatch.setattr(page, "started_for", lambda c: c is own)
    assert build._scan_first(own)
    for value in ("off", ""):  # off by default
        monkeypatch.setenv(build.SCAN_FIRST, value)
        assert not build._scan_first(own)


def _niceness_of_copy(path: Path) -> int:
    def write() -> None:
        path.write_text(str(os.nice(0)), encoding="utf-8")

    process = forking.start(write, (), "nice-probe")
    assert process is not None
    process.join()
    return int(path.read_text(encoding="utf-8"))


def test_work_started_inside_all_behind_runs_nicer(tmp_path: Path) -> None:
    own = os.nice(0)
    if own + forking.BEHIND > 19:
        pytest.skip("this process runs too nice already")
    assert not forking.behind_now()
    assert _niceness_of_copy(tmp_path / "outside") == own
    with forking.all_behind(False):
        assert not forking.behind_now()
        assert _niceness_of_copy(tmp_path / "off") == own
    with forking.all_behind():
        assert forking.behind_now()
        assert _niceness_of_copy(tmp_path / "inside") == own + forking.BEHIND
        nicer = forking.step_behind if forking.behind_now() else None  # as catalogue.start_early
        helper = [sys.executable, "-c", "import os; print(os.nice(0))"]
        shown = subprocess.run(helper, preexec_fn=nicer, capture_output=True, text=True, check=True)
        assert int(shown.stdout) == own + forking.BEHIND
    assert not forking.behind_now()
