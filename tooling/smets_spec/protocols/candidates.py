"""Candidate standard objects for a data item, each with the rule that matched.

Two kinds of rule, both run against the catalogues' own tables (nothing here names an OBIS
code or a ZigBee id):

* **quantity** (DLMS/COSEM, electricity): the item's unit, import/export and phase against
  gurux-dlms's description of every ``1-0:C.D.0.255`` code with D = 7 (instantaneous value)
  or 8 (time integral 1), E = 0 (total) and F = 255 (current value);
* **name**: the item's title words against a catalogue row's description (DLMS/COSEM) or an
  attribute's name (ZigBee). :data:`TERMS` lists the few editorial readings that bridge GB
  wording and the catalogues' wording (for example a UTRN is a token); each is shown with the
  candidate, so a reviewer sees exactly why it was proposed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..corpus.schema import DataItem, DataType
from .catalogue import DlmsCatalogue, ObisRow, ZclAttribute, ZclCluster, ZigbeeCatalogue
from .quantities import Quantity, of_item, of_obis

#: the electricity codes whose gurux description is read for the quantity rule
PROBES: tuple[str, ...] = tuple(f"1-0:{c}.{d}.0.255" for c in range(1, 93) for d in (7, 8))
ELECTRICITY_DEVICES = frozenset({"DEV_ESME"})
GAS_DEVICES = frozenset({"DEV_GSME", "DEV_GPF"})
MAX_PER_RULE = 4
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "of",
        "or",
        "per",
        "at",
        "in",
        "to",
        "for",
        "by",
        "with",
        "its",
        "data",
        "total",
    ]
)

#: editorial readings: a phrase of a data item's title -> words a catalogue entry must contain
TERMS: tuple[tuple[str, str], ...] = (
    (r"\butrn\b|unique transaction reference", "token gateway"),
    (r"\btop-up log\b", "token credit history"),
    (r"\bclock\b|\blocal time\b", "clock object"),
    (r"\bdevice identifier\b", "device id"),
    (r"\bserial number\b", "device id 1 manufacturing number"),
    (r"\bsupply status\b", "disconnect control"),
    (r"\bsupply status\b", "supply status"),
    (r"\bhalf-hourly\b.*\bprofile\b", "load profile with recording period 1"),
    (r"\bbattery status\b", "remaining battery life"),
    (r"\bpayment mode\b", "account"),
    (r"\bemergency credit\b", "credit"),
    (r"\bdebt registers\b|\bdebt recovery\b|\btariff prices\b", "charge"),
    (r"\bdebt payment history\b", "charge collection history"),
    (r"\bsecurity credentials\b", "security setup"),
    (r"\balarm\b.*\bthreshold|\busage alarm\b", "register monitor"),
    (r"\bdemand\b", "instantaneous demand"),
    (r"\bconsumption and cost per period\b", "currentday consumption delivered"),
    (r"\bauxiliary switch state\b", "on off"),
    (r"\bbilling data log\b", "data of billing period"),
)


@dataclass(frozen=True)
class Candidate:
    protocol: str  # "dlms-cosem" or "zigbee-se"
    identity: str  # "1-0:3.8.0.255 class 3" or "0x0702/0x0000"
    po_id: str
    rule: str
    says: str  # what the catalogue says the object is
    evidence: str  # the mapping_source text an accepted mapping gets
    obis: str | None = None
    interface_class: int | None = None
    cluster: int | None = None
    attribute: int | None = None
    zcl_name: str | None = None
    zcl_type: str | None = None


def dlms_po_id(obis: str, ic: int) -> str:
    return "PO_DLMS_" + re.sub(r"[^0-9]+", "_", obis) + f"_C{ic}"


def zigbee_po_id(cluster: int, attribute: int) -> str:
    return f"PO_ZB_{cluster:04X}_{attribute:04X}"


def words(text: str) -> set[str]:
    out = set()
    for word in re.findall(r"[a-z0-9]+", re.sub(r"\([^)]*\)", " ", text.lower())):
        if word not in _STOP:
            out.add(word[:-1] if len(word) > 3 and word.endswith("s") else word)
    return out


@lru_cache(maxsize=8192)
def _words_of(text: str) -> frozenset[str]:
    return frozenset(words(text))


def _register_class(row: ObisRow) -> int | None:
    allowed = [int(c) for c in row.classes.split(",") if c.strip().isdigit()]
    return 3 if 3 in allowed else (allowed[0] if allowed else None)


def _dlms_candidate(obis: str, ic: int, rule: str, says: str, pattern: str, cat: DlmsCatalogue) -> Candidate:
    evidence = f"standard: IEC 62056-6-1 pattern {pattern} ({says}), class {ic}, via {cat.cite}"
    return Candidate("dlms-cosem", f"{obis} class {ic}", dlms_po_id(obis, ic), rule, says, evidence, obis, ic)


def by_quantity(item: DataItem, cat: DlmsCatalogue) -> list[Candidate]:
    """Electricity registers whose gurux description states the item's quantity."""
    if not ELECTRICITY_DEVICES & set(item.held_by) or item.data_type is not DataType.DECIMAL:
        return []
    want = of_item(item.title, item.unit)
    if want is None or (want.kind in {"active", "reactive", "apparent"} and want.direction is None):
        return []
    found = []
    for obis in PROBES:
        answer = cat.answers.get((obis, None))
        for row in answer.any_class if answer else ():
            got = of_obis(row.description)
            ic = _register_class(row)
            if got is not None and ic is not None and _same(got, want):
                rule = f"quantity: unit {item.unit} ({want.words()}) = catalogue '{row.description}'"
                found.append(_dlms_candidate(obis, ic, rule, row.description, row.pattern, cat))
                break
    return found


def _same(got: Quantity, want: Quantity) -> bool:
    return (got.kind, got.energy, got.direction, got.phase) == (
        want.kind,
        want.energy,
        want.direction,
        want.phase,
    )


def _media(item: DataItem) -> set[str]:
    """OBIS value group A values that fit the item: 0 (abstract), 1 electricity, 7 gas."""
    held = set(item.held_by)
    media = {"0"}
    if held & ELECTRICITY_DEVICES or not held & GAS_DEVICES:
        media.add("1")
    if held & GAS_DEVICES:
        media.add("7")
    return media


def _first_code(pattern: str, media: set[str]) -> str | None:
    """The lowest concrete code of a gurux pattern (``0.0-64.96.1.1-9.255`` -> ``0-0:96.1.1.255``),
    with value group A one of ``media``; None when the pattern is for another medium."""
    parts = pattern.split(".")
    if len(parts) != 6:
        return None
    a_values = [v for v in re.findall(r"\d+", parts[0]) if v in media]
    values = [re.match(r"\d+", part) for part in parts[1:]]
    if not a_values or any(v is None for v in values):
        return None
    b, c, d, e, f = (v.group(0) for v in values if v is not None)
    return f"{a_values[0]}-{b}:{c}.{d}.{e}.{f}"


@dataclass(frozen=True)
class Phrase:
    """Words a catalogue entry must contain; an editorial term must also begin the entry."""

    words: frozenset[str]
    how: str
    term: str | None = None

    def matches(self, text: str) -> bool:
        if self.term is not None:
            return _plain(text).startswith(self.term)
        return self.words <= _words_of(text.replace("_", " "))


@lru_cache(maxsize=8192)
def _plain(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("_", " ")))


class _Index:
    """Catalogue entries by word, so that a phrase is looked up, not compared with every entry."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.by_word: dict[str, set[int]] = {}
        for n, text in enumerate(texts):
            for word in _words_of(text.replace("_", " ")) | {(_plain(text).split() or [""])[0]}:
                self.by_word.setdefault(word, set()).add(n)

    def find(self, phrase: Phrase) -> list[int]:
        keys = [phrase.term.split()[0]] if phrase.term else sorted(phrase.words)
        if not keys:
            return []
        hits = set.intersection(*(self.by_word.get(k, set()) for k in keys))
        return [n for n in sorted(hits) if phrase.matches(self.texts[n])]


_INDEXES: dict[int, tuple[object, _Index]] = {}


def _index(cat: object, texts: list[str]) -> _Index:
    cached = _INDEXES.get(id(cat))
    if cached is None or cached[0] is not cat:
        cached = (cat, _Index(texts))
        _INDEXES[id(cat)] = cached
    return cached[1]


def _phrases(item: DataItem) -> list[Phrase]:
    """What a catalogue entry must say to be a candidate, each with how it was read.

    The title's own words count only when there are two or more (one word, such as
    "configuration", matches too much to mean anything); an editorial term of :data:`TERMS`
    must begin the catalogue's description or attribute name ("charge", not "battery charge").
    """
    title = item.title.lower()
    own = frozenset(words(item.title))
    out = [Phrase(own, f"name: all of '{' '.join(sorted(own))}'")] if len(own) > 1 else []
    for pattern, phrase in TERMS:
        if re.search(pattern, title):
            how = f"name (editorial term, see protocols.candidates.TERMS): '{phrase}'"
            out.append(Phrase(frozenset(words(phrase)), how, phrase))
    return out


def by_name_dlms(item: DataItem, cat: DlmsCatalogue) -> list[Candidate]:
    found: list[Candidate] = []
    index = _index(cat, [says for _, says in cat.named_rows])
    for phrase in _phrases(item):
        for n in index.find(phrase):
            row, says = cat.named_rows[n]
            obis = _first_code(row.pattern, _media(item))
            ic = next((int(c) for c in row.classes.split(",") if c.strip().isdigit()), None)
            if obis and ic is not None and not any(c.obis == obis for c in found):
                rule = f"{phrase.how} in catalogue '{says}'"
                found.append(_dlms_candidate(obis, ic, rule, says, row.pattern, cat))
    # an object whose interface class is named like the entry (class 70 "disconnect control") first
    found.sort(key=lambda c: cat.class_name(c.interface_class or 0) not in c.says.lower())
    return found[:MAX_PER_RULE]


_ATTRIBUTES: dict[int, tuple[ZigbeeCatalogue, list[tuple[ZclCluster, ZclAttribute]]]] = {}


def _se_attributes(cat: ZigbeeCatalogue) -> list[tuple[ZclCluster, ZclAttribute]]:
    """The attributes of the Smart Energy and general clusters (the ones a GB HAN device uses)."""
    cached = _ATTRIBUTES.get(id(cat))
    if cached is None or cached[0] is not cat:
        attrs = [
            (cluster, attr)
            for cluster in cat.clusters.values()
            if cluster.module.endswith((".smartenergy", ".general"))
            for attr in cluster.attributes.values()
        ]
        cached = (cat, attrs)
        _ATTRIBUTES[id(cat)] = cached
    return cached[1]


def by_name_zigbee(item: DataItem, cat: ZigbeeCatalogue) -> list[Candidate]:
    found: list[Candidate] = []
    attrs = _se_attributes(cat)
    index = _index(cat, [attr.name for _, attr in attrs])
    for phrase in _phrases(item):
        how = phrase.how
        for n in index.find(phrase):
            cluster, attr = attrs[n]
            if phrase.term is None or attr.name == phrase.term.replace(" ", "_"):
                ident = f"0x{cluster.id:04X}/0x{attr.id:04X}"
                says = f"{cluster.name} attribute {attr.name} ({attr.type})"
                evidence = (
                    f"standard: ZCL {says}, cluster 0x{cluster.id:04X} "
                    f"attribute 0x{attr.id:04X}, via {cat.cite}"
                )
                found.append(
                    Candidate(
                        "zigbee-se",
                        ident,
                        zigbee_po_id(cluster.id, attr.id),
                        f"{how} in zigpy name '{attr.name}'",
                        says,
                        evidence,
                        cluster=cluster.id,
                        attribute=attr.id,
                        zcl_name=attr.name,
                        zcl_type=attr.type,
                    )
                )
    return found[:MAX_PER_RULE]
