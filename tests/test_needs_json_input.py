"""`smets validate` on a malformed needs.json: a located `smets.` message and exit 1 or 2, never a
traceback, and the file (and the project) unchanged."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from clitools import smets, sourcedir


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _need(**values: object) -> dict[str, object]:
    need: dict[str, object] = {
        "type": "req",
        "id": "PC_01",
        "title": "Switch",
        "content": "The meter shall switch.",
        "docname": "requirements",
        "lineno": 4,
        "status": "proposed",
        "section": "PC",
        "impact": "firmware",
        "mandatory_for": [],
        "optional_for": ["DEV_X"],
    }
    need.update(values)
    return need


def _doc(needs: object) -> bytes:
    return json.dumps({"current_version": "1", "versions": {"1": {"needs": needs}}}).encode()


CASES: dict[str, tuple[bytes, int, list[str]]] = {
    "top-level list": (
        b"[1, 2]\n",
        2,
        ["needs.json:1: the top level is a list, not an object with 'versions' [smets.input]"],
    ),
    "bad JSON": (b'{"versions": {\n  "1": \n', 2, ["needs.json:3: not valid JSON: Expecting value"]),
    "not UTF-8": (
        b'{"versions": {"1": {"needs": {"A": {"title": "\xa3"}}}}}',
        2,
        ["needs.json:1: file is not UTF-8 (invalid start byte: byte 0xa3 at offset 46) [smets.input]"],
    ),
    "needs is a list": (
        json.dumps({"versions": {"1": {"needs": []}}}).encode(),
        2,
        ["needs.json: version '1' has a list as 'needs', not an object of needs [smets.input]"],
    ),
    "null title and content": (
        _doc({"PC_01": _need(title=None, content=None)}),
        1,
        [
            "needs.json:1: error: need 'PC_01': 'title' is null, not text [smets.input]",
            "needs.json:1: error: need 'PC_01': 'content' is null, not text [smets.input]",
        ],
    ),
    "wrong types": (
        _doc({"PC_01": _need(lineno="four"), "PC_02": 7, "PC_03": _need(id="PC_03", title=["a"])}),
        1,
        [
            "error: need 'PC_01': 'lineno' is text, not a line number [smets.input]",
            "error: need 'PC_02' is int, not an object [smets.input]",
            "error: need 'PC_03': 'title' is a list, not text [smets.input]",
        ],
    ),
    "unknown types are counted": (
        _doc(
            {"X1": _need(type="spec", id="X1"), "X2": _need(type="spec", id="X2"), "U": _need(type="story")}
        ),
        0,
        [
            "needs.json: note: 3 need(s) of types this schema does not know were not read: "
            "spec (2), story (1) [smets.input]"
        ],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_malformed_needs_json(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, code, messages = CASES[case]
    root = sourcedir(tmp_path, "mini")
    path = root / "needs.json"
    path.write_bytes(data)
    before = _tree(root)
    result = smets(capsys, root, "validate", str(path))
    assert result.code == code, result.err
    assert "Traceback" not in result.err
    for message in messages:
        assert message in result.err.replace(str(path), "needs.json"), result.err
    assert _tree(root) == before
