"""Scan a source: every group's pairs classified, plus the time-basis rule and terminology."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .classify import Finding, Kind, Thresholds, classify, marks, time_basis
from .features import Names, Profile, profile
from .index import Collection, Doc, candidate_pairs, cosine
from .items import Item, Source
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
        phrases = [entry.term, *entry.synonyms]
        for phrase in phrases:
            names.add_phrase([t.text for t in tokenize(phrase)])
        if entry.abbreviation:
            words = frozenset(t.key for t in tokenize(entry.term) if t.role is Role.CONTENT)
            if words:
                names.expansions[stem(entry.abbreviation)] = words
                names.expansions[fold(entry.abbreviation)] = words
    return names


def _exact_groups(items: Sequence[Item]) -> tuple[list[Item], list[tuple[Item, Item]]]:
    """Representatives of identical texts, and (representative, copy) pairs."""
    first: dict[str, Item] = {}
    copies: list[tuple[Item, Item]] = []
    for item in items:
        key = normalised(item.text).lower()
        if key in first:
            copies.append((first[key], item))
        else:
            first[key] = item
    return list(first.values()), copies


def _time_basis(docs: Sequence[Doc], seen: set[tuple[str, str]]) -> list[Finding]:
    """A requirement that puts every time on UTC conflicts with one that shows local time."""

    def keys(doc: Doc, role: Role) -> set[str]:
        return {t.key for t in doc.tokens if t.role is role}

    universal = [d for d in docs if time_basis(keys(d, Role.TIME_BASIS)) == "UTC"
                 and {t.text.lower() for t in d.tokens} & UNIVERSAL
                 and {t.key for t in d.tokens} & TIME_WORDS]
    local = [d for d in docs if time_basis(keys(d, Role.TIME_BASIS)) == "local time"]
    out: list[Finding] = []
    for u in universal:
        for other in local:
            pair = (u.item.id, other.item.id)
            if u is other or pair in seen or pair[::-1] in seen:
                continue
            seen.add(pair)
            reason = (f"{u.item.id} puts all times on UTC; {other.item.id} requires local time "
                      "(time basis differs: UTC vs local time)")
            hide_u = {i for i, t in enumerate(u.tokens) if t.role is not Role.TIME_BASIS}
            hide_o = {i for i, t in enumerate(other.tokens) if t.role is not Role.TIME_BASIS}
            out.append(Finding(Kind.CONFLICT, u.item, other.item, 1.0, reason,
                               {"cosine": round(cosine(u, other), 3), "containment": 0.0, "pattern": 0.0},
                               marks(u, other, hide_u), marks(other, u, hide_o),
                               ("time basis differs: utc vs local-time",)))
    return out


def scan_group(items: Sequence[Item], names: Names, th: Thresholds) -> tuple[list[Finding], int]:
    reps, copies = _exact_groups(items)
    findings = [
        Finding(Kind.DUPLICATE, a, b, 1.0, "identical text", {"cosine": 1.0, "containment": 1.0, "pattern": 1.0})
        for a, b in copies
    ]
    coll = Collection.build(reps)
    seen: set[tuple[str, str]] = set()
    count = 0
    cache: dict[int, Profile] = {}

    def profile_of(doc: Doc) -> Profile:
        found = cache.get(id(doc))
        if found is None:
            found = cache[id(doc)] = profile(doc.tokens, doc.item.text, names)
        return found

    for i, j in candidate_pairs(coll, th.candidate_cosine, th.overlap):
        count += 1
        finding = classify(coll.docs[i], coll.docs[j], coll, profile_of, names, th)
        if finding is not None:
            findings.append(finding)
            seen.add(finding.ids)
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
    order = {kind: n for n, kind in enumerate(Kind)}
    result.findings.sort(key=lambda f: (order[f.kind], -f.score, f.a.id, f.b.id))
    if terms:
        result.terms = terminology(source)
    return result
