"""Every hostile or damaged source class through `smets build`: refused before Sphinx runs, with
the same located messages as `smets validate`, exit 1, and no file written or changed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from clitools import smets, sourcedir, write
from test_validation_rules import CASES, HEAD

#: The cases of the rules that guard against hostile or damaged sources (issue 13).
HOSTILE = [
    "raw HTML",
    "file inclusion",
    "a filter run as Python",
    "javascript link",
    "merge-conflict markers",
    "a body that lost its indentation",
    "control character",
    "text longer than a spreadsheet cell",
    "a cycle of depends_on links",
]


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


@pytest.mark.parametrize("case", HOSTILE)
def test_build_refuses_and_writes_nothing(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = sourcedir(tmp_path, "mini")
    text, expected = CASES[case]
    write(root, "spec/bad.rst", HEAD + text)
    before = _tree(root)
    out = tmp_path / "site"
    result = smets(capsys, root, "build", "--out", str(out))
    assert result.code == 1
    for message in expected:
        assert message + "\n" in result.err, result.err
    assert result.err.endswith("smets build: the spec has errors; nothing was built\n")
    assert not out.exists()
    assert _tree(root) == before


def test_examples_shown_as_literal_text_are_not_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = sourcedir(tmp_path, "mini")
    write(
        root,
        "spec/examples.rst",
        HEAD
        + "Never write this::\n\n   .. raw:: html\n\n      <script>alert(1)</script>\n\n"
        + ".. code-block:: rst\n   :caption: nor this\n\n   .. include:: /etc/passwd\n"
        + "   `x <javascript:alert(1)>`_\n\nBut this is markup again:\n\n.. raw:: html\n\n   <b>x</b>\n",
    )
    result = smets(capsys, root, "validate")
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if ": error: " in line]
    assert errors == [
        "spec/examples.rst:18: error: '.. raw::' is not allowed in spec sources: it publishes HTML as "
        "written, script included [smets.unsafe-markup]"
    ]
