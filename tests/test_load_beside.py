"""``smets build`` loads and checks the spec in a forked copy while it imports Sphinx, and that copy
goes on to make the duplicate scan (``commands/loadbeside.py``, ``SMETS_LOAD_BESIDE``).

Without a site build: a broken spec and a conf.py setting derived configuration give the same
exit status and the same messages (every diagnostic at its file and line) either way; a valid
spec hands ``build_site`` the same corpus, output folder and offered corpus either way, field for
field, and the copy's scan, counted as the scan copy of the very corpus object offered, gives the
findings of the copy ``scan_early`` starts. A copy that fails hands over nothing: the build loads
the spec itself, as before. That the site is the same is checked by ``tests/test_warm_full.py``
(its build without any cache runs with the switch off, its edited build with it on).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from clitools import sourcedir
from smets_spec.commands import build, loadbeside
from smets_spec.corpus.project import Project
from smets_spec.corpus.synthetic import generate
from smets_spec.duplicates import page


def _smets(root: Path, out: Path, switch: str, cache: Path) -> tuple[int, str, str]:
    env = {**os.environ, "SMETS_LOAD_BESIDE": switch, "SMETS_CACHE_DIR": str(cache)}
    argv = [sys.executable, "-m", "smets_spec.cli", "--root", str(root), "build", "--out-dir", str(out)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
    return done.returncode, done.stdout, done.stderr


def test_a_broken_spec_or_conf_gives_the_same_messages(tmp_path: Path) -> None:
    root = sourcedir(tmp_path, "mini")
    page_file = root / "spec" / "requirements.rst"
    text = page_file.read_text(encoding="utf-8")
    start = text.index(".. req::")
    block = text[start : text.index("\n.. ", start + 1) + 1]
    broken = block.replace(":status: ", ":status: nonsense-", 1)
    broken = broken.replace(":uses: ", ":uses: DAT_NOT_THERE, ", 1)
    page_file.write_text(text + "\n" + broken + "\n" + block, encoding="utf-8")
    for cache in ("cold", "cold"):  # the corpus cache empty, then filled by the first
        on = _smets(root, tmp_path / "o", "on", tmp_path / cache)
        off = _smets(root, tmp_path / "o", "off", tmp_path / f"{cache}-off")
        assert on == off
        assert on[0] == 1 and "requirements.rst:" in on[2] and "nothing was built" in on[2]
        assert on[2].count("error(s)") == 1 and "error: duplicate id" in on[2]  # printed once
    page_file.write_text(text, encoding="utf-8")
    conf = root / "conf.py"
    conf.write_text(conf.read_text(encoding="utf-8") + "\nneeds_types = []\n", encoding="utf-8")
    on = _smets(root, tmp_path / "o", "on", tmp_path / "warm")
    assert on == _smets(root, tmp_path / "o", "off", tmp_path / "warm")
    assert on[0] == 1 and "conf.py:" in on[2] and "needs_types" in on[2]


def _handed(root: Path, monkeypatch: pytest.MonkeyPatch, switch: str) -> dict[str, Any]:
    """What ``cmd_build`` hands ``build_site`` (Sphinx not run), and the scan the copy counted as
    the offered corpus's scan copy made."""
    monkeypatch.setenv(loadbeside.SWITCH, switch)
    got: dict[str, Any] = {}

    def build_site(args: object, project: Project, corpus: Any, out: Path, own: Any = None) -> int:
        got.update(corpus=corpus, out=out, own=own, scan=page._received(own))
        return 0

    monkeypatch.setattr(build, "build_site", build_site)
    monkeypatch.setattr(build, "folder_lock", lambda out, say: contextlib.nullcontext())
    args = argparse.Namespace(out_dir=str(root / "_build" / "html"))
    try:
        status = build.cmd_build(args, Project(root))
    finally:
        gc.unfreeze()
        page.forget_beside()
    assert status == 0
    return got


@pytest.mark.parametrize("fails", [False, True])
def test_the_copy_hands_over_what_the_build_would_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: bool
) -> None:
    root = generate(tmp_path / "p", 30)
    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("SMETS_SCAN_EARLY", "SMETS_DUPS_BESIDE", "SMETS_RENDER_CACHE", "SMETS_WARM_FULL"):
        monkeypatch.delenv(name, raising=False)
    off = _handed(root, monkeypatch, "off")
    if fails:  # the copy fails after its checks: this process loads and scans as before
        monkeypatch.setattr(loadbeside, "_scans", lambda corpus, project: 1 / 0)
    adopted: list[object] = []
    adopt = page.adopt_beside
    monkeypatch.setattr(page, "adopt_beside", lambda c, *rest: adopted.append(c) or adopt(c, *rest))
    on = _handed(root, monkeypatch, "on")
    assert adopted == [on["own"]] and adopted[0] is on["own"]  # one scan copy, for the corpus offered
    for name in ("corpus", "out", "own"):
        assert on[name] == off[name], name
    assert on["corpus"].diagnostics == off["corpus"].diagnostics
    assert on["corpus"].digest == off["corpus"].digest and on["corpus"].source == off["corpus"].source
    assert on["own"].file_digests == off["own"].file_digests
    assert on["scan"] is not None and off["scan"] is not None
    for name in ("findings", "terms", "compared", "candidates"):
        assert getattr(on["scan"], name) == getattr(off["scan"], name), name
