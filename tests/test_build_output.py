"""`smets build` and its output folder: a lock against concurrent builds, and a one-line error
(exit 2, no traceback) for a folder that cannot be made or written or a full disk."""

from __future__ import annotations

import subprocess
import time
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


def test_concurrent_builds_into_one_folder_wait_for_each_other(tmp_path: Path) -> None:
    root = sourcedir(tmp_path, "mini")
    out = tmp_path / "html"
    first = _build(root, out)
    deadline = time.monotonic() + 60
    while not (out / ".smets-build.lock").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    others = [_build(root, out) for _ in range(2)]
    results = [(p.wait(timeout=300), *p.communicate()) for p in [first, *others]]
    assert [code for code, _, _ in results] == [0, 0, 0], [err[-1500:] for _, _, err in results]
    waited = [err for _, _, err in results if "waiting for that build to finish" in err]
    assert waited, "no build waited: the lock was not held"
    assert all(f"smets build: {out} is being written by process " in err for err in waited)
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
