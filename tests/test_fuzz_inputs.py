"""Fuzzing the real `smets validate` path with mutated spec sources and needs.json files.

For every case the command either accepts the input or refuses it with located `smets.`
messages (exit 1 or 2) -- never a traceback -- and it changes no file. Bounded (a fixed number of
examples, derandomised so CI is reproducible) to stay well under a minute; the number of cases
tried is printed and written to test-output/fuzz-counts.json.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clitools import sourcedir
from smets_spec.cli import main

COUNTS: dict[str, int] = {}
OUTPUT = Path(__file__).resolve().parent.parent / "test-output" / "fuzz-counts.json"
SETTINGS = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Fragments an attacker or an unlucky merge puts into a source.
FRAGMENTS = [
    ".. raw:: html\n\n   <script>alert(1)</script>\n",
    ".. include:: /etc/passwd\n",
    "   :file: /proc/self/environ\n",
    "`x <javascript:alert(1)>`_",
    "<<<<<<< HEAD\n",
    "=======\n",
    ">>>>>>> branch\n",
    "[[copy('id')]]",
    ".. needtable::\n   :filter: __import__('os')\n",
    "\t",
    "\r",
    "\x00",
    "\x07",
    "\ufeff",
    "\u2028",
    "::",
    ".. req:: ",
    "   :id: PC_0",
    "   :depends_on: PC_01, PC_02\n",
    "\n\n",
    "x" * 40_000,
    "| ",
    "*",
    "`",
]


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _run(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--root", str(root), "validate", "--json", *args])  # an exception is a traceback: fails
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _check(code: int, out: str, err: str, lines: bool = True) -> None:
    """Accepted, or refused with located smets. diagnostics (exit 1) or one smets. message (exit 2)."""
    assert "Traceback" not in err
    if code == 2:
        assert err.startswith("smets validate: error: ") and "[smets." in err and out == "", err
        return
    assert code in (0, 1), code
    data = json.loads(out)
    assert (data["errors"] > 0) == (code == 1)
    for diagnostic in data["diagnostics"]:
        assert diagnostic["rule"].startswith("smets."), diagnostic
        assert diagnostic["location"]["file"], diagnostic
        if lines and diagnostic["severity"] == "error" and diagnostic["location"]["file"].endswith(".rst"):
            assert isinstance(diagnostic["location"]["line"], int), diagnostic


def _count(name: str) -> None:
    COUNTS[name] = COUNTS.get(name, 0) + 1


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sourcedir(tmp_path_factory.mktemp("fuzz"), "mini")


@st.composite
def mutated_source(draw: st.DrawFn, base: str) -> bytes:
    text = base
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["insert", "delete", "dedent", "indent", "duplicate", "chars"]))
        lines = text.split("\n")
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        if kind == "insert":
            lines.insert(at, draw(st.sampled_from(FRAGMENTS)))
        elif kind == "delete":
            del lines[at : at + draw(st.integers(1, 3))]
        elif kind == "dedent":
            lines[at] = lines[at].lstrip()
        elif kind == "indent":
            lines[at] = "   " + lines[at]
        elif kind == "duplicate":
            lines.insert(at, lines[at])
        else:
            pos = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:pos] + draw(st.text(max_size=8)) + lines[at][pos:]
        text = "\n".join(lines)
    data = text.encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()) and draw(st.integers(0, 9)) == 0:  # now and then: not UTF-8
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + b"\xff\xfe" + data[cut:]
    return data


def test_mutated_spec_sources(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = (project / "spec" / "requirements.rst").read_text(encoding="utf-8")
    target = project / "spec" / "fuzz.rst"

    @SETTINGS
    @given(mutated_source(base))
    def case(data: bytes) -> None:
        target.write_bytes(data)
        before = _tree(project)
        _check(*_run(capsys, project))
        assert _tree(project) == before
        _count("spec sources")

    try:
        case()
    finally:
        target.unlink(missing_ok=True)
    assert COUNTS["spec sources"] >= 100


BASE_NEEDS: dict[str, Any] = {
    "current_version": "1",
    "versions": {
        "1": {
            "needs": {
                "PC_01": {
                    "type": "req",
                    "id": "PC_01",
                    "title": "Switch",
                    "content": "The meter shall switch.",
                    "docname": "requirements",
                    "doctype": ".rst",
                    "lineno": 4,
                    "status": "proposed",
                    "section": "PC",
                    "impact": "firmware",
                    "mandatory_for": ["DEV_ESME"],
                    "depends_on": ["PC_02"],
                },
                "PC_02": {
                    "type": "req",
                    "id": "PC_02",
                    "title": "Show",
                    "content": "",
                    "docname": "requirements",
                    "lineno": 14,
                    "status": "approved",
                    "section": "PC",
                    "impact": "firmware",
                    "mandatory_for": [],
                },
                "DEV_ESME": {"type": "device", "id": "DEV_ESME", "title": "ESME", "docname": "devices"},
            }
        }
    },
}

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found += _paths(item, (*prefix, n))
    return found


@st.composite
def mutated_needs_json(draw: st.DrawFn) -> bytes:
    doc: Any = copy.deepcopy(BASE_NEEDS)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        replacement = draw(JSON_VALUES)
        if not path:
            doc = replacement
            continue
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and draw(st.booleans()) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = replacement
    data = json.dumps(doc).encode()
    if draw(st.integers(0, 9)) == 0:  # now and then: cut short, or not UTF-8
        data = data[: draw(st.integers(0, len(data)))] + draw(st.sampled_from([b"", b"\xa3", b"}"]))
    return data


def test_mutated_needs_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = project / "other-needs.json"

    @SETTINGS
    @given(mutated_needs_json())
    def case(data: bytes) -> None:
        target.write_bytes(data)
        before = _tree(project)
        _check(*_run(capsys, project, "--from", str(target)), lines=False)  # a needs.json may give no line
        assert _tree(project) == before
        _count("needs.json files")

    case()
    assert COUNTS["needs.json files"] >= 100


def test_report_the_number_of_cases() -> None:
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(COUNTS, indent=2) + "\n", encoding="utf-8")
    print(f"fuzz cases tried: {COUNTS}")
