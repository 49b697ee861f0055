"""A requirement moved to another file survives an incremental build (sphinx/jobs.py, purge_first).

Sphinx's serial read (which ``smets build`` uses for a handful of changed documents) forgets a
document just before reading it; without forgetting them all first, a need moved to a file read
earlier was dropped from the site until the next full build.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from conftest import copy_project


def _build(root: Path, out: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "smets_spec.cli", "--root", str(root), "build", "--out-dir", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr


def _needs(out: Path) -> dict[str, dict[str, object]]:
    data = json.loads((out / "needs.json").read_text(encoding="utf-8"))
    needs: dict[str, dict[str, object]] = data["versions"][data["current_version"]]["needs"]
    return needs


def test_a_need_moved_to_a_file_read_first_is_still_there(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    out = root / "_build" / "html"
    _build(root, out)
    source = root / "spec" / "sections" / "pc.rst"
    text = source.read_text(encoding="utf-8")
    found = re.search(r"^\.\. req:: .*\n   :id: PC_01\n", text, re.M)
    assert found is not None
    following = re.compile(r"^\.\. ", re.M).search(text, found.end())
    end = following.start() if following else len(text)
    block = text[found.start() : end]
    source.write_text(text[: found.start()] + text[end:], encoding="utf-8")
    (root / "spec" / "sections" / "aa-moved.rst").write_text(
        ":orphan:\n\nMoved\n=====\n\n" + block, encoding="utf-8"
    )
    _build(root, out)
    assert _needs(out)["PC_01"]["docname"] == "sections/aa-moved"
    assert 'href="#PC_01"' in (out / "sections" / "aa-moved.html").read_text(encoding="utf-8")
    assert 'href="#PC_01"' not in (out / "sections" / "pc.html").read_text(encoding="utf-8")
    assert "aa-moved.html#PC_01" in (out / "req" / "PC_01.html").read_text(encoding="utf-8")
