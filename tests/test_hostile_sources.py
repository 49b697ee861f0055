"""Every hostile or damaged source class through `smets build`: refused before Sphinx runs, with
the same located messages as `smets validate`, exit 1, and no file written or changed."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from clitools import ROOT, smets, sourcedir, write
from test_validation_rules import CASES, HEAD

#: The cases of the rules that guard against hostile or damaged sources (issue 13).
HOSTILE = [
    "raw HTML",
    "file inclusion",
    "a filter run as Python",
    "a dynamic function in a title",
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
    result = smets(capsys, root, "build", "--out-dir", str(out))
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


def test_a_link_a_respondent_typed_is_their_text_not_a_refused_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Respondents' stored text (ccomment) is shown as plain text, so `javascript:` there is not a
    spec author's link: validation accepts it (the build shows it as text); the same words in a
    requirement are refused."""
    root = tmp_path / "repo"
    (root / "spec").mkdir(parents=True)
    shutil.copy(ROOT / "conf.py", root / "conf.py")
    shutil.copytree(ROOT / "spec", root / "spec", dirs_exist_ok=True)
    page = root / "spec" / "consultations" / "decc-2011" / "elster-metering-limited.rst"
    text = page.read_text(encoding="utf-8")
    old = "   | This is mainly an issue for Energy Suppliers"
    assert old in text
    page.write_text(
        text.replace(old, "   | see javascript:alert(document.domain)//x\n   |\n" + old, 1), encoding="utf-8"
    )
    result = smets(capsys, root, "validate")
    assert (result.code, result.err) == (0, ""), result.err
    req = root / "spec" / "sections" / "pc.rst"
    if req.is_file():
        write(
            root, "spec/sections/pc.rst", req.read_text(encoding="utf-8") + "\nsee javascript:alert(1)//x\n"
        )
        result = smets(capsys, root, "validate")
        assert result.code == 1 and "[smets.unsafe-link]" in result.err
