"""A parallel build's requirement-page writers started as Sphinx's finish begins, beside it
(sphinx/reqpages.py ``_start_early``, ``SMETS_REQ_EARLY``), and running behind the build's process
(``os.nice``, ``SMETS_REQ_BEHIND``): the same site,
needs.json and search index as writers started at ``build-finished``."""

from __future__ import annotations

import os
from pathlib import Path

from clitools import driven_build, sourcedir
from sitecompare import differences
from smets_spec import forking

#: `smets build`; the finish's events and the requirement-page writers' starts logged in order
_DRIVER = """
import os, sys
from sphinx.events import EventManager
from smets_spec import cli, forking
from smets_spec.sphinx import reqpages
def log(text):
    with open(os.environ["EARLY_LOG"], "a", encoding="utf-8") as out:
        out.write(text + "\\n")
emit, start = EventManager.emit, forking.start
def logged_emit(self, name, *args, **kwargs):
    if name in ("html-collect-pages", "build-finished"):
        log(name)
    return emit(self, name, *args, **kwargs)
def logged_start(target, args, name, **kwargs):
    if name.startswith("smets-requirement-pages"):
        log("writer")
    return start(target, args, name, **kwargs)
writer = reqpages._writer
def logged_writer(*args):
    log(f"nice+{os.nice(0) - int(os.environ['EARLY_NICE'])}")
    return writer(*args)
EventManager.emit, forking.start, reqpages._writer = logged_emit, logged_start, logged_writer
sys.exit(cli.main(sys.argv[1:]))
"""


def _build(root: Path, site: Path, switch: str) -> list[str]:
    log = site.parent / f"{site.name}.log"
    log.unlink(missing_ok=True)
    settings = {"SMETS_CACHE_DIR": str(site.parent / f"cache-{site.name}"), "SMETS_REQ_EARLY": switch}
    settings.update(SMETS_REQ_BEHIND=switch, EARLY_LOG=str(log), EARLY_NICE=str(os.nice(0)))
    settings["SMETS_REQ_PLAN_BESIDE"] = "off"  # (on: started in its copy, test_req_plan_beside.py)
    driven_build(_DRIVER, root, site, settings, "-j", "2")
    return log.read_text(encoding="utf-8").split()


def _same(one: Path, other: Path) -> None:
    assert differences(one, other) == []
    for name in ("needs.json", "searchindex.js"):
        assert (one / name).read_bytes() == (other / name).read_bytes(), name


def test_requirement_pages_start_before_the_finish_with_the_same_site(tmp_path: Path) -> None:
    root = sourcedir(tmp_path, "mini")
    on, off = tmp_path / "site-on", tmp_path / "site-off"
    _in_order(
        _build(root, on, "on"), ["writer", "html-collect-pages", "build-finished"], f"nice+{forking.BEHIND}"
    )
    _in_order(_build(root, off, "off"), ["html-collect-pages", "build-finished", "writer"], "nice+0")
    _same(on, off)


def _in_order(logged: list[str], events: list[str], niceness: str) -> None:
    """The main process's ``events`` in this order, and the writer's ``niceness`` after it started
    (the writer's line and the main process's next ones race: their order is not the test's)."""
    assert [e for e in logged if not e.startswith("nice")] == events
    assert [e for e in logged if e.startswith("nice")] == [niceness]
    assert logged.index(niceness) > logged.index("writer")
