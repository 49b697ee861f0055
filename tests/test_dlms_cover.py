"""One DLMS/COSEM helper run answers both questions of a cold build (``SMETS_DLMS_COVER``): the
cards' question cut from the checks' answer is, byte for byte, the answer of the cards' question
asked alone; a narrower question of random codes too; a failed wide run leaves the narrow question
to be asked the usual way."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from smets_spec.corpus.load import load_spec
from smets_spec.protocols import candidates, catalogue
from smets_spec.protocols.assess import checks_request, start_helpers_early

ROOT = Path(__file__).resolve().parent.parent
CARDS = catalogue.dlms_request((), tuple(sorted(set(candidates.PROBES))))


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(catalogue.COVER_SWITCH, raising=False)
    catalogue._EARLY.clear()
    catalogue._query_dlms.cache_clear()
    catalogue._load_zigbee.cache_clear()
    yield tmp_path
    for entry in catalogue._EARLY.values():
        if isinstance(entry, catalogue._Early):
            entry.proc.wait()
    catalogue._EARLY.clear()
    catalogue._query_dlms.cache_clear()
    catalogue._load_zigbee.cache_clear()


def _gurux() -> None:
    if catalogue.installed(catalogue.DLMS_DIST) is None:
        pytest.skip("gurux-dlms not installed")


def _asked_alone(request: dict[str, Any]) -> str:
    return json.dumps(catalogue._run(catalogue.DLMS_HELPER, request))


def test_the_cards_answer_cut_from_the_checks_answer_is_the_one_asked(fresh: Path) -> None:
    _gurux()
    corpus = load_spec(ROOT / "spec", relative_to=ROOT)
    checks = checks_request(corpus)
    assert checks["check"], "the spec has DLMS/COSEM objects to check"
    wide = catalogue._run(catalogue.DLMS_HELPER, checks)
    rng = random.Random(20)
    some = dict(checks, check=sorted(rng.sample(list(checks["check"]), 5)))  # type: ignore[call-overload]
    for wanted in (CARDS, some):
        assert json.dumps(catalogue.narrow_dlms(wide, checks, wanted)) == _asked_alone(wanted)
    assert catalogue.narrow_dlms(wide, checks, dict(CARDS, describe=["1.0.1.8.0.255"])) is None
    assert catalogue.narrow_dlms(wide, checks, dict(CARDS, rows=False)) is None
    assert catalogue.narrow_dlms(wide, checks, dict(CARDS, check=[["1.0.99.99.0.255", 3]])) is None


@pytest.mark.parametrize("cover", [True, False])
def test_a_cold_start_runs_one_helper_for_both_questions(
    fresh: Path, monkeypatch: pytest.MonkeyPatch, cover: bool
) -> None:
    """``start_helpers_early(corpus)``: the cards' and the checks' catalogues are those asked the
    usual way (a second cache folder), from one helper process (two with the switch off)."""
    _gurux()
    if not cover:
        monkeypatch.setenv(catalogue.COVER_SWITCH, "off")
    corpus = load_spec(ROOT / "spec", relative_to=ROOT)
    checks = checks_request(corpus)
    start_helpers_early(corpus)
    dlms = {k: v for k, v in catalogue._EARLY.items() if k[0] == catalogue.DLMS_HELPER}
    assert set(dlms) == {(catalogue.DLMS_HELPER, json.dumps(r)) for r in (CARDS, checks)}
    processes = {id(e.started if isinstance(e, catalogue._Covered) else e) for e in dlms.values()}
    assert len(processes) == (1 if cover else 2)
    codes = [(str(o), int(ic)) for o, ic in cast(list[list[Any]], checks["check"])]
    probes = list(candidates.PROBES)
    early = [catalogue.query_dlms([], probes), catalogue.query_dlms(codes, probes)]
    assert not [k for k in catalogue._EARLY if k[0] == catalogue.DLMS_HELPER]
    entries = sorted(p.read_bytes() for p in (fresh / "cache").rglob("*.json"))
    monkeypatch.setenv("SMETS_CACHE_DIR", str(fresh / "late"))
    catalogue._query_dlms.cache_clear()
    late = [catalogue.query_dlms([], probes), catalogue.query_dlms(codes, probes)]
    for one, two in zip(early, late, strict=True):
        assert one is not None and two is not None
        assert (one.version, one.table, one.rows, one.classes) == (
            two.version,
            two.table,
            two.rows,
            two.classes,
        )
        assert one.answers == two.answers and one.table_rows == two.table_rows
    dlms_entries = [e for e in entries if b'"gurux-dlms"' in e]
    assert len(dlms_entries) == 2
    assert dlms_entries == sorted(
        p.read_bytes() for p in (fresh / "late").rglob("*.json") if b'"gurux-dlms"' in p.read_bytes()
    )


_FAILS = """import json, sys
request = json.loads(sys.stdin.read())
if request["check"]:
    sys.exit(5)
print(json.dumps({"check": [], "describe": request["describe"], "alone": True}))
"""


def test_a_failed_wide_run_leaves_the_narrow_question_asked(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = fresh / "lib" / "smets_fails_catalogue"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "__main__.py").write_text(_FAILS, encoding="utf-8")
    monkeypatch.syspath_prepend(str(fresh / "lib"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(fresh / "lib"), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setattr(catalogue, "DLMS_HELPER", "smets_fails_catalogue")
    wide = {"check": [["1.0.1.8.0.255", 3]], "describe": ["x"], "rows": True}
    narrow = {"check": [], "describe": ["x"], "rows": True}
    catalogue.start_early("smets_fails_catalogue", "pytest", wide, covers=(narrow,))
    assert isinstance(catalogue._EARLY[("smets_fails_catalogue", json.dumps(narrow))], catalogue._Covered)
    assert catalogue._run("smets_fails_catalogue", narrow) == {"check": [], "describe": ["x"], "alone": True}
    with pytest.raises(catalogue.CatalogueError, match="exit 5"):
        catalogue._run("smets_fails_catalogue", wide)
