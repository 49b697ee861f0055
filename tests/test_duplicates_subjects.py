"""The overlap-of-subject rule (duplicates/subjects.py): titles naming the same rare subject."""

from __future__ import annotations

from smets_spec.corpus.diagnostics import Location
from smets_spec.duplicates.classify import Finding, Kind
from smets_spec.duplicates.items import Item, Source
from smets_spec.duplicates.scan import scan
from smets_spec.duplicates.subjects import read_title, subject_pairs, swapped_modifier

FILLER = [
    ("Tariff display", "The meter shall display the tariff in pence per kWh."),
    ("Alert forwarding", "The communications hub shall forward alerts to the DCC within 60 seconds."),
    ("Valve closure", "The gas meter shall close the valve on a command from the supplier."),
    ("Balance shown", "The in-home display shall show the account balance in pounds."),
    ("Voltage quality", "The electricity meter shall record voltage sags and swells."),
    ("Stored configuration", "The meter shall keep its configuration in non volatile memory."),
]


def _scan(*needs: tuple[str, str]) -> list[Finding]:
    items = [
        Item(f"R_{n:02d}", text, "requirements", "R", Location("r.rst", n), title)
        for n, (title, text) in enumerate(needs, 1)
    ]
    filler = [
        Item(f"F_{n:02d}", text, "requirements", "F", Location("f.rst", n), title)
        for n, (title, text) in enumerate(FILLER, 1)
    ]
    return scan(Source("test", {"requirements": items + filler}), terms=False).findings


def _kinds(findings: list[Finding]) -> dict[frozenset[str], Kind]:
    return {frozenset(f.ids): f.kind for f in findings}


PAIR = frozenset({"R_01", "R_02"})


def test_subject_phrases_end_at_the_head_and_skip_actions_and_actors() -> None:
    title = read_title("HAN interface firmware upgradeable remotely and locally")
    shown = {p.shown for p in title.phrases}
    assert "interface firmware upgradeable" in shown and "firmware upgradeable" in shown
    assert not any("remotely" in p for p in shown)  # a trailing adverb is not the head
    # "configuration of" is an action on what follows; "by authorised personnel" is the actor
    configured = {p.shown for p in read_title("Remote configuration of usage thresholds").phrases}
    assert configured == {"usage thresholds"}
    acted = {p.shown for p in read_title("Batteries exchangeable by authorised personnel").phrases}
    assert acted == {"Batteries exchangeable"}
    # the phrase is quoted as written (hyphen kept), compared by its stems
    # ("top-ups" alone is not a phrase: two words of three letters or more are needed)
    assert {p.shown for p in read_title("Registration of remote top-ups").phrases} == {"remote top-ups"}


def test_titles_sharing_a_rare_subject_are_an_overlap_quoting_the_titles() -> None:
    findings = _scan(
        ("Remote firmware upgrade", "The smart metering system shall enable remote firmware upgrades."),
        (
            "Firmware upgrade while metrology keeps working",
            "The smart metering system shall support firmware upgrades while maintaining normal "
            "metrology functionality.",
        ),
    )
    (finding,) = [f for f in findings if frozenset(f.ids) == PAIR]
    assert finding.kind is Kind.OVERLAP
    assert "'Remote firmware upgrade' / 'Firmware upgrade while metrology keeps working'" in finding.reason
    assert "same subject, 'firmware upgrade' ('Remote" in finding.reason
    assert "bind with 'shall'" in finding.reason and "overlaps what the other requires" in finding.reason
    assert "upgrad'" not in finding.reason  # words as written, never a stem


def test_a_named_thing_on_one_side_only_is_a_specialisation() -> None:
    findings = _scan(
        ("Remote firmware upgrade", "The smart metering system shall enable remote firmware upgrades."),
        (
            "HAN interface firmware upgradeable remotely",
            "The HAN interface firmware shall be remotely upgradeable.",
        ),
    )
    (finding,) = [f for f in findings if frozenset(f.ids) == PAIR]
    assert finding.kind is Kind.OVERLAP
    assert "only R_02's title names 'HAN'" in finding.reason


def test_a_parallel_variant_never_becomes_an_overlap() -> None:
    # the same subject for two named interfaces: HAN / WAN
    findings = _kinds(
        _scan(
            ("HAN firmware upgrade", "The HAN firmware shall be upgradeable without a site visit."),
            ("WAN firmware upgrade", "The WAN firmware shall be upgradeable without a site visit."),
        )
    )
    assert findings.get(PAIR) is Kind.PARALLEL
    # two modifiers of one head, each absent from the other title: two different subjects
    findings = _kinds(
        _scan(
            (
                "Approved algorithms for key generation",
                "Any algorithm used for key generation shall be approved by the security assessor.",
            ),
            (
                "Approved algorithms for token generation",
                "Cryptography in token generation shall be approved by an accredited laboratory.",
            ),
        )
    )
    assert findings.get(PAIR) is not Kind.OVERLAP
    key, token = read_title("Key generation"), read_title("Token generation")
    assert swapped_modifier(key, token) == ("key", "token")
    # the same subject of a different owner on each side (words before the shared phrase; no
    # modifier swap here since "control" is in both titles)
    findings = _kinds(
        _scan(
            (
                "Pump controller robust control loop",
                "The pump controller shall keep its control loop stable under a 20 % load step.",
            ),
            (
                "Valve robust control loop",
                "The valve control loop shall settle within 2 s after a set-point change.",
            ),
        )
    )
    assert findings.get(PAIR) is None


def test_different_strength_restriction_or_no_obligation_is_no_overlap() -> None:
    upgrade = ("Remote firmware upgrade", "The smart metering system shall enable remote firmware upgrades.")
    cases = [
        (
            "Firmware upgrade at night",
            "The supplier may schedule firmware upgrades between midnight and 4 am.",
        ),
        ("Only remote firmware upgrade", "The meter shall accept firmware images from the head end."),
    ]
    for other in cases:
        assert _kinds(_scan(upgrade, other)).get(PAIR) is None, other
    described = _kinds(
        _scan(
            ("Remote firmware upgrade", "Firmware images arrive over the wide area network."),
            ("Firmware upgrade log", "A record of each image applied, with its version and time."),
        )
    )
    assert described.get(PAIR) is None  # descriptions bind nothing: no overlap of obligations


def test_a_phrase_on_more_than_three_titles_names_a_family() -> None:
    needs = [
        ("Credit top-up on the keypad", "The meter shall accept a top-up code entered on its keypad."),
        ("Credit top-up over the WAN", "The head end shall send top-ups to the meter over the WAN."),
        ("Credit top-up in the history", "The meter shall keep the last twenty top-ups with their times."),
        (
            "Credit top-up to the display",
            "The in-home display shall confirm each accepted top-up to the consumer.",
        ),
    ]
    findings = _scan(*needs)
    assert not [f for f in findings if f.kind is Kind.OVERLAP and "same subject" in f.reason]
    assert subject_pairs([t for t, _ in needs]) == {}
    assert set(subject_pairs([t for t, _ in needs], cap=4)) >= {(0, 1), (2, 3)}


def test_a_circumstance_or_two_differently_qualified_cases_are_not_one_subject() -> None:
    # the shared phrase stands in a prepositional phrase on both sides: a circumstance
    findings = _kinds(
        _scan(
            (
                "Log flush from interrupt context",
                "The logger shall copy its buffer to flash when called by an interrupt service routine.",
            ),
            (
                "Timer callbacks in interrupt context",
                "Timer expiry callbacks shall run with interrupts masked.",
            ),
        )
    )
    assert findings.get(PAIR) is None
    taken = ("Semaphore take", "The kernel shall let a thread take a semaphore.")
    zero = (
        "Semaphore take with a zero count",
        "While the count is zero, a thread taking the semaphore shall wait until another thread gives it.",
    )
    positive = (
        "Semaphore take with a count above zero",
        "While the count is positive, a thread taking the semaphore shall decrement the count and go on.",
    )
    # each title qualifies the shared phrase in its own way: two cases, not one subject
    assert _kinds(_scan(positive, zero)).get(PAIR) is not Kind.OVERLAP
    # the general requirement and one qualified case of it: an overlap
    assert _kinds(_scan(taken, zero)).get(PAIR) is Kind.OVERLAP


def test_a_parallel_of_named_things_in_the_bodies_stays_parallel() -> None:
    # the titles share a subject and name nothing; the bodies differ in HAN / WAN on both sides
    findings = _scan(
        ("Acknowledged signal delivery", "The HAN interface shall acknowledge every signal it delivers."),
        ("Signal delivery with retries", "The WAN interface shall acknowledge every signal it delivers."),
    )
    (finding,) = [f for f in findings if frozenset(f.ids) == PAIR]
    assert finding.kind is Kind.PARALLEL and "HAN / WAN" in finding.reason
