"""The duplicates page and the requirement-page panel, in the real site and across an incremental build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from clitools import sourcedir, write


def test_page_lists_findings_and_requirement_pages_link_to_them(built_site: Path) -> None:
    page = (built_site / "quality" / "duplicates.html").read_text(encoding="utf-8")
    assert 'id="smets-dups-conflict-op-02-ih-02"' in page and 'id="smets-dups-conflict-op-02-ds-05"' in page
    assert "<strong>UTC</strong>" in page and "<strong>local</strong>" in page
    assert "Possible conflicts (2)" in page and "Parallel variants (information)" in page
    assert "Terminology (" in page and "Reviewed and suppressed (1)" in page  # HA.01 / WA.01
    op02 = (built_site / "req" / "OP.02.html").read_text(encoding="utf-8")
    assert "Duplicates, overlaps and conflicts" in op02
    assert 'href="../quality/duplicates.html#smets-dups-conflict-op-02-ih-02"' in op02
    hidden = (built_site / "req" / "HA.15.html").read_text(encoding="utf-8")
    assert "smets-dups-" not in hidden  # no finding, no panel


def _build(root: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "smets_spec.cli", "--root", str(root), "build", "--out", str(root / "out")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


REQS = """
Timing
======

.. req:: Timestamps in UTC
   :id: OP.02
   :status: proposed
   :section: OP
   :impact: firmware
   :mandatory_for: DEV_ESME

   The smart metering system shall use UTC for all timing functions and timestamps.

.. req:: Local time on the display
   :id: DS.05
   :status: proposed
   :section: DS
   :impact: firmware
   :mandatory_for: DEV_IHD

   The smart metering system shall display local time unambiguously.
"""


def test_editing_only_the_review_file_updates_the_page_and_the_panel(tmp_path: Path) -> None:
    root = sourcedir(tmp_path, "mini")
    write(root, "spec/timing.rst", REQS)
    write(root, "spec/duplicates.rst", "Duplicates\n==========\n\n.. smets-duplicates::\n")
    write(root, "spec/reviews/duplicates.toml", "# reviews\n")
    for page in ("sections/op", "sections/ds", "sections/pc", "sections/sp", "trace/verification"):
        if not (root / "spec" / f"{page}.rst").exists():  # pages the requirement pages link to
            write(root, f"spec/{page}.rst", f":orphan:\n\n{page}\n{'=' * len(page)}\n")
    _build(root)
    out = root / "out"
    assert "smets-dups-conflict-op-02-ds-05" in (out / "duplicates.html").read_text(encoding="utf-8")
    assert "smets-dups-conflict-op-02-ds-05" in (out / "req" / "DS.05.html").read_text(encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "smets_spec.cli", "--root", str(root), "dups", "--accept", "OP.02,DS.05",
         "--reason", "the display converts UTC", "--reviewer", "test"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    _build(root)  # same output folder and environment: an incremental build
    page = (out / "duplicates.html").read_text(encoding="utf-8")
    assert 'id="smets-dups-conflict-op-02-ds-05"' not in page and "the display converts UTC" in page
    assert "smets-dups-conflict-op-02-ds-05" not in (out / "req" / "DS.05.html").read_text(encoding="utf-8")
