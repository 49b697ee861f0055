"""A new environment saved by a forked copy while the build goes on (sphinx/envparts.py ``_beside``,
issue 20): the same site, needs.json and search index as saved by the build's own process
(``SMETS_ENV_BESIDE=off``), an environment file the next build loads (it reads only what the edit
touched), and a copy that dies leaves no environment file, so the next build reads everything."""

from __future__ import annotations

import shutil
from pathlib import Path

from clitools import EditedBuilt, beside_build, beside_log, shared_log
from sitecompare import differences

#: `smets build -j 1`; each copy's pid written to BESIDE_LOG (or the copy ended at once:
#: BESIDE_DIE); the documents read printed at the end
_DRIVER = """
import os, sys
from sphinx.builders import Builder
from smets_spec import cli
from smets_spec.sphinx import envparts
original, parent, read = envparts._in_copy, os.getpid(), []
def logged(env, file, protocol):
    with open(os.environ["BESIDE_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{os.getpid()} {parent}\\n")
    if os.environ.get("BESIDE_DIE"):
        os._exit(3)
    original(env, file, protocol)
envparts._in_copy = logged
read_doc = Builder.read_doc
def counted(self, docname, **kwargs):
    read.append(docname)
    return read_doc(self, docname, **kwargs)
Builder.read_doc = counted
status = cli.main(sys.argv[1:])
print("READ", len(read))
sys.exit(status)
"""


def _build(root: Path, site: Path, cache: Path, switch: str, die: bool = False) -> tuple[int, str]:
    result = beside_build(_DRIVER, root, site, ("SMETS_ENV_BESIDE", switch), die=die, cache=cache)
    return int(result.stdout.rsplit("READ", 1)[1]), result.stderr


def _copies(site: Path) -> list[bool]:
    """For each copy started: whether it was another process than the build's."""
    return [pid != parent for pid, parent in beside_log(site)]


def _shared_copies(logs: Path) -> list[bool]:
    """:func:`_copies` of a shared build (every switch on), from what it logged in ``logs``
    (:data:`clitools.SHARED_LOGGED`)."""
    return [entry == "copy" for entry in shared_log(logs, "env.log")]


def test_a_new_environment_is_saved_beside_the_build(tmp_path: Path, edited_60_serial: EditedBuilt) -> None:
    """The "on" side's builds are conftest's ``first_built_60_serial`` (the same generated project,
    cold, ``-j 1``, every switch on) and ``edited_60_serial`` (its edit, tag "edited"); the other
    builds are of that project in folders of their own, with a copy of the cache the first build
    filled (one cache for them all, as the "on" side's first build had)."""
    first = edited_60_serial.first
    root, counts = first.again()
    on = first.sites["on"]
    off, died, cache = tmp_path / "site-off", tmp_path / "site-die", tmp_path / "cache"
    shutil.copytree(first.base / "work" / "cache-on", cache, symlinks=True)
    read_on = counts[("sphinx.builders", "Builder.read_doc")]
    read_off, _ = _build(root, off, cache, "off")
    assert (
        _shared_copies(first.logs) == [True] and _copies(off) == []
    )  # saved by one forked copy, or by the build
    assert read_on == read_off > 20
    full = read_on
    assert differences(on, off) == []
    for name in ("needs.json", "searchindex.js"):
        assert (on / name).read_bytes() == (off / name).read_bytes(), name
    pickle = Path(".doctrees", "environment.pickle")
    assert (on / pickle).is_file()

    _, edited, _, _ = edited_60_serial.again()  # the project edited, the edit built into "on"
    edited_60_serial.touch()  # (edited before the "off" side's first build)
    read_on = edited[("sphinx.builders", "Builder.read_doc")]
    read_off, _ = _build(root, off, cache, "off")
    assert read_on == read_off < full / 2  # the copy's environment loaded: what the edit touched, read
    assert _shared_copies(edited_60_serial.logs) == []  # an environment loaded is saved by the build itself
    assert differences(on, off) == []

    read_died, stderr = _build(root, died, cache, "on", die=True)
    assert _copies(died) == [True] and read_died == full
    assert not (died / pickle).exists()  # no environment rather than a part of one
    assert "the environment could not be saved" in stderr
    assert _build(root, died, cache, "on")[0] == full  # so the next build reads every document
    assert differences(died, off) == []
