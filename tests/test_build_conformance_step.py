"""The conformance step inside ``smets build``: its needs are installed with the site, and its failure fails
the build with the real cause (instead of a site where every requirement reads "not tested")."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from clitools import sourcedir
from conftest import copy_project

ROOT = Path(__file__).resolve().parent.parent


def _requirement_names(specs: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", s, maxsplit=1)[0].lower() for s in specs}


def test_what_the_build_imports_is_a_runtime_dependency() -> None:
    """`./dev site` installs `.` without extras: pytest (the suite), myst-parser (the guide), rich."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = _requirement_names(project["dependencies"])
    assert {"pytest", "myst-parser", "rich"} <= runtime
    test_extra = _requirement_names(project["optional-dependencies"]["test"])
    assert "pytest" not in test_extra  # one place says which pytest the suite needs


def _build(root: Path, out: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smets_spec.cli", "--root", str(root), "build", "--out-dir", str(out)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_unreadable_results_fail_the_build_naming_the_file(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    out = tmp_path / "html"
    results = out / ".smets" / "conformance.json"
    results.parent.mkdir(parents=True)
    results.write_text("{not json", encoding="utf-8")
    done = _build(root, out)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{results}: not a conformance results file" in done.stderr
    assert "the site was not built" in done.stderr
    assert not (out / "index.html").exists()


def test_a_suite_that_cannot_run_fails_the_build_with_its_cause(tmp_path: Path) -> None:
    """pytest missing from the installation: the build stops and says so (it used to publish 'not tested')."""
    root = copy_project(tmp_path)
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "pytest.py").write_text("raise ImportError('pytest removed for this test')\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(shim), os.environ.get("PYTHONPATH", "")])}
    out = tmp_path / "html"
    done = _build(root, out, env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "smets build: conformance: the conformance suite failed (exit status 3)" in done.stderr
    assert "the conformance suite needs pytest, which is not importable" in done.stderr
    assert "pytest removed for this test" in done.stderr
    assert not (out / "req" / "GS_08.html").exists()


def test_conform_without_pytest_exits_2_without_a_traceback(tmp_path: Path) -> None:
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "pytest.py").write_text("raise ImportError('pytest removed for this test')\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(shim), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "smets_spec.cli",
            "--root",
            str(ROOT),
            "conform",
            "--out",
            str(tmp_path / "r.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("smets conform: the conformance suite needs pytest")


def test_a_source_listing_that_cannot_be_shown_fails_the_build_at_its_line(tmp_path: Path) -> None:
    """It used to publish "*Source of ``x`` not available ...*" (with raw backticks) and pass."""
    root = sourcedir(tmp_path, "mini")
    index = root / "spec" / "index.rst"
    index.write_text(
        index.read_text(encoding="utf-8") + "\n.. smets-source:: smets_spec.reference.nothing:Here\n",
        encoding="utf-8",
    )
    line = len(index.read_text(encoding="utf-8").splitlines())
    done = _build(root, tmp_path / "html")
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        f"spec/index.rst:{line}: ERROR: smets-source: the source of smets_spec.reference.nothing:Here "
        in (done.stderr)
    )
    assert "No module named 'smets_spec.reference.nothing'" in done.stderr
