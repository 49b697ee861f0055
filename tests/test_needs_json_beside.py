"""needs.json of the build of an edit written by a forked copy while the build goes on
(sphinx/needs_splice.py ``_beside``, issue 20): the same needs.json, site and search index as
written by the build's own process (``SMETS_NEEDS_JSON_BESIDE=off``), the outcome of the copy's
splice taken back, and a copy that dies without one followed by the build's own write."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from clitools import EditedBuilt, beside_build, beside_log, shared_log
from sitecompare import differences

#: `smets build`; the copy's pid written to BESIDE_LOG (or the copy killed at once: BESIDE_DIE)
_DRIVER = """
import json, os, sys
from dataclasses import asdict
from smets_spec import cli
from smets_spec.sphinx import needs_splice
original, parent = needs_splice._in_copy, os.getpid()
def logged(job, send):
    with open(os.environ["BESIDE_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{os.getpid()} {parent}\\n")
    if os.environ.get("BESIDE_DIE"):
        os._exit(3)
    original(job, send)
needs_splice._in_copy = logged
status = cli.main(sys.argv[1:])
print("OUTCOME", json.dumps(asdict(needs_splice.LAST[-1])))
sys.exit(status)
"""


def _build(root: Path, site: Path, cache: Path, switch: str, *more: str, die: bool = False) -> dict[str, Any]:
    result = beside_build(
        _DRIVER, root, site, ("SMETS_NEEDS_JSON_BESIDE", switch), *more, die=die, cache=cache
    )
    outcome: dict[str, Any] = json.loads(result.stdout.rsplit("OUTCOME", 1)[1])
    return outcome


_copies = beside_log


def _shared_copies(logs: Path) -> list[bool]:
    """For each copy a shared build (every switch on) started to write needs.json: whether it was
    another process than the build's (from what it logged in ``logs``: :data:`clitools.SHARED_LOGGED`)."""
    return [entry == "copy" for entry in shared_log(logs, "early.log") if entry != "build-finished"]


def test_an_edit_writes_the_same_needs_json_beside(tmp_path: Path, edited_60_serial: EditedBuilt) -> None:
    """The "on" side's builds are conftest's ``first_built_60_serial`` (the same generated project,
    cold, ``-j 1``, every switch on) and ``edited_60_serial`` (its edit, tag "edited"); the "off"
    side and the copy that dies build that edit from the first build's site and cache too."""
    first = edited_60_serial.first
    root, _ = first.again()
    died, died_cache = tmp_path / "site-die", tmp_path / "cache-die"
    shutil.copytree(first.sites["on"], died, symlinks=True)  # each edit build starts from that same build
    shutil.copytree(first.base / "work" / "cache-on", died_cache, symlinks=True)
    assert _shared_copies(first.logs) == []  # a build from nothing writes needs.json itself
    edited_60_serial.again()  # the project edited; "off": the first build's site and cache
    on, off, work = first.sites["on"], first.sites["off"], first.base / "work"
    outcomes = {
        "on": json.loads((edited_60_serial.logs / "outcome.json").read_text(encoding="utf-8")),
        "off": _build(root, off, work / "cache-off", "off"),
        "die": _build(root, died, died_cache, "on", die=True),
    }
    assert _shared_copies(edited_60_serial.logs) == [True]  # written by one forked copy
    assert _copies(off) == [] and len(_copies(died)) == 1
    assert outcomes["on"] == outcomes["off"] and outcomes["on"]["mode"] == "spliced"
    assert outcomes["on"]["serialised"] < outcomes["on"]["reused"]
    assert outcomes["die"] == outcomes["off"]  # the build's own write, after the copy died
    for site in (on, died):
        assert differences(site, off) == []
        for name in ("needs.json", "searchindex.js"):
            assert (site / name).read_bytes() == (off / name).read_bytes(), name
    assert b"EDITEDedited" in (on / "needs.json").read_bytes()
    again = _build(
        root, on, work / "cache-on", "on"
    )  # nothing changed: the file verifies, and is left as it was
    assert (
        again["written"] is False
        and again["reused"] == outcomes["on"]["reused"] + outcomes["on"]["serialised"]
    )
