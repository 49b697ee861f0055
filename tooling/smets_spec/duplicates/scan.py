"""Scan a source: every group's similar pairs classified, the time-basis rule, terminology."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from .across import BOILERPLATE, across_types, pair_cosine, profiler, same_titles
from .classify import EDITED, Finding, Kind, Thresholds, classify, time_basis
from .contrasts import learned_contrasts, slots, swaps, varied
from .features import Names
from .index import Collection, Doc, candidate_pairs, cosine
from .items import Item, Source
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


def _time_basis(docs: Sequence[Doc], seen: set[tuple[str, str]]) -> list[Finding]:
    """A requirement that puts every time on UTC conflicts with one that shows local time."""

    def basis(doc: Doc) -> str:
        return time_basis({t.key for t in doc.tokens if t.role is Role.TIME_BASIS})

    mentions = re.compile(r"\butc\b|\blocal time\b|\bbst\b", re.I)
    docs = [d for d in docs if mentions.search(d.item.text)]
    universal = [
        d
        for d in docs
        if basis(d) == "UTC"
        and {t.text.lower() for t in d.tokens} & UNIVERSAL
        and {t.key for t in d.tokens} & TIME_WORDS
    ]
    local = [d for d in docs if basis(d) == "local time"] if universal else []
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
    reps, copies, common = _exact_groups(items)
    exact = {"cosine": 1.0, "containment": 1.0, "pattern": 1.0, "core": 1.0}
    findings = [Finding(Kind.DUPLICATE, a, b, 1.0, "identical text", exact) for a, b in copies]
    coll = Collection.build(reps)
    seen: set[tuple[str, str]] = set()
    count = 0
    profile_of = profiler(names)

    pairs = list(candidate_pairs(coll, th.candidate_cosine, th.overlap, th.overlap_length))
    swapped_names: set[tuple[str, str]] = set()
    found = swaps(coll.docs, pairs, swapped_names)
    learned, slot, vary = learned_contrasts(found, coll.df, swapped_names), slots(found), varied(found)
    if learned or slot or vary:
        names = replace(
            names, learned={**names.learned, **learned}, slots=names.slots | slot, varied=names.varied | vary
        )
    for i, j in pairs:
        count += 1
        finding = classify(coll.docs[i], coll.docs[j], coll, profile_of, names, th)
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
    findings.extend(_time_basis(coll.docs, seen))
    return findings, count


def scan(source: Source, th: Thresholds | None = None, terms: bool = True) -> Scan:
    """Classify the similar pairs of every group of ``source`` and check its terminology."""
    th = th or Thresholds()
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
