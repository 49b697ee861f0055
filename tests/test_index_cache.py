"""The per-revision index cache is data, kept outside the repository: nothing in it runs code.

A pickle planted where a cache file would be (in the user's cache folder, or the old
``.smets-cache/`` in the checkout), a corrupt file, or a JSON file of the wrong shape are all
ignored: the command gives the same answer as without a cache and nothing in the file runs.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import git
import pytest

from changetools import history_repo
from clitools import smets
from smets_spec.change.changeset import cache_for, open_changeset
from smets_spec.change.specindex import (
    CACHE_ENV,
    IndexCache,
    index_from_json,
    index_to_json,
    user_cache_folder,
)
from smets_spec.corpus.project import Project


class _Bomb:
    """Unpickling this creates ``marker``: proof that a pickle in the cache ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"touch {self.marker}",)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("history") / "repo"
    history_repo(root)
    tree = (git.Repo(root).commit("v1.0").tree / "spec").hexsha
    return root, tree


def test_cache_folder_is_outside_the_repository(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert user_cache_folder() == tmp_path / "xdg" / "smets-spec"
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "ci-cache"))
    assert user_cache_folder() == tmp_path / "ci-cache"
    assert cache_for(Project(tmp_path)).folder == tmp_path / "ci-cache"
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert user_cache_folder() == Path.home() / ".cache" / "smets-spec"


def test_cache_round_trips_as_json(history: tuple[Path, str], tmp_path: Path) -> None:
    root, tree = history
    cache = IndexCache(tmp_path / "cache")
    first = open_changeset(Project(root), "v1.0", "HEAD", cache)
    files = list((tmp_path / "cache" / "index").iterdir())
    assert [f.suffix for f in files] == [".json"] and files[0].name.startswith(tree)
    data = json.loads(files[0].read_text(encoding="utf-8"))
    assert data["format"] == "smets-spec-index" and data["tree"] == tree
    again = open_changeset(Project(root), "v1.0", "HEAD", cache)
    assert again.base.cached
    assert again.base.index.nodes == first.base.index.nodes
    assert again.base.index.links == first.base.index.links
    assert index_to_json(index_from_json(data["index"])) == data["index"]


def _diff_out(capsys: pytest.CaptureFixture[str], root: Path) -> tuple[int, str]:
    result = smets(capsys, root, "diff", "v1.0", "v1.1")
    return result.code, result.out


@pytest.mark.parametrize("kind", ["pickle-bomb", "corrupt", "wrong-shape", "deep-nesting"])
def test_planted_or_corrupt_cache_files_are_ignored(
    kind: str,
    history: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, tree = history
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "empty"))
    expected = _diff_out(capsys, root)
    assert expected[0] == 0 and "PC_02" in expected[1]

    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    key = IndexCache(folder)._key
    marker = tmp_path / "pwned"
    bomb = pickle.dumps(_Bomb(marker))
    payload = {
        "pickle-bomb": bomb,
        "corrupt": b'{"format": "smets-spec-index", "tree": "' + tree.encode() + b'", "index": {"fi',
        "wrong-shape": json.dumps(
            {"format": "smets-spec-index", "tree": tree, "index": {"files": [], "nodes": 3}}
        ).encode(),
        "deep-nesting": b"[" * 100_000 + b"]" * 100_000,
    }[kind]
    (folder / "index").mkdir(parents=True)
    planted = [folder / "index" / f"{tree}-{key}.json", folder / "index" / f"{tree}-{key}.pickle"]
    checkout = root / ".smets-cache" / "index"  # where the old versions read a pickle from
    checkout.mkdir(parents=True, exist_ok=True)
    planted.append(checkout / f"{tree}-{key}.pickle")
    for path in planted:
        path.write_bytes(payload)

    assert _diff_out(capsys, root) == expected
    assert not marker.exists(), "a planted cache file ran code"
    assert IndexCache(folder).get(tree) is not None  # the bad file was replaced by a good one
    (checkout / f"{tree}-{key}.pickle").unlink()
    if kind == "pickle-bomb":  # the control: the planted file does run code when unpickled
        pickle.loads(payload)
        assert marker.exists()


@pytest.mark.parametrize(
    ("value", "off"),
    [
        ("off", True),
        (" OFF ", True),
        ("0", True),
        ("no", True),
        ("false", True),
        ("on", False),
        ("", False),
        ("offline", False),
    ],
)
def test_every_smets_switch_is_read_one_way(monkeypatch: pytest.MonkeyPatch, value: str, off: bool) -> None:
    from smets_spec.corpus.cachedir import switched_off

    monkeypatch.setenv("SMETS_RENDER_CACHE", value)
    monkeypatch.delenv("SMETS_SEARCH_CACHE", raising=False)
    assert switched_off("SMETS_SEARCH_CACHE", "SMETS_RENDER_CACHE") is off
    assert switched_off("SMETS_SEARCH_CACHE") is False
