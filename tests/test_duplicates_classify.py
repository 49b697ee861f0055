"""The duplicate analysis on small hand-written groups: each class, the reasons and the marked words."""

from __future__ import annotations

from smets_spec.corpus.diagnostics import Location
from smets_spec.duplicates.classify import Finding, Kind, highlight
from smets_spec.duplicates.items import Item, Source
from smets_spec.duplicates.scan import scan
from smets_spec.duplicates.text import Role, spans, tokenize

FILLER = [
    "The meter shall display the tariff in pence per kWh.",
    "The communications hub shall forward alerts to the DCC within 60 seconds.",
    "The gas meter shall close the valve on a command from the supplier.",
    "The in-home display shall show the account balance in pounds.",
    "The electricity meter shall record voltage sags and swells.",
    "The meter shall keep its configuration in non volatile memory.",
]


def _scan(*texts: str) -> list[Finding]:
    items = [Item(f"R.{n:02d}", t, "requirements", "R", Location("r.rst", n)) for n, t in enumerate(texts, 1)]
    filler = [
        Item(f"F.{n:02d}", t, "requirements", "F", Location("f.rst", n)) for n, t in enumerate(FILLER, 1)
    ]
    return scan(Source("test", {"requirements": items + filler}), terms=False).findings


def _kinds(findings: list[Finding]) -> dict[frozenset[str], Kind]:
    return {frozenset(f.ids): f.kind for f in findings}


def test_tokens_know_units_identifiers_and_time_basis() -> None:
    tokens = tokenize("Store the last 10 entries of register 12 within 0.6W; show local time, not UTC.")
    roles = {t.text: t.role for t in tokens}
    assert roles["10"] is Role.NUMBER  # counts entries
    assert (
        roles["12"] is Role.CONTENT and next(t for t in tokens if t.text == "12").acronym
    )  # names a register
    assert roles["W"] is Role.UNIT and roles["0.6"] is Role.NUMBER
    assert next(t for t in tokens if t.text == "local").key == "local-time"
    assert roles["UTC"] is Role.TIME_BASIS and roles["not"] is Role.NEGATION
    text = "The HAN (real-time) shall be authorised; 30min."
    assert [text[s:e] for s, e in spans(text)] == [t.text for t in tokenize(text)]
    assert tokenize("authorised")[0].key == tokenize("authorized")[0].key


def test_paraphrase_is_a_duplicate_with_its_differing_words() -> None:
    findings = _scan(
        "The smart meter shall record the half-hourly import register every 30 minutes and keep it for "
        "13 months.",
        "Every 30 minutes, the smart meter shall capture the half-hourly import register and keep it for "
        "13 months.",
    )
    (finding,) = [f for f in findings if f.ids == ("R.01", "R.02")]
    assert finding.kind is Kind.DUPLICATE
    assert "record / capture" in finding.reason
    marked_a, marked_b = highlight(finding.a.text, finding.b.text)
    assert [finding.a.text[s:e] for s, e in marked_a] == ["record"]
    assert [finding.b.text[s:e] for s, e in marked_b] == ["capture"]


def test_parallel_variants_are_never_duplicates() -> None:
    kinds = _kinds(
        _scan(
            "The HAN interface shall be based on open and non proprietary standards.",
            "The WAN interface shall be based on open and non proprietary standards.",
            "The system shall support at least one total register for cumulative import kWh.",
            "The system shall support at least one total register for cumulative export kWh.",
            "The system shall support at least one total register for cumulative import kVarh.",
        )
    )
    assert kinds[frozenset({"R.01", "R.02"})] is Kind.PARALLEL
    assert kinds[frozenset({"R.03", "R.04"})] is Kind.PARALLEL
    assert kinds[frozenset({"R.03", "R.05"})] is Kind.PARALLEL
    assert Kind.DUPLICATE not in kinds.values()


def test_possible_conflicts_numbers_units_modal_negation() -> None:
    base = "The gas meter shall store the last 10 valve events with the date and time within 30 seconds."
    kinds = _kinds(
        _scan(
            base,
            base.replace("30 seconds", "60 seconds"),
            base.replace("shall", "may"),
            base.replace("shall", "shall not"),
            base.replace("30 seconds", "30 minutes"),
        )
    )
    for other in ("R.02", "R.03", "R.04", "R.05"):
        assert kinds[frozenset({"R.01", other})] is Kind.CONFLICT, other
    findings = _scan(base, base.replace("30 seconds", "30 minutes"))
    (unit,) = [f for f in findings if f.ids == ("R.01", "R.02")]
    assert unit.signals == ("units differ: '30 seconds' vs '30 minutes'",)


def test_different_fuel_with_different_interval_is_parallel_not_conflict() -> None:
    kinds = _kinds(
        _scan(
            "The system shall support capture of consumption and demand data at 5 second intervals.",
            "The system shall support capture of gas consumption data at 6 minute intervals.",
        )
    )
    assert kinds[frozenset({"R.01", "R.02"})] is Kind.PARALLEL


def test_short_requirement_inside_a_long_one_is_an_overlap() -> None:
    findings = _scan(
        "Any cryptographic algorithm relied upon for the security of the system shall be FIPS approved.",
        "Any random number generation algorithm for cryptographic key generation relied upon for the "
        "security of the system shall be FIPS approved.",
    )
    (finding,) = [f for f in findings if f.ids == ("R.01", "R.02")]
    assert finding.kind is Kind.OVERLAP and finding.score == 1.0


def test_universal_utc_conflicts_with_local_time_display() -> None:
    findings = _scan(
        "The smart metering system shall use UTC for all timing functions and timestamps.",
        "The smart metering system shall display local time unambiguously.",
        "The meter shall log every event with its date.",
    )
    conflicts = [f for f in findings if f.kind is Kind.CONFLICT]
    assert [(f.a.id, f.b.id) for f in conflicts] == [("R.01", "R.02")]
    assert "UTC vs local time" in conflicts[0].reason


def test_identical_texts_within_and_across_need_types() -> None:
    """Identical bodies are duplicates in one group and across groups (the types are named); only the
    word-for-word and near-identical cases cross groups, not the looser classes."""
    text = "The meter shall display the credit balance."
    items = [
        Item("A.1", text, "requirements", "A", Location("a.rst", 1), kind="requirement"),
        Item("A.2", text, "requirements", "A", Location("a.rst", 5), kind="requirement"),
        Item("D_1", text, "data items", "data", Location("d.rst", 1), kind="data item"),
        Item("D_2", "The meter shall display the debt balance.", "data items", "data", Location("d.rst", 9)),
    ]
    findings = scan(Source("t", {"requirements": items[:2], "data items": items[2:]}), terms=False).findings
    assert [(f.kind, f.ids, f.reason) for f in findings] == [
        (Kind.DUPLICATE, ("A.1", "A.2"), "identical text"),
        (
            Kind.DUPLICATE,
            ("A.1", "D_1"),
            "identical text across need types (requirement A.1 / data item D_1)",
        ),
        (
            Kind.PARALLEL,
            ("D_1", "D_2"),
            "same sentence pattern (0.67) for a different subject: credit / debt",
        ),
    ]
