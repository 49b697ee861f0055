"""The version history takes the working tree's version needs from the loaded corpus
(``changelog.loaded_versions``) instead of reading every spec file again: the same versions, the
same history and the same pages as reading them from the files (``SMETS_HISTORY_VERSIONS=off``),
on seeded random edits of a repository with recorded versions (duplicate, invalid, shadowed,
removed and unresolvable versions among them). And each need's changes and suspect links, found
through a per-need index of the history, are those a scan of all of them finds
(``SMETS_HISTORY_INDEX=off``)."""

from __future__ import annotations

import random
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from changetools import commit, edit, history_repo
from htmltools import StubLinker
from smets_spec.change import changelog
from smets_spec.change.changelog import (
    INDEX_ENV,
    VERSIONS_ENV,
    Status,
    Step,
    VersionHistory,
    history_of,
    loaded_versions,
    version_history,
)
from smets_spec.change.diff import ChangeKind, CorpusDiff, Nature, NeedChange
from smets_spec.change.history import Repository
from smets_spec.change.specindex import IndexCache, open_side
from smets_spec.change.suspects import Link, Suspect
from smets_spec.change.versions import versions_of
from smets_spec.corpus.diagnostics import Location
from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.project import Project
from smets_spec.render.changes import changelog_page, history_panel, suspects_page


def _version(
    title: str, need_id: str, revision: str | None, extra: str = "   :dates_basis: fixture\n"
) -> str:
    rev = f"   :revision: {revision}\n" if revision else ""
    return f"\n.. version:: {title}\n   :id: {need_id}\n{rev}{extra}"


@pytest.fixture(scope="module")
def versioned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("histversions") / "repo"
    repo, shas = history_repo(root)
    text = "Versions\n========\n"
    text += _version("First", "VER_1", shas["v1.0"], "   :installed_until: 2026-01-03\n   :dates_basis: f\n")
    text += _version("Second", "VER_2", "v1.1", "   :installed_from: 2026-01-04\n   :dates_basis: fixture\n")
    text += _version("Draft", "VER_DRAFT", None)
    (root / "spec" / "versions.rst").write_text(text, encoding="utf-8")
    shas["recorded"] = commit(repo, "record versions", 5)
    return root, shas


def _edits(shas: dict[str, str]) -> list[Callable[[Path], None]]:
    versions = "versions.rst"

    def append(name: str, text: str) -> Callable[[Path], None]:
        def run(spec: Path) -> None:
            path = spec / name
            path.parent.mkdir(exist_ok=True)
            old = path.read_text(encoding="utf-8") if path.is_file() else "Extra\n=====\n"
            path.write_text(old + text, encoding="utf-8")

        return run

    def replace(name: str, old: str, new: str) -> Callable[[Path], None]:
        def run(spec: Path) -> None:
            text = (spec / name).read_text(encoding="utf-8")
            if old in text:
                edit(spec / name, old, new)

        return run

    def link(name: str, text: str) -> Callable[[Path], None]:
        def run(spec: Path) -> None:
            target = spec.parent / "outside.txt"
            target.write_text("Linked\n======\n" + text, encoding="utf-8")
            (spec / name).symlink_to(target)

        return run

    return [
        append("a_first.rst", _version("Earlier copy", "VER_2", shas["v1.0"])),  # read first: wins
        append("z_last.rst", _version("Later copy", "VER_1", shas["head"])),  # read last: ignored
        append("a_first.rst", ".. req:: Not a version\n   :id: VER_1\n   :status: draft\n\n   Text.\n"),
        append(versions, _version("No basis", "VER_3", "v1.0", "")),  # invalid: no record
        append(versions, _version("Lower", "VER_low", "v1.0")),  # invalid id
        append(
            versions,
            _version("Third", "VER_3", shas["head"], "   :designated: 2026-01-05\n   :dates_basis: x\n"),
        ),
        append("_hidden/more.rst", _version("Hidden", "VER_9", "v1.0")),  # not read by either
        append("sub/more.rst", _version("Nested", "VER_8", shas["v1.1"])),
        append(versions, _version("Second draft", "VER_DRAFT2", None)),
        replace(versions, "   :revision: v1.1\n", "   :revision: no-such-revision\n"),  # unresolvable
        replace(versions, "   :revision: v1.1\n", ""),  # a second draft
        replace(versions, ".. version:: First", ".. note:: First"),  # removed
        replace(versions, "   :revision: v1.1\n", f"   :revision: {shas['v1.1'][:12]}\n"),
        replace("requirements.rst", "within 10 seconds", "within 5 seconds"),
        replace("requirements.rst", "   :id: PC_01\n", "   :id: PC.01\n"),  # an id as a clause
        replace("verification.rst", "   :id: TST_SWITCH\n", "   :id: VER_2\n"),  # shadows VER_2
        link("a_linked.rst", _version("Linked", "VER_7", "v1.0")),  # read by the loader only
    ]


def _reset(root: Path) -> None:
    subprocess.run(["git", "checkout", "-q", "--", "."], cwd=root, check=True)
    subprocess.run(["git", "clean", "-q", "-fdx", "--", "spec", "outside.txt"], cwd=root, check=True)


def _pages(corpus: Corpus) -> list[str]:
    """The change pages and every need's history panel (each reads ``history_of(corpus)``)."""
    linker = StubLinker()
    out = [changelog_page(corpus, [], linker), suspects_page(corpus, [], linker)]
    return out + [history_panel(corpus, need_id, linker) for need_id in corpus.needs]


@pytest.mark.parametrize("seed", range(18))
def test_versions_from_the_corpus_are_those_read_from_the_files(
    versioned: tuple[Path, dict[str, str]], seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, shas = versioned
    _reset(root)
    rng = random.Random(seed)
    edits = _edits(shas)
    for run in rng.sample(edits, rng.randint(2, 6)):
        run(root / "spec")
    project = Project(root)
    try:
        corpus = load_spec(project.spec, relative_to=project.root)
        loaded = loaded_versions(corpus, project)
        read = versions_of(open_side(Repository(project).worktree(), IndexCache(None)))
        assert loaded == (None if (project.spec / "a_linked.rst").is_symlink() else read)
        fast = history_of(corpus)
        new_pages = _pages(corpus)
        monkeypatch.setenv(VERSIONS_ENV, "off")
        slow_corpus = load_spec(project.spec, relative_to=project.root)
        assert loaded_versions(slow_corpus, project) is None
        slow = history_of(slow_corpus)
        assert slow == version_history(project, cache=IndexCache(None))
        assert fast == slow
        assert new_pages == _pages(slow_corpus)
    finally:
        _reset(root)


def test_only_a_whole_load_of_the_projects_spec_folder_is_taken(
    versioned: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, _ = versioned
    _reset(root)
    project = Project(root)
    corpus = load_spec(project.spec, relative_to=project.root)
    assert loaded_versions(corpus, project) is not None
    corpus.file_digests = None  # not the loader's corpus of a folder (e.g. smets serve's own)
    assert loaded_versions(corpus, project) is None
    other = load_spec(root / "spec" / "sections")
    assert loaded_versions(other, project) is None  # another folder
    assert changelog.VERSIONS_ENV == "SMETS_HISTORY_VERSIONS"


@pytest.mark.parametrize("seed", range(6))
def test_changes_and_suspects_of_a_need_as_a_scan_finds_them(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``VersionHistory.changes_of`` / ``suspects_to`` from the per-need index are the scans'
    (``SMETS_HISTORY_INDEX=off``): same items, same order, on random histories."""
    rng = random.Random(seed)
    ids = [f"PC_{n:02d}" for n in range(12)] + ["DAT_A", "TST_B"]
    steps = []
    for number in range(rng.randint(1, 4)):
        changes = [
            NeedChange(rng.choice(ids), rng.choice(list(ChangeKind)), "req", "t", rng.choice(list(Nature)))
            for _ in range(rng.randint(0, 25))
        ]
        diff = CorpusDiff(f"v{number}", f"v{number + 1}", changes) if rng.random() < 0.9 else None
        steps.append(Step(f"v{number + 1}", f"v{number}", diff))
    suspects = [
        Suspect(
            Link(rng.choice(ids), rng.choice(["uses", "verifies", "implements"]), rng.choice(ids)),
            "f",
            "r",
            Location("spec/x.rst", rng.randint(1, 99)),
        )
        for _ in range(rng.randint(0, 30))
    ]
    history = VersionHistory(Status.OK, steps=steps, suspects=suspects)
    indexed = {i: (history.changes_of(i), history.suspects_to(i)) for i in [*ids, "OTHER"]}
    monkeypatch.setenv(INDEX_ENV, "off")
    scanned = {i: (history.changes_of(i), history.suspects_to(i)) for i in [*ids, "OTHER"]}
    assert indexed == scanned
    assert any(changes for changes, _ in indexed.values()) or not any(s.diff for s in steps)
    monkeypatch.delenv(INDEX_ENV)
    history.changes_of("PC_00").clear()  # the caller's list: the index stays as it is
    history.suspects_to("PC_00").clear()
    assert (history.changes_of("PC_00"), history.suspects_to("PC_00")) == scanned["PC_00"]
