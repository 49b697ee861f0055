"""`smets build` and its output folder: a lock against concurrent builds, and a one-line error
(exit 2, no traceback) for a folder that cannot be made or written or a full disk."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import git
import pytest

from clitools import build_argv, smets, sourcedir


def _build(root: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        build_argv(root, out, "-j", "1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


#: `smets build` holding its output folder's lock until the test lets it go: it makes the file
#: HELD_MARK once it holds the lock, then waits (two minutes at most) for the file RELEASE_MARK
_HOLDING = """
import os, sys, time
from smets_spec import cli
from smets_spec.commands import build
site = build.build_site
def holding(*args, **kwargs):
    open(os.environ["HELD_MARK"], "a").close()
    deadline = time.monotonic() + 120
    while not os.path.exists(os.environ["RELEASE_MARK"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return site(*args, **kwargs)
build.build_site = holding
sys.exit(cli.main(sys.argv[1:]))
"""


def _until(found: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 120
    while not found():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_concurrent_builds_into_one_folder_wait_for_each_other(tmp_path: Path) -> None:
    """Two builds started while a first one holds the folder's lock (held until both have said they
    wait, whatever the machine's speed) wait for it, say so, and then build in turn."""
    root = sourcedir(tmp_path, "mini")
    out = tmp_path / "html"
    held, release = tmp_path / "held", tmp_path / "release"
    env = {**os.environ, "HELD_MARK": str(held), "RELEASE_MARK": str(release)}
    argv = [sys.executable, "-c", _HOLDING, *build_argv(root, out, "-j", "1")[3:]]
    first = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    _until(held.exists, "the first build never held the lock")
    logs = [tmp_path / f"other-{n}.err" for n in range(2)]
    others = []
    for log in logs:
        with log.open("w") as err:
            others.append(
                subprocess.Popen(
                    build_argv(root, out, "-j", "1"), stdout=subprocess.PIPE, stderr=err, text=True
                )
            )
    waiting = "waiting for that build to finish"
    _until(lambda: all(waiting in log.read_text() for log in logs), "a build did not wait for the lock")
    release.touch()
    codes = [first.wait(timeout=300), *(p.wait(timeout=300) for p in others)]
    errors = [first.communicate()[1], *(log.read_text() for log in logs)]
    assert codes == [0, 0, 0], [err[-1500:] for err in errors]
    assert all(f"smets build: {out} is being written by process " in err for err in errors[1:])
    assert (out / "index.html").is_file() and (out / "needs.json").is_file()
    assert not list(out.rglob("*.tmp"))


def test_output_folder_that_cannot_be_made(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = sourcedir(tmp_path, "mini")
    (root / "afile").write_text("not a folder\n", encoding="utf-8")
    result = smets(capsys, root, "build", "--out-dir", str(root / "afile" / "html"))
    assert result.code == 2
    assert result.err == (
        "smets build: cannot write the output folder afile/html: "
        f"Not a directory ({root / 'afile' / 'html'})\n"
    )
    assert (root / "afile").read_text(encoding="utf-8") == "not a folder\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full to simulate a full disk")
def test_full_disk_is_one_line_and_exit_2(tmp_path: Path) -> None:
    root = sourcedir(tmp_path, "mini")
    out = tmp_path / "html"
    out.mkdir()
    (out / "index.html").symlink_to("/dev/full")  # every write there fails with ENOSPC
    process = _build(root, out)
    code = process.wait(timeout=300)
    _, err = process.communicate()
    assert code == 2, err
    assert "Traceback" not in err and "please report" not in err.lower()
    assert (
        err.splitlines()[-1]
        == f"smets build: cannot write the output folder {out}: the disk is full ({out}/index.html)"
    )


def test_output_folder_tracked_by_git_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = sourcedir(tmp_path, "mini")
    planted = root / "_build" / "html" / ".doctrees" / "environment.pickle"
    planted.parent.mkdir(parents=True)
    planted.write_bytes(b"cos\nsystem\n(S'touch pwned'\ntR.")
    repo = git.Repo.init(root)
    repo.git.add("-f", "-A")
    result = smets(capsys, root, "build")
    assert result.code == 2
    assert (
        "smets build: _build/html holds files tracked by git (_build/html/.doctrees/environment.pickle)"
        in result.err
    )
    assert not (root / "pwned").exists() and not (root / "_build" / "html" / "index.html").exists()


@pytest.mark.parametrize("where", ["spec", "spec/_site", "."])
def test_output_folder_in_or_around_the_spec_is_refused(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = sourcedir(tmp_path, "mini")
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    result = smets(capsys, root, "build", "--out-dir", str(root / where))
    shown = "." if where == "." else where
    assert result.code == 2
    assert result.err == (
        f"smets build: the output folder {shown} holds or is inside the specification (spec/); "
        "build into another folder (default: _build/html)\n"
    )
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
