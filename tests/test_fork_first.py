"""``smets build`` forks the copy that loads and scans the spec before it imports Sphinx
(``commands/build.py``, ``SMETS_FORK_FIRST``): the other core starts the load while this process
imports Sphinx, sphinx-needs and the extension, which the copy never needs.

A cold build of a generated project both ways: the same site, needs.json and search index; with
the switch on, no module of Sphinx, docutils or sphinx-needs is in this process when the copy is
forked, nor in the copy when it has scanned; off, they are there before the fork, as before. A
broken spec and a conf.py setting derived configuration: the same exit status and messages (each
diagnostic at its file and line), and no process of the build left behind.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from clitools import build_argv, driven_build, sourcedir
from sitecompare import differences
from smets_spec.corpus.synthetic import generate

#: `smets build`; logs how many modules of Sphinx, docutils and sphinx-needs this process holds as
#: the load copy is forked, and the copy holds once it has scanned
_DRIVER = """
import os, sys
from smets_spec import cli, forking
from smets_spec.duplicates import page
def log(text):
    with open(os.environ["FORK_LOG"], "a", encoding="utf-8") as out:
        out.write(text + "\\n")
def held():
    return sum(1 for m in list(sys.modules) if m.split(".")[0] in ("sphinx", "docutils", "sphinx_needs"))
start_piped, scan_copy = forking.start_piped, page._scan_copy
def logged_start(target, args, name, **kwargs):
    log(f"fork {name} {held()}")
    return start_piped(target, args, name, **kwargs)
def logged_scan(*args):
    try:
        return scan_copy(*args)
    finally:
        log(f"scanned {held()}")
forking.start_piped, page._scan_copy = logged_start, logged_scan
sys.exit(cli.main(sys.argv[1:]))
"""


def _build(root: Path, site: Path, switch: str) -> list[str]:
    log = site.parent / f"{site.name}.log"
    log.unlink(missing_ok=True)
    settings = {"SMETS_CACHE_DIR": str(site.parent / f"cache-{site.name}"), "SMETS_FORK_FIRST": switch}
    settings["FORK_LOG"] = str(log)
    driven_build(_DRIVER, root, site, settings, "-j", "2")
    return log.read_text(encoding="utf-8").splitlines()


def test_the_copy_is_forked_before_sphinx_is_imported_with_the_same_site(tmp_path: Path) -> None:
    root = generate(tmp_path / "project", 60)
    on, off = tmp_path / "site-on", tmp_path / "site-off"
    logged_on = _build(root, on, "on")
    assert [line for line in logged_on if "load-spec" in line or "scanned" in line] == [
        "fork smets-load-spec 0",
        "scanned 0",
    ]
    logged_off = [line for line in _build(root, off, "off") if "load-spec" in line or "scanned" in line]
    assert logged_off[0].startswith("fork smets-load-spec ") and logged_off[1].startswith("scanned ")
    assert int(logged_off[0].split()[-1]) > 50 and len(logged_off) == 2  # (84 with Sphinx 9.0)
    assert differences(on, off) == []
    for name in ("needs.json", "searchindex.js"):
        assert (on / name).read_bytes() == (off / name).read_bytes(), name


def _left(mark: str) -> list[int]:
    """The processes (other than this one) whose environment holds ``mark``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if mark.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _failed(root: Path, switch: str, cache: Path) -> tuple[int, str, str]:
    """A build that stops, its exit status and output; no process it started is left once it ends."""
    mark = f"FORK_FIRST_MARK={uuid.uuid4().hex}"
    env = {**os.environ, "SMETS_FORK_FIRST": switch, "SMETS_CACHE_DIR": str(cache)}
    env[mark.split("=")[0]] = mark.split("=")[1]
    argv = build_argv(root, root / "_build" / f"html-{switch}")
    done = subprocess.run(argv, capture_output=True, text=True, env=env)
    left = _left(mark)
    assert left == [], [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in left]
    return done.returncode, done.stdout, done.stderr


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc")
def test_a_broken_spec_or_conf_gives_the_same_messages(tmp_path: Path) -> None:
    root = sourcedir(tmp_path, "mini")
    page_file = root / "spec" / "requirements.rst"
    text = page_file.read_text(encoding="utf-8")
    start = text.index(".. req::")
    block = text[start : text.index("\n.. ", start + 1) + 1]
    page_file.write_text(text + "\n" + block.replace(":status: ", ":status: nonsense-", 1), encoding="utf-8")
    on = _failed(root, "on", tmp_path / "cache")
    assert on == _failed(root, "off", tmp_path / "cache-off")
    assert on[0] == 1 and "requirements.rst:" in on[2] and "nothing was built" in on[2]
    assert "error: duplicate id" in on[2]
    page_file.write_text(text, encoding="utf-8")
    conf = root / "conf.py"
    conf.write_text(conf.read_text(encoding="utf-8") + "\nneeds_types = []\n", encoding="utf-8")
    on = _failed(root, "on", tmp_path / "cache")
    assert on == _failed(root, "off", tmp_path / "cache-off")
    assert on[0] == 1 and "conf.py:" in on[2] and "needs_types" in on[2]
    lines = conf.read_text(encoding="utf-8").splitlines()
    assert f"conf.py:{len(lines)}:" in on[2]


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc")
def test_a_build_sphinx_fails_leaves_no_process_behind(tmp_path: Path) -> None:
    root = sourcedir(tmp_path, "mini")
    broken = ":orphan:\n\nBroken\n======\n\n:nosuchrole:`x`\n"
    (root / "spec" / "broken.rst").write_text(broken, encoding="utf-8")
    on = _failed(root, "on", tmp_path / "cache")
    off = _failed(root, "off", tmp_path / "cache-off")
    assert on[0] == off[0] == 1
    assert "broken.rst:6:" in on[2] and "nosuchrole" in on[2]
    assert [line for line in on[2].splitlines() if "broken.rst" in line] == [
        line for line in off[2].splitlines() if "broken.rst" in line
    ]
