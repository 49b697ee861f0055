"""The garbage collector, paused for sphinx-needs' post-processing, resumed only after what that made
is frozen (sphinx/needs_reuse.py ``_resume_after_freeze``, issue 20): while the record of the checks
is written and the link lists are frozen it stays paused, it runs again after ``write-started``,
and the build of an edit gives the same site, needs.json and search index as with
``SMETS_LATE_RESUME=off`` (resumed before the freeze, as before)."""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import Any

import pytest

from clitools import EditedBuilt, build_argv, run_ok
from sitecompare import differences
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


def _build(root: Path, site: Path, switch: str) -> int:
    env = dict(os.environ, SMETS_CACHE_DIR=str(root.parent / f"cache-{switch}"), SMETS_LATE_RESUME=switch)
    run_ok(build_argv(root, site, "-j", "1"), env=env)
    return 0


def test_an_edit_builds_the_same_site(edited_60_serial: EditedBuilt) -> None:
    """One built site and its copy (conftest's ``edited_60_serial``, its "on" side shared with other
    tests), a requirement's title and text edited as bench/build_phases.py --edit does, built each
    way (incremental: sphinx-needs' post-processing after an edit)."""
    _, _, root, sites = edited_60_serial.again()
    _build(root, sites["off"], "off")
    on, off = sites["on"], sites["off"]
    assert differences(on, off) == []
    for name in ("needs.json", "searchindex.js"):
        assert (on / name).read_bytes() == (off / name).read_bytes(), name
    assert b"EDITEDedited" in (on / "needs.json").read_bytes()
