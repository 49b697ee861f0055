"""The garbage collector, paused for sphinx-needs' post-processing, resumed only after what that made
is frozen (sphinx/needs_reuse.py ``_resume_after_freeze``, issue 20): while the record of the checks
is written and the link lists are frozen it stays paused, it runs again after ``write-started``,
and the build of an edit gives the same site, needs.json and search index as with
``SMETS_LATE_RESUME=off`` (resumed before the freeze, as before)."""

from __future__ import annotations

import gc
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from clitools import build_argv, run_ok
from sitecompare import differences
from smets_spec.corpus.synthetic import edit_requirement, generate
from smets_spec.sphinx import jobs
from sphinxtools import build_in_process, toctree_project


@pytest.mark.parametrize("switch", ["on", "off"])
def test_paused_until_the_freeze_then_resumed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, switch: str
) -> None:
    monkeypatch.setenv("SMETS_LATE_RESUME", switch)
    seen: list[tuple[bool, int]] = []
    freeze = jobs._after_post_processing

    def recording(app: Any, builder: Any) -> None:
        seen.append((gc.isenabled(), gc.get_freeze_count()))
        freeze(app, builder)

    monkeypatch.setattr(jobs, "_after_post_processing", recording)
    assert gc.isenabled()
    root = toctree_project(tmp_path)
    build_in_process(root, tmp_path / "out", 1)
    assert len(seen) == 1
    assert seen[0][0] is (switch == "off")  # on: still paused when jobs collects and freezes
    assert gc.isenabled()  # and running again after it
    gc.unfreeze()


def _build(root: Path, site: Path, cache: Path, switch: str, *more: str) -> None:
    env = dict(os.environ, SMETS_CACHE_DIR=str(cache), SMETS_LATE_RESUME=switch)
    run_ok(build_argv(root, site, "-j", "1", *more), env=env)


def test_an_edit_builds_the_same_site(tmp_path: Path) -> None:
    root = generate(tmp_path / "project", 20)
    sites = {switch: tmp_path / f"site-{switch}" for switch in ("on", "off")}
    cache = tmp_path / "cache"
    _build(root, sites["on"], cache, "on", "--fresh")
    shutil.copytree(sites["on"], sites["off"], symlinks=True)  # both edit builds start from it
    done = edit_requirement(root, "late")  # as bench/build_phases.py --edit does
    for switch, site in sites.items():
        _build(root, site, cache, switch)  # incremental: sphinx-needs' post-processing after an edit
    on, off = sites["on"], sites["off"]
    assert differences(on, off) == [], done
    for name in ("needs.json", "searchindex.js"):
        assert (on / name).read_bytes() == (off / name).read_bytes(), name
    assert b"EDITEDlate" in (on / "needs.json").read_bytes()
