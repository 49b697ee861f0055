"""needs.json written by our writer is byte-for-byte what sphinx-needs' own method writes."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from smets_spec.sphinx import needs_json


def _needs_list(data: dict[str, object], outdir: Path) -> SimpleNamespace:
    calls: list[str] = []
    return SimpleNamespace(
        needs_list=data, outdir=str(outdir), _finalise=lambda: calls.append("finalised"), calls=calls
    )


def test_same_bytes_as_sphinx_needs_for_the_built_site(built_site: Path, tmp_path: Path) -> None:
    needs_json.install()
    assert needs_json.ORIGINAL, "install() keeps sphinx-needs' own write_json"
    data = json.loads((built_site / "needs.json").read_text(encoding="utf-8"))
    data["extra"] = {"ünïcode": "Ω ≤ 0.5 – “quoted” \u2028", "float": 0.1, "big": 10**20, "none": None}
    ours_dir, theirs_dir = tmp_path / "ours", tmp_path / "theirs"
    ours_dir.mkdir()
    theirs_dir.mkdir()
    ours, theirs = _needs_list(data, ours_dir), _needs_list(data, theirs_dir)
    needs_json.write_json(ours)
    needs_json.ORIGINAL[0](theirs)
    mine, reference = (ours_dir / "needs.json").read_bytes(), (theirs_dir / "needs.json").read_bytes()
    assert len(mine) > 100_000
    assert mine == reference
    assert ours.calls == theirs.calls == ["finalised"]


def test_path_arguments_are_honoured(tmp_path: Path) -> None:
    target = _needs_list({"b": 1, "a": [1, 2]}, tmp_path / "unused")
    needs_json.write_json(target, "other.json", str(tmp_path))
    assert (tmp_path / "other.json").read_text() == '{"a": [1, 2], "b": 1}'
