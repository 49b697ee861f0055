"""needs.json written by a forked copy started as the HTML builder's finish begins
(sphinx/needs_early.py, ``SMETS_NEEDS_JSON_EARLY``): the same needs.json, site and search index as
written at ``build-finished`` (by the build itself, or for an edit by a copy started then), in a
build from nothing and in the build of an edit."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from clitools import driven_build
from sitecompare import differences
from smets_spec.corpus.synthetic import edit_requirement, generate

#: `smets build`; build-finished and each copy writing needs.json logged in order, with the outcome
_DRIVER = """
import json, os, sys
from dataclasses import asdict
from sphinx.events import EventManager
from smets_spec import cli
from smets_spec.sphinx import needs_splice
def log(text):
    with open(os.environ["EARLY_LOG"], "a", encoding="utf-8") as out:
        out.write(text + "\\n")
emit, original, parent = EventManager.emit, needs_splice._in_copy, os.getpid()
def logged_emit(self, name, *args, **kwargs):
    if name == "build-finished":
        log(name)
    return emit(self, name, *args, **kwargs)
def logged_copy(job, send):
    log("copy" if os.getpid() != parent else "not-a-copy")
    original(job, send)
EventManager.emit, needs_splice._in_copy = logged_emit, logged_copy
status = cli.main(sys.argv[1:])
print("OUTCOME", json.dumps(asdict(needs_splice.LAST[-1])))
sys.exit(status)
"""


def _build(root: Path, site: Path, switch: str) -> tuple[list[str], dict[str, Any]]:
    log = site.parent / f"{site.name}.log"
    log.unlink(missing_ok=True)
    settings = {
        "SMETS_CACHE_DIR": str(root.parent / "cache"),  # (the cache is the same either way)
        "SMETS_NEEDS_JSON_EARLY": switch,
        "EARLY_LOG": str(log),
    }
    result = driven_build(_DRIVER, root, site, settings, "-j", "2")
    outcome: dict[str, Any] = json.loads(result.stdout.rsplit("OUTCOME", 1)[1])
    return log.read_text(encoding="utf-8").split() if log.exists() else [], outcome


def _same(one: Path, other: Path) -> None:
    assert differences(one, other) == []
    for name in ("needs.json", "searchindex.js"):
        assert (one / name).read_bytes() == (other / name).read_bytes(), name


def test_needs_json_started_as_the_finish_begins_is_the_same(tmp_path: Path) -> None:
    root = generate(tmp_path / "project", 20)
    on, off = tmp_path / "site-on", tmp_path / "site-off"
    log_on, outcome_on = _build(root, on, "on")
    log_off, outcome_off = _build(root, off, "off")
    assert log_on == ["copy", "build-finished"]  # from nothing: a copy, before build-finished
    assert log_off == ["build-finished"]  # written by the build itself
    assert outcome_on == outcome_off and outcome_on["mode"] == "full"
    _same(on, off)
    edit_requirement(root, "early")
    log_on, outcome_on = _build(root, on, "on")
    log_off, outcome_off = _build(root, off, "off")
    assert log_on == ["copy", "build-finished"]
    assert log_off == ["build-finished", "copy"]  # an edit's copy, started at build-finished
    assert outcome_on == outcome_off and outcome_on["mode"] == "spliced"
    _same(on, off)
    assert b"EDITEDearly" in (on / "needs.json").read_bytes()
    assert not any(name.startswith("EARLY") for name in os.environ)
