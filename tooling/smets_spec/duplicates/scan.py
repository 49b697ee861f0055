"""Scan a source: every group's similar pairs classified, the time-basis rule, terminology."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..forking import no_gc
from .across import BOILERPLATE, across_types, pair_cosine, profiler, same_titles
from .classify import EDITED, Finding, Kind, Thresholds, classify, time_basis
from .contrasts import learned_contrasts, slots, swaps, varied
from .features import Names
from .incremental import Kept, Paired, kept_of, pair_up, quick
from .index import Collection, Doc, cosine
from .items import Item, Source
from .records import finding_of, record_of
from .subjects import subject_findings
from .terms import TermFinding, terminology
from .text import Role, fold, normalised, stem, tokenize

UNIVERSAL = frozenset({"all", "any", "every", "always"})
TIME_WORDS = frozenset({"time", "timestamp", "date", "clock", "datetim"})


@dataclass
class Scan:
    source: Source
    findings: list[Finding] = field(default_factory=list)
    terms: list[TermFinding] = field(default_factory=list)
    compared: dict[str, int] = field(default_factory=dict)  # group -> items
    candidates: int = 0


def names_of(source: Source) -> Names:
    """Glossary phrases and abbreviation expansions of the source."""
    names = Names()
    for entry in source.glossary:
        for phrase in (entry.term, *entry.synonyms):
            names.add_phrase([t.text for t in tokenize(phrase) if t.role is not Role.PUNCT])
        if entry.abbreviation:
            words = frozenset(t.key for t in tokenize(entry.term) if t.role is Role.CONTENT)
            if words:
                names.expansions[stem(entry.abbreviation)] = words
                names.expansions[fold(entry.abbreviation)] = words
    return names


def _exact_groups(items: Sequence[Item]) -> tuple[list[Item], list[tuple[Item, Item]], frozenset[str]]:
    """Representatives of identical texts, (representative, copy) pairs, and the boilerplate texts
    (written word for word on more than BOILERPLATE items; their copies are left out)."""
    first: dict[str, Item] = {}
    groups: dict[str, list[Item]] = {}
    for item in items:
        key = normalised(item.text).lower()
        if key in first:
            groups[key].append(item)
        else:
            first[key] = item
            groups[key] = [item]
    common = frozenset(key for key, same in groups.items() if len(same) > BOILERPLATE)
    copies = [(same[0], copy) for key, same in groups.items() if key not in common for copy in same[1:]]
    return list(first.values()), copies, common


def _time_basis(coll: Collection, seen: set[tuple[str, str]]) -> list[Finding]:
    """A requirement that puts every time on UTC conflicts with one that shows local time."""

    def basis(doc: Doc) -> str:
        return time_basis({t.key for t in doc.tokens if t.role is Role.TIME_BASIS})

    docs = [coll.docs[n] for n, item in enumerate(coll.items) if _MENTIONS.search(item.text)]
    universal = [
        d
        for d in docs
        if basis(d) == "UTC"
        and {t.text.lower() for t in d.tokens} & UNIVERSAL
        and {t.key for t in d.tokens} & TIME_WORDS
    ]
    local = [d for d in docs if basis(d) == "local time"] if universal else []
    return _conflicts(universal, local, seen)


_MENTIONS = re.compile(r"\butc\b|\blocal time\b|\bbst\b", re.I)
#: what the time-basis rule reads of a text (:func:`_basis_facts`), kept by the text's signature
BASIS = "basis"


def _basis_facts(text: str) -> list[Any]:
    """[basis, universal] of a text that mentions a time basis: its basis ("UTC", "local time" or
    "") and whether it says every time (a universal word and a time word): a function of
    ``tokenize(text)``, the tokens of the text's document, only."""
    tokens = tokenize(text)
    found = time_basis({t.key for t in tokens if t.role is Role.TIME_BASIS})
    universal = bool({t.text.lower() for t in tokens} & UNIVERSAL and {t.key for t in tokens} & TIME_WORDS)
    return [found, universal]


def _time_basis_kept(
    coll: Collection, seen: set[tuple[str, str]], sigs: Sequence[str], kept: object
) -> tuple[list[Finding], dict[str, list[Any]]]:
    """:func:`_time_basis`, each text's facts taken from ``kept`` (by signature: the facts of the
    same text) or read from its tokens; a document is built only for the pairs reported. The
    facts to keep, of the texts that mention a time basis."""
    old = kept if isinstance(kept, dict) else {}
    facts: dict[str, list[Any]] = {}
    universal: list[int] = []
    local: list[int] = []
    for n, item in enumerate(coll.items):
        if not _MENTIONS.search(item.text):
            continue
        sig = sigs[n]
        fact = old.get(sig)
        if not (
            isinstance(fact, list) and len(fact) == 2 and isinstance(fact[0], str) and type(fact[1]) is bool
        ):
            fact = _basis_facts(item.text)
        facts[sig] = fact
        if fact[0] == "UTC" and fact[1]:
            universal.append(n)
        elif fact[0] == "local time":
            local.append(n)
    if not universal:
        local = []
    docs = coll.docs
    return _conflicts([docs[n] for n in universal], [docs[n] for n in local], seen), facts


def _conflicts(universal: list[Doc], local: list[Doc], seen: set[tuple[str, str]]) -> list[Finding]:
    out: list[Finding] = []
    for u in universal:
        for other in local:
            pair = (u.item.id, other.item.id)
            if pair in seen or pair[::-1] in seen:
                continue
            seen.add(pair)
            reason = (
                f"{u.item.id} puts all times on UTC; {other.item.id} requires local time "
                "(time basis differs: UTC vs local time)"
            )
            scores = {"cosine": round(cosine(u, other), 3), "containment": 0.0, "pattern": 0.0, "core": 0.0}
            signals = ("time basis differs: UTC vs local time",)
            out.append(Finding(Kind.CONFLICT, u.item, other.item, 1.0, reason, scores, signals))
    return out


def scan_group(items: Sequence[Item], names: Names, th: Thresholds) -> tuple[list[Finding], int]:
    """Findings among the items of one group, and the number of candidate pairs verified."""
    findings, count, _ = scan_group_kept(items, names, th, None)
    return findings, count


def _swaps(
    paired: Paired, records: dict[tuple[int, int], Any]
) -> tuple[Counter[tuple[str, str]], set[tuple[str, str]]]:
    """Every pair's one-word swaps (kept ones reused), each pair's swaps and names in ``records``."""
    found: Counter[tuple[str, str]] = Counter()
    swapped_names: set[tuple[str, str]] = set()
    docs = paired.coll.docs
    for pair in paired.pairs:
        if pair in paired.reused:
            record = paired.reused[pair] or {}
            pair_swaps = {(x, y) for x, y in record.get("swaps", ())}
            pair_names = {(x, y) for x, y in record.get("names", ())}
        else:
            pair_names = set()
            pair_swaps = set(swaps(docs, [pair], pair_names))
        found.update(pair_swaps)
        swapped_names |= pair_names
        if pair_swaps or pair_names:
            # as JSON reads them back (lists), so an unchanged state compares equal and is not rewritten
            records[pair] = {
                "swaps": [list(p) for p in sorted(pair_swaps)],
                "names": [list(p) for p in sorted(pair_names)],
            }
    return found, swapped_names


def _learned(names: Names) -> list[Any]:
    """The learned part of ``names`` as plain, ordered data (to compare with the kept state)."""
    return [
        sorted([k, sorted(v)] for k, v in names.learned.items()),
        sorted(names.slots),
        sorted(names.varied),
    ]


def scan_group_kept(
    items: Sequence[Item], names: Names, th: Thresholds, kept: Kept | None
) -> tuple[list[Finding], int, Kept]:
    """:func:`scan_group`, reusing the pairs of ``kept`` (the state of an earlier run) that provably
    did not change (incremental.py), and the state to keep for the next run."""
    reps, copies, common = _exact_groups(items)
    exact = {"cosine": 1.0, "containment": 1.0, "pattern": 1.0, "core": 1.0}
    findings = [Finding(Kind.DUPLICATE, a, b, 1.0, "identical text", exact) for a, b in copies]
    paired = pair_up(reps, kept, (th.candidate_cosine, th.overlap, th.overlap_length))
    coll = paired.coll
    profile_of = profiler(names)
    records: dict[tuple[int, int], Any] = {}
    found, swapped_names = _swaps(paired, records)
    learned, slot, vary = learned_contrasts(found, coll.df, swapped_names), slots(found), varied(found)
    if learned or slot or vary:
        names = replace(
            names, learned={**names.learned, **learned}, slots=names.slots | slot, varied=names.varied | vary
        )
    same_names = kept is not None and not paired.full and kept.extra.get("learned") == _learned(names)
    by_id = {item.id: item for item in reps}
    seen: set[tuple[str, str]] = set()
    for i, j in paired.pairs:
        record = paired.reused.get((i, j)) if same_names else None
        if same_names and (i, j) in paired.reused:
            finding = finding_of(record["finding"], by_id) if record and record.get("finding") else None
        else:
            finding = classify(coll.docs[i], coll.docs[j], coll, profile_of, names, th)
        if finding is not None:
            records.setdefault((i, j), {})["finding"] = record_of(finding)
        if finding is not None and not (
            {normalised(finding.a.text).lower(), normalised(finding.b.text).lower()} & common
        ):
            findings.append(finding)
            seen.add(finding.ids)
    by_pair = {frozenset(f.ids): f for f in findings if EDITED not in f.signals}  # those stay parallel
    edited = {frozenset(f.ids) for f in findings if EDITED in f.signals}
    for replaced, overlap in subject_findings(coll, names, by_pair, profile_of):
        if frozenset(overlap.ids) in edited:
            continue
        if replaced is not None:
            findings.remove(replaced)
        findings.append(overlap)
        seen.add(overlap.ids)
    facts: dict[str, list[Any]] | None = None
    if quick():
        conflicts, facts = _time_basis_kept(coll, seen, paired.sigs, kept.extra.get(BASIS) if kept else None)
        findings.extend(conflicts)
    else:
        findings.extend(_time_basis(coll, seen))
    state = kept_of(paired, reps, records)
    state.extra["learned"] = _learned(names)
    if facts is not None:
        state.extra[BASIS] = facts
    return findings, len(paired.pairs), state


def scan(source: Source, th: Thresholds | None = None, terms: bool = True) -> Scan:
    """Classify the similar pairs of every group of ``source`` and check its terminology."""
    with no_gc():
        return _scan(source, th or Thresholds(), terms)


def _scan(source: Source, th: Thresholds, terms: bool) -> Scan:
    names = names_of(source)
    result = Scan(source)
    for group, items in source.groups.items():
        found, count = scan_group(items, names, th)
        result.findings.extend(found)
        result.compared[group] = len(items)
        result.candidates += count
    seen = {frozenset(f.ids) for f in result.findings}
    result.findings.extend(across_types(source, names, th, seen))
    result.findings.extend(same_titles(source, seen, pair_cosine(source.items())))
    order = {kind: n for n, kind in enumerate(Kind)}
    result.findings.sort(key=lambda f: (order[f.kind], -f.score, f.a.id, f.b.id))
    if terms:
        result.terms = terminology(source)
    return result
