"""needs.json of the build of an edit written by a forked copy while the build goes on
(sphinx/needs_splice.py ``_beside``, issue 20): the same needs.json, site and search index as
written by the build's own process (``SMETS_NEEDS_JSON_BESIDE=off``), the outcome of the copy's
splice taken back, and a copy that dies without one followed by the build's own write."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from clitools import beside_build, beside_log
from sitecompare import differences
from smets_spec.corpus.synthetic import edit_requirement, generate

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


def _build(root: Path, site: Path, switch: str, *more: str, die: bool = False) -> dict[str, Any]:
    result = beside_build(_DRIVER, root, site, ("SMETS_NEEDS_JSON_BESIDE", switch), *more, die=die)
    outcome: dict[str, Any] = json.loads(result.stdout.rsplit("OUTCOME", 1)[1])
    return outcome


_copies = beside_log


def test_an_edit_writes_the_same_needs_json_beside(tmp_path: Path) -> None:
    root = generate(tmp_path / "project", 20)
    sites = {name: tmp_path / f"site-{name}" for name in ("on", "off", "die")}
    _build(root, sites["on"], "on", "--fresh")
    assert _copies(sites["on"]) == []  # a build from nothing writes needs.json itself
    for name in ("off", "die"):  # each edit build starts from that same build
        shutil.copytree(sites["on"], sites[name], symlinks=True)
    edit_requirement(root, "beside")
    outcomes = {
        name: _build(root, site, "off" if name == "off" else "on", die=name == "die")
        for name, site in sites.items()
    }
    on, off, died = sites["on"], sites["off"], sites["die"]
    assert [pid != parent for pid, parent in _copies(on)] == [True]  # written by one forked copy
    assert _copies(off) == [] and len(_copies(died)) == 1
    assert outcomes["on"] == outcomes["off"] and outcomes["on"]["mode"] == "spliced"
    assert outcomes["on"]["serialised"] < outcomes["on"]["reused"]
    assert outcomes["die"] == outcomes["off"]  # the build's own write, after the copy died
    for site in (on, died):
        assert differences(site, off) == []
        for name in ("needs.json", "searchindex.js"):
            assert (site / name).read_bytes() == (off / name).read_bytes(), name
    assert b"EDITEDbeside" in (on / "needs.json").read_bytes()
    again = _build(root, on, "on")  # nothing changed: the file verifies, and is left as it was
    assert (
        again["written"] is False
        and again["reused"] == outcomes["on"]["reused"] + outcomes["on"]["serialised"]
    )
