"""`smets new` renders the repository's stub templates in Jinja's sandbox: a template changed by a
pull request can fill in values but not run code."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from clitools import smets, sourcedir


def test_a_template_that_reaches_for_python_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = sourcedir(tmp_path, "mini")
    marker = tmp_path / "pwned"
    template = root / "templates" / "new" / "req.rst.jinja"
    template.write_text(
        template.read_text(encoding="utf-8")
        + f"{{{{ cycler.__init__.__globals__.os.system('touch {marker}') }}}}\n",
        encoding="utf-8",
    )
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}
    result = smets(capsys, root, "new", "req", "--section", "PC", "--title", "X")
    assert result.code == 2
    assert result.err.startswith(
        "smets new: error: templates/new/req.rst.jinja: the template cannot be used (access to attribute "
        "'__init__' of 'type' object is unsafe.)"
    )
    assert not marker.exists()
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()} == before
