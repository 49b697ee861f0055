"""The conformance results kept in the user cache (:mod:`smets_spec.conformance.suitecache`).

A build into an empty output folder takes the results of an earlier run of the same suite, on the
same models and libraries, against the same spec, instead of running it again; the results file and
the suite's output are the ones that run wrote. A change of any input of the key runs the suite
again; an entry that is not exactly one the cache writes (planted, truncated, oversized, of another
shape) is ignored without a traceback, and the suite runs.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import shutil
from pathlib import Path

import pytest

from conftest import copy_project
from smets_spec.conformance import forbuild, suitecache
from smets_spec.corpus.project import Project
from smets_spec.corpus.usercache import MAX_BYTES, read_entry


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("SMETS_CACHE_DIR", str(folder))
    monkeypatch.delenv(suitecache.SWITCH, raising=False)
    return folder


def _ensure(root: Path, out: Path) -> str:
    """Results for a build into ``out`` (the suite runs here when it must); what was said."""
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        forbuild.ensure_results(Project(root), out)
    forbuild.build_finished(out)
    return said.getvalue()


def _results(out: Path) -> Path:
    return out / ".smets" / "conformance.json"


def test_an_empty_output_folder_takes_the_results_of_the_same_run(tmp_path: Path, cache: Path) -> None:
    root = copy_project(tmp_path)
    said = _ensure(root, tmp_path / "one")
    assert "running the suite" in said and "user cache" not in said
    key = suitecache.suite_key(root / "spec")
    assert key is not None and read_entry(suitecache.KIND, key) is not None
    said = _ensure(root, tmp_path / "two")
    assert "running the suite" not in said and "user cache" in said
    one, two = _results(tmp_path / "one"), _results(tmp_path / "two")
    assert one.read_bytes() == two.read_bytes()  # the run's own file: its time, durations and all
    assert forbuild.log_file_for(one).read_bytes() == forbuild.log_file_for(two).read_bytes()
    assert json.loads(two.read_text(encoding="utf-8"))["summary"]["passed"] > 20

    # a changed spec (a requirement the suite reads) runs the suite again
    page = next((root / "spec").rglob("*.rst"))
    page.write_text(page.read_text(encoding="utf-8") + "\n\nA new paragraph.\n", encoding="utf-8")
    assert suitecache.suite_key(root / "spec") != key
    said = _ensure(root, tmp_path / "three")
    assert "running the suite" in said and "user cache" not in said

    # switched off: the suite runs, nothing is read
    os.environ[suitecache.SWITCH] = "off"
    try:
        assert suitecache.suite_key(root / "spec") is None
        assert "running the suite" in _ensure(root, tmp_path / "four")
    finally:
        del os.environ[suitecache.SWITCH]


def _package_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the package the key digests, inside a folder the test may plant a conftest.py in."""
    copy = tmp_path / "above" / "smets_spec"
    shutil.copytree(suitecache.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(suitecache, "PACKAGE_DIR", copy)
    monkeypatch.setattr(suitecache, "SUITE_DIR", copy / "conformance" / "suite")
    return copy


def test_every_input_of_the_key_changes_it(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_project(tmp_path)
    spec = root / "spec"
    package = _package_copy(tmp_path, monkeypatch)
    keys = [suitecache.suite_key(spec)]
    assert keys[0] is not None and suitecache.suite_key(spec) == keys[0]  # the same inputs, the same key

    def changed(what: str) -> None:
        key = suitecache.suite_key(spec)
        assert key is not None and key not in keys, what
        keys.append(key)

    model = package / "reference" / "meter.py"
    model.write_text(model.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    changed("a reference model")
    test = package / "conformance" / "suite" / "test_clock.py"
    test.write_text(test.read_text(encoding="utf-8").replace("2024", "2025", 1), encoding="utf-8")
    changed("a conformance test")
    (package / "reference" / "data" / "gsme_battery.toml").write_bytes(b"# other data\n")
    changed("the models' data")
    (package / "corpus" / "extra.py").write_text("X = 1\n", encoding="utf-8")
    changed("a new module of the package")
    (tmp_path / "above" / "conftest.py").write_text("pytest_plugins = ()\n", encoding="utf-8")
    changed("a conftest.py above the suite")
    monkeypatch.setenv("PYTEST_ADDOPTS", "-x")
    changed("pytest's options from the environment")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    changed("Python's import path from the environment")
    monkeypatch.chdir(tmp_path)
    changed("the current folder (on the suite's import path)")
    site = tmp_path / "site"
    (site / "pytest_extra-1.0.dist-info").mkdir(parents=True)
    monkeypatch.setattr(suitecache.sys, "path", [*suitecache.sys.path, str(site)])
    changed("the import path")
    (site / "pytest_extra-1.0.dist-info" / "RECORD").write_text(
        "pytest_extra.py,sha256=x,1\n", encoding="utf-8"
    )
    changed("an installed distribution")
    (site / "pytest_extra-1.0.dist-info" / "RECORD").write_text(
        "pytest_extra.py,sha256=y,1\n", encoding="utf-8"
    )
    changed("a library changed in place (its RECORD)")
    (spec / "renamed.rst").write_text("Title\n=====\n", encoding="utf-8")
    changed("a new spec file")
    moved = tmp_path / "moved-spec"
    shutil.copytree(spec, moved)
    key = suitecache.suite_key(moved)
    assert key is not None and key not in keys  # the same files in another folder (paths in messages)
    assert suitecache.suite_key(spec, target="other.module:target") not in keys


def _entry_path(cache: Path, key: str) -> Path:
    return cache / suitecache.KIND / f"{key}.json"


def test_a_planted_or_damaged_entry_is_ignored_and_the_suite_runs(tmp_path: Path, cache: Path) -> None:
    root = copy_project(tmp_path)
    _ensure(root, tmp_path / "first")
    key = suitecache.suite_key(root / "spec")
    assert key is not None
    entry = _entry_path(cache, key)
    good = json.loads(entry.read_text(encoding="utf-8"))
    value = good["value"]
    case = value["results"]["tests"][0]
    odd_case = [
        {**case, "outcome": "hacked"},
        {**case, "line": "12"},
        {**case, "verifies": "GS_08"},
        {**case, "duration_s": True},
        {k: v for k, v in case.items() if k != "nodeid"},
    ]
    planted: list[bytes] = [
        b"{not json",
        b"\xff\xfe binary",
        pickle.dumps({"key": key, "value": value}),
        json.dumps({"key": "0" * 64, "value": value}).encode(),  # another key's entry
        json.dumps({"key": key, "value": {**value, "extra": 1}}).encode(),
        json.dumps({"key": key, "value": {**value, "log": 5}}).encode(),
        json.dumps(
            {"key": key, "value": {"results": {**value["results"], "summary": {"passed": 999}}, "log": ""}}
        ).encode(),
        json.dumps(
            {"key": key, "value": {"results": {**value["results"], "format": "x"}, "log": ""}}
        ).encode(),
        json.dumps(
            {"key": key, "value": {"results": {**value["results"], "generated": "yesterday"}, "log": ""}}
        ).encode(),
        json.dumps(
            {
                "key": key,
                "value": {"results": {**value["results"], "generated": "2026-01-01T00:00:00"}, "log": ""},
            }
        ).encode(),
        *(
            json.dumps(
                {"key": key, "value": {"results": {**value["results"], "tests": [odd]}, "log": ""}}
            ).encode()
            for odd in odd_case
        ),
        b"[" * 100_000 + b"]" * 100_000,  # nested too deep for the parser
    ]
    out = tmp_path / "restored"
    for data in planted:
        entry.write_bytes(data)
        assert not suitecache.restore(key, _results(out), forbuild.log_file_for(_results(out))), data[:80]
        assert not _results(out).exists()
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps(good), encoding="utf-8")
    entry.unlink()
    entry.symlink_to(elsewhere)  # a good entry, but through a symlink: not followed
    assert not suitecache.restore(key, _results(out), forbuild.log_file_for(_results(out)))
    entry.unlink()
    os.mkfifo(entry)  # never waited on
    assert not suitecache.restore(key, _results(out), forbuild.log_file_for(_results(out)))
    entry.unlink()
    with entry.open("wb") as handle:  # oversized: not even read
        handle.truncate(MAX_BYTES + 1)
    assert not suitecache.restore(key, _results(out), forbuild.log_file_for(_results(out)))
    # the build runs the suite and keeps a good entry again
    said = _ensure(root, tmp_path / "again")
    assert "running the suite" in said
    assert json.loads(entry.read_text(encoding="utf-8"))["value"]["results"]["tests"]
    assert "user cache" in _ensure(root, tmp_path / "then")
