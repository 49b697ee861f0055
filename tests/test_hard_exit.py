"""``smets build`` ends at once when its build is over (``cli.run``, ``SMETS_HARD_EXIT``).

The process runs its exit handlers and flushes its output, then ends without the interpreter's
teardown (which freed every object of the build one by one: 2.5 s at 10,000 requirements). The
driver below keeps an object that only the teardown frees, and registers an exit handler: with
the hard exit the handler runs and the object is never freed; with ``SMETS_HARD_EXIT=off``, or
while another thread still runs, the process ends as before and both happen.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from clitools import build_argv, sourcedir, write

DRIVER = """
import atexit, sys, threading, time
import smets_spec.cli as cli

class Teardown:
    def __del__(self):
        sys.stderr.write("teardown ran\\n")

cli.kept_to_the_end = Teardown()
atexit.register(sys.stderr.write, "exit handlers ran\\n")
if "--thread" in sys.argv:
    sys.argv.remove("--thread")
    def still_running():  # until the main thread's end (however long the build takes)
        while threading.main_thread().is_alive():
            time.sleep(0.01)
        sys.stderr.write("thread done\\n")
    threading.Thread(target=still_running).start()
cli.run()
"""


def _build(root: Path, out: Path, *driver_args: str, hard: str = "on") -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-c", DRIVER, *driver_args, *build_argv(root, out)[3:]]
    env = {**os.environ, "SMETS_HARD_EXIT": hard, "SMETS_CACHE_DIR": str(root.parent / "cache")}
    return subprocess.run(argv, capture_output=True, text=True, env=env, check=False)


def _broken(tmp_path: Path) -> Path:
    root = sourcedir(tmp_path, "mini")
    write(root, "spec/bad.rst", "Bad\n===\n\n.. req:: No id\n   :status: nonsense\n\n   Text.\n")
    return root


def test_a_refused_build_ends_at_once_after_its_exit_handlers(tmp_path: Path) -> None:
    result = _build(_broken(tmp_path), tmp_path / "site")
    assert result.returncode == 1
    assert "smets build: the spec has errors; nothing was built\n" in result.stderr
    assert result.stderr.endswith("exit handlers ran\n")
    assert "teardown ran" not in result.stderr


def test_switched_off_the_process_ends_as_before(tmp_path: Path) -> None:
    result = _build(_broken(tmp_path), tmp_path / "site", hard="off")
    assert result.returncode == 1
    assert "smets build: the spec has errors; nothing was built\n" in result.stderr
    assert "exit handlers ran\n" in result.stderr
    assert "teardown ran\n" in result.stderr


def test_a_thread_still_running_is_waited_for(tmp_path: Path) -> None:
    result = _build(_broken(tmp_path), tmp_path / "site", "--thread")
    assert result.returncode == 1
    assert "thread done\n" in result.stderr
    assert "teardown ran\n" in result.stderr


def test_a_finished_build_says_so_and_ends_at_once(tmp_path: Path) -> None:
    root = sourcedir(tmp_path, "mini")
    out = tmp_path / "site"
    result = _build(root, out)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.endswith(f"site: {out}/index.html\nneeds.json: {out}/needs.json\n")
    assert "teardown ran" not in result.stderr
    assert (out / "index.html").is_file()
    assert (out / "needs.json").stat().st_size > 1000
