"""Every data item assessed against the protocols; every protocol object checked.

:func:`assess` is the one entry point: it asks the catalogue helpers once, checks the
protocol objects (:mod:`.checks`), finds candidates (:mod:`.candidates`) and gives each data
item one :class:`Kind`. The page, ``smets protocols`` and its JSON all read this result.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum

from ..corpus.cachedir import switched_off
from ..corpus.diagnostics import Diagnostic, Location, Rule, Severity
from ..corpus.load import Corpus
from ..corpus.needkeys import _canon
from ..corpus.schema import Assessment, DataItem, Evidence, Protocol, ProtocolObject
from ..corpus.usercache import digest, package_digest, read_regular_entry, write_entry
from . import candidates as cand
from .catalogue import (
    DLMS_DIST,
    DLMS_HELPER,
    ZIGBEE_DIST,
    ZIGBEE_HELPER,
    CatalogueError,
    DlmsCatalogue,
    ZigbeeCatalogue,
    dlms_request,
    load_zigbee,
    query_dlms,
    start_early,
    valid_obis,
)
from .checks import Finding, check_dlms, check_types, check_units, check_zigbee


class Kind(StrEnum):
    VERIFIED = "verified"
    SECONDARY = "secondary"
    STANDARD_MAPPED = "standard-mapped"
    STANDARD_OBJECT = "standard-object"
    NEEDS_EXTENSION = "needs-extension"
    LOCAL_ONLY = "local-only"
    NOT_ASSESSED = "not-assessed"


KIND_TEXT: dict[Kind, str] = {
    Kind.VERIFIED: "verified (GB evidence: DCC test vectors)",
    Kind.SECONDARY: "mapped from a secondary GB source",
    Kind.STANDARD_MAPPED: "mapped to a standard object (accepted)",
    Kind.STANDARD_OBJECT: "standard object exists (candidates, not yet accepted)",
    Kind.NEEDS_EXTENSION: "needs a GB extension",
    Kind.LOCAL_ONLY: "not carried by a protocol (local-only)",
    Kind.NOT_ASSESSED: "not yet assessed",
}
_FROM_EVIDENCE = {
    Evidence.VERIFIED: Kind.VERIFIED,
    Evidence.SECONDARY: Kind.SECONDARY,
    Evidence.STANDARD: Kind.STANDARD_MAPPED,
}


@dataclass
class ItemAssessment:
    item_id: str
    title: str
    kind: Kind
    why: str
    devices: tuple[str, ...]
    sections: tuple[str, ...]
    candidates: list[cand.Candidate] = field(default_factory=list)


@dataclass
class Result:
    items: list[ItemAssessment]
    findings: list[Finding]
    diagnostics: list[Diagnostic]
    catalogues: dict[str, str | None]

    def counts(self) -> dict[str, int]:
        found = Counter(a.kind.value for a in self.items)
        return {k.value: found.get(k.value, 0) for k in Kind}

    def by(self, attribute: str) -> dict[str, dict[str, int]]:
        """Counts of each kind per device (``devices``) or per requirement section (``sections``)."""
        table: dict[str, Counter[str]] = {}
        for a in self.items:
            for key in getattr(a, attribute) or ("(none)",):
                table.setdefault(key, Counter())[a.kind.value] += 1
        return {k: {kind.value: v.get(kind.value, 0) for kind in Kind} for k, v in sorted(table.items())}

    def to_json(self) -> dict[str, object]:
        return {
            "catalogues": self.catalogues,
            "counts": self.counts(),
            "total": len(self.items),
            "by_device": self.by("devices"),
            "by_section": self.by("sections"),
            "items": [
                {
                    "id": a.item_id,
                    "title": a.title,
                    "assessment": a.kind.value,
                    "why": a.why,
                    "candidates": [
                        {
                            "po_id": c.po_id,
                            "protocol": c.protocol,
                            "identity": c.identity,
                            "rule": c.rule,
                            "catalogue": c.says,
                            "evidence": c.evidence,
                        }
                        for c in a.candidates
                    ],
                }
                for a in self.items
            ],
            "objects": [
                {"id": f.po_id, "protocol": f.protocol, "status": f.status, "catalogue": f.says}
                for f in self.findings
            ],
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }


def _catalogues(
    corpus: Corpus, notes: list[Diagnostic], with_checks: bool
) -> tuple[DlmsCatalogue | None, ZigbeeCatalogue | None]:
    where = Location(str(corpus.source or "spec") + "/protocol")
    objects = corpus.of_type(ProtocolObject) if with_checks else []
    checks = [
        (o.obis, o.interface_class)
        for o in objects
        if o.obis and o.interface_class is not None and valid_obis(o.obis)
    ]
    dlms = zigbee = None
    try:
        dlms = query_dlms(checks, list(cand.PROBES))
    except CatalogueError as exc:
        notes.append(
            Diagnostic(where, Severity.ERROR, str(exc), Rule.PROTOCOL_CATALOGUE, "reinstall the 'dlms' extra")
        )
    try:
        zigbee = load_zigbee()
    except CatalogueError as exc:
        notes.append(
            Diagnostic(
                where, Severity.ERROR, str(exc), Rule.PROTOCOL_CATALOGUE, "reinstall the 'zigbee' extra"
            )
        )
    for dist, extra, got, what in (
        (DLMS_DIST, "dlms", dlms, "DLMS/COSEM"),
        (ZIGBEE_DIST, "zigbee", zigbee, "ZigBee SE"),
    ):
        if got is None and not any(dist in n.message for n in notes):
            notes.append(
                Diagnostic(
                    where,
                    Severity.NOTE,
                    f"{dist} is not installed: {what} catalogue checks and candidates skipped",
                    Rule.PROTOCOL_CATALOGUE,
                    f"pip install 'smets-spec[{extra}]'",
                )
            )
    return dlms, zigbee


def check_objects(
    corpus: Corpus, dlms: DlmsCatalogue | None, zigbee: ZigbeeCatalogue | None
) -> tuple[list[Finding], list[Diagnostic]]:
    findings: list[Finding] = []
    diags: list[Diagnostic] = []
    for obj in corpus.of_type(ProtocolObject):
        protocol = obj.protocol.value if obj.protocol else ""
        found = None
        if obj.protocol is Protocol.DLMS_COSEM and obj.obis and obj.interface_class is not None:
            found = check_dlms(corpus, obj, dlms) if dlms else None
        elif obj.protocol is Protocol.ZIGBEE_SE and obj.cluster and obj.attribute:
            found = check_zigbee(corpus, obj, zigbee) if zigbee else None
        elif obj.protocol is Protocol.GBCS:
            found = (Finding(obj.id, protocol, "n/a", "GBCS use case: no catalogue library lists them"), [])
        else:
            found = (Finding(obj.id, protocol, "unchecked", "lacks the fields a catalogue check needs"), [])
        if found is None:
            findings.append(Finding(obj.id, protocol, "unchecked", "catalogue not available (see the note)"))
            continue
        findings.append(found[0])
        diags.extend(found[1])
    diags.extend(check_units(corpus, dlms, zigbee))
    diags.extend(check_types(corpus, zigbee))
    return findings, diags


def _candidates(
    item: DataItem, dlms: DlmsCatalogue | None, zigbee: ZigbeeCatalogue | None
) -> list[cand.Candidate]:
    out: list[cand.Candidate] = []
    if dlms is not None:
        out += cand.by_quantity(item, dlms) or cand.by_name_dlms(item, dlms)
    if zigbee is not None:
        out += cand.by_name_zigbee(item, zigbee)
    return out


#: the user-cache kind of the kept candidates (one entry per code and pair of catalogues)
KEPT_KIND = "assess-candidates"
_KEPT_FORMAT = "1"
_FIELDS = {f.name: f.type for f in fields(cand.Candidate)}
_OPTIONAL_INT = ("interface_class", "cluster", "attribute")


def _candidate(value: object) -> cand.Candidate:
    """A kept candidate read back; ValueError for anything that is not exactly one."""
    if not isinstance(value, dict) or set(value) != set(_FIELDS):
        raise ValueError("not a candidate")
    for name, got in value.items():
        if name in _OPTIONAL_INT:
            ok = got is None or (type(got) is int)
        elif name in ("obis", "zcl_name", "zcl_type"):
            ok = got is None or type(got) is str
        else:
            ok = type(got) is str
        if not ok:
            raise ValueError("a candidate field of the wrong type")
    return cand.Candidate(**value)


class _Kept:
    """Each data item's candidates as the last run with the same code and catalogues found them
    (the user cache, JSON checked on read), by a digest of the item's every field: the candidates
    are a function of the item and the two catalogues only. ``SMETS_ASSESS_CACHE=off``: none kept."""

    def __init__(self, dlms: DlmsCatalogue | None, zigbee: ZigbeeCatalogue | None) -> None:
        self.key = digest([_KEPT_FORMAT, package_digest(), repr(dlms), repr(zigbee)])
        self.old: dict[str, object] = {}
        stored = read_regular_entry(KEPT_KIND, self.key)
        if isinstance(stored, dict):
            self.old = stored
        self.new: dict[str, list[dict[str, object]]] = {}
        self.hits = 0

    def candidates(
        self, item: DataItem, dlms: DlmsCatalogue | None, zigbee: ZigbeeCatalogue | None
    ) -> list[cand.Candidate]:
        key = digest([type(item).__name__, _canon(dict(item))])
        found: list[cand.Candidate] | None = None
        stored = self.old.get(key)
        if isinstance(stored, list):
            try:
                found = [_candidate(c) for c in stored]
                self.hits += 1
            except (ValueError, TypeError):
                found = None
        if found is None:
            found = _candidates(item, dlms, zigbee)
        self.new[key] = [asdict(c) for c in found]
        return found

    def save(self) -> None:
        if self.new != self.old:
            write_entry(KEPT_KIND, self.key, self.new)


def _kind(
    corpus: Corpus, item: DataItem, found: list[cand.Candidate], diags: list[Diagnostic], catalogued: bool
) -> tuple[Kind, str]:
    if item.maps_to:
        kind = _FROM_EVIDENCE.get(item.mapping_evidence or Evidence.SECONDARY, Kind.SECONDARY)
        return kind, item.mapping_source or ""
    note = item.assessment_note or ""
    if item.assessment is Assessment.LOCAL_ONLY:
        return Kind.LOCAL_ONLY, note
    if item.assessment is Assessment.NEEDS_EXTENSION:
        if found:
            diags.append(
                Diagnostic(
                    corpus.location(item.id, "assessment"),
                    Severity.WARNING,
                    f"data item '{item.id}' is assessed needs-extension, but the "
                    f"catalogues offer {found[0].identity} ({found[0].says})",
                    Rule.PROTOCOL_ASSESSMENT,
                    "review the candidates (smets protocols), then accept one or say why none fits",
                )
            )
        return Kind.NEEDS_EXTENSION, note
    if found:
        return Kind.STANDARD_OBJECT, note or f"{len(found)} candidate(s) from the catalogues"
    if item.assessment is Assessment.STANDARD_OBJECT:
        if catalogued:
            diags.append(
                Diagnostic(
                    corpus.location(item.id, "assessment"),
                    Severity.WARNING,
                    f"data item '{item.id}' is assessed standard-object, but the "
                    "installed catalogues offer no candidate",
                    Rule.PROTOCOL_ASSESSMENT,
                    "name the standard object in ':assessment_note:', or reassess the item",
                )
            )
        return Kind.STANDARD_OBJECT, note
    return (
        Kind.NOT_ASSESSED,
        "no mapping, no candidate from the installed catalogues, no reviewer's assessment",
    )


def assess(corpus: Corpus, checks: bool = True) -> Result:
    """The assessment of every data item; with ``checks``, every protocol object checked too
    (the costly part on a large corpus: one catalogue query per distinct OBIS code)."""
    diags: list[Diagnostic] = []
    dlms, zigbee = _catalogues(corpus, diags, checks)
    findings: list[Finding] = []
    if checks:
        findings, object_diags = check_objects(corpus, dlms, zigbee)
        diags += object_diags
    sections: dict[str, set[str]] = {}
    for req in corpus.requirements:
        for used in req.uses:
            if req.section:
                sections.setdefault(used, set()).add(req.section.value)
    items = []
    kept = None if switched_off("SMETS_ASSESS_CACHE") else _Kept(dlms, zigbee)
    for item in corpus.of_type(DataItem):
        if item.maps_to:
            found = []
        elif kept is not None:
            found = kept.candidates(item, dlms, zigbee)
        else:
            found = _candidates(item, dlms, zigbee)
        kind, why = _kind(corpus, item, found, diags, dlms is not None and zigbee is not None)
        items.append(
            ItemAssessment(
                item.id,
                item.title,
                kind,
                why,
                tuple(item.held_by),
                tuple(sorted(sections.get(item.id, ()))),
                found,
            )
        )
    if kept is not None:
        kept.save()
    versions = {DLMS_DIST: dlms.version if dlms else None, ZIGBEE_DIST: zigbee.version if zigbee else None}
    return Result(items, findings, diags, versions)


_CACHE: dict[tuple[int, bool], tuple[Corpus, Result]] = {}


def checks_request(corpus: Corpus) -> dict[str, object]:
    """The question ``assessment_of(corpus, checks=True)`` asks the DLMS/COSEM helper (as
    :func:`_catalogues` and ``catalogue.query_dlms`` make it)."""
    check = [
        (o.obis, o.interface_class)
        for o in corpus.of_type(ProtocolObject)
        if o.obis and o.interface_class is not None and valid_obis(o.obis)
    ]
    return dlms_request(tuple(sorted(set(check))), tuple(sorted(set(cand.PROBES))))


def start_helpers_early(corpus: Corpus | None = None) -> None:
    """Start the catalogue helpers :func:`assessment_of` without checks asks (the cards' question,
    the same for every corpus) when their answers are not cached, to run beside the caller's work
    (a build reading every page: Sphinx's start-up) until it asks. With the ``corpus``, the DLMS/COSEM
    helper is started with the checks' question (the assessment pages'), which covers the cards'
    (the same codes described, the same table): one run answers both (``SMETS_DLMS_COVER=off``:
    one each)."""
    cards = dlms_request((), tuple(sorted(set(cand.PROBES))))
    if corpus is not None:
        start_early(DLMS_HELPER, DLMS_DIST, checks_request(corpus), covers=(cards,))
    start_early(DLMS_HELPER, DLMS_DIST, cards)  # nothing when covered, started or cached
    start_early(ZIGBEE_HELPER, ZIGBEE_DIST, None)


def assessment_of(corpus: Corpus, checks: bool = False) -> Result:
    """:func:`assess`, once per corpus (the site's pages and cards share one run of the helpers).

    Cards and tables need only the items' assessments (``checks=False``: the catalogue part of
    that is the same for every corpus and cached); the assessment page also checks the objects.
    """
    key = (id(corpus), checks)
    cached = _CACHE.get(key)
    if cached is None or cached[0] is not corpus:
        for old in [k for k, v in _CACHE.items() if v[0] is not corpus]:
            del _CACHE[old]
        cached = (corpus, assess(corpus, checks))
        _CACHE[key] = cached
    return cached[1]
