"""Findings across need types and on titles.

* **Across need types**: the same (or nearly the same) body on needs of different types, a
  guideline and a template, a requirement and a definition, is a duplicate whatever the types;
  the reason names both types. Near means a cosine of 0.9 or more with nothing named differing
  (the rules of :mod:`.classify`), and both texts binding (a modal verb) or neither: a
  requirement and the data item it names ("components shall be uniquely identifiable" /
  "unique identifier of a component") describe one thing by design.
* **Same title, different bodies**: two needs of one type with the same title and bodies that
  differ, or that have no body at all, look like a copy-paste slip. A title shared by more than
  :data:`PLACEHOLDER` needs of one type is a placeholder or a heading ("Concept Description",
  "Rationale") rather than a slip, and is not reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from .classify import Finding, Kind, Thresholds, classify
from .features import Names, Profile, profile
from .incremental import Kept, kept_of, pair_up
from .index import Collection, Doc, LazyDocs, cosine
from .items import Item, Source
from .records import finding_of, record_of
from .text import SUBJECT_ROLES, Role, normalised, tokenize

#: A text repeated word for word on more needs than this is boilerplate (a template's placeholder
#: "Description of the guideline goes here."), not a duplicate: its copies are not reported.
BOILERPLATE = 3


def profiler(names: Names) -> Callable[[Doc], Profile]:
    """``profile`` of a document's tokens, computed once per document of the scan."""
    cache: dict[int, Profile] = {}

    def profile_of(doc: Doc) -> Profile:
        found = cache.get(id(doc))
        if found is None:
            found = cache[id(doc)] = profile(doc.tokens, names)
        return found

    return profile_of


def boilerplate(items: Sequence[Item]) -> frozenset[str]:
    """Normalised texts written word for word on more than :data:`BOILERPLATE` items."""
    return _common([normalised(item.text).lower() for item in items])


def _common(keys: Sequence[str]) -> frozenset[str]:
    """The keys (lowered normalised texts) met more than :data:`BOILERPLATE` times."""
    counts: dict[str, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    return frozenset(key for key, n in counts.items() if n > BOILERPLATE)


#: A title on more needs of one type than this is a placeholder or heading, not a slip.
PLACEHOLDER = 3
#: Cosine from which bodies of different types count as near-identical.
NEAR = 0.9


def _types(a: Item, b: Item) -> str:
    return f"{a.kind or a.group} {a.id} / {b.kind or b.group} {b.id}"


def across_types(source: Source, names: Names, th: Thresholds, seen: set[frozenset[str]]) -> list[Finding]:
    """Identical or near-identical bodies on needs of different groups (types)."""
    return across_types_kept(source, names, th, seen, None)[0]


def across_types_kept(
    source: Source, names: Names, th: Thresholds, seen: set[frozenset[str]], kept: Kept | None
) -> tuple[list[Finding], Kept | None]:
    """:func:`across_types`, reusing the pairs of ``kept`` that provably did not change (incremental.py),
    and the state to keep (None when there is nothing to compare)."""
    every = source.items()
    texts = [normalised(item.text) for item in every]  # each text normalised and lowered once
    lowered = [text.lower() for text in texts]
    common = _common(lowered)
    chosen = [
        (item, key)
        for item, text, key in zip(every, texts, lowered, strict=True)
        if len(text.split()) >= 3 and key not in common
    ]
    items, keys = [item for item, _ in chosen], [key for _, key in chosen]
    if len({item.group for item in items}) < 2:
        return [], None
    out: list[Finding] = []
    exact = {"cosine": 1.0, "containment": 1.0, "pattern": 1.0, "core": 1.0}
    first: dict[str, Item] = {}
    reps: list[Item] = []
    for item, key in zip(items, keys, strict=True):
        other = first.get(key)
        if other is None:
            first[key] = item
            reps.append(item)
        elif other.group != item.group and frozenset((other.id, item.id)) not in seen:
            seen.add(frozenset((other.id, item.id)))
            reason = f"identical text across need types ({_types(other, item)})"
            out.append(Finding(Kind.DUPLICATE, other, item, 1.0, reason, exact))
    paired = pair_up(reps, kept, (NEAR, 2.0, 0.0))
    coll = paired.coll
    profile_of = profiler(names)
    by_id = {item.id: item for item in reps}
    records: dict[tuple[int, int], Any] = {}
    known = coll.docs.known if isinstance(coll.docs, LazyDocs) else ()  # the documents' weights
    for i, j in paired.pairs:
        if (i, j) in paired.reused:
            record = paired.reused[i, j]
            found = finding_of(record, by_id) if record else None
        elif reps[i].group == reps[j].group or (known and cosine(known[i], known[j]) < NEAR):
            found = None  # what _near says first, without building the documents
        else:
            found = _near(coll.docs[i], coll.docs[j], coll, profile_of, names, th)
        if found is None:
            continue
        records[i, j] = record_of(found)
        pair = frozenset(found.ids)
        if pair not in seen:
            seen.add(pair)
            out.append(found)
    return out, kept_of(paired, reps, records)


def _near(
    a: Doc, b: Doc, coll: Collection, profile_of: Callable[[Doc], Profile], names: Names, th: Thresholds
) -> Finding | None:
    """The finding of two near-identical bodies of different types (whatever was reported before)."""
    if a.item.group == b.item.group or cosine(a, b) < NEAR:
        return None
    if _binds(a) != _binds(b):
        return None  # a requirement and the data item or term it names: one binds, one describes
    finding = classify(a, b, coll, profile_of, names, th)
    if finding is None or finding.kind is not Kind.DUPLICATE:
        return None
    reason = f"nearly the same text across need types ({_types(a.item, b.item)}): {finding.reason}"
    return Finding(Kind.DUPLICATE, a.item, b.item, finding.score, reason, finding.scores)


def _binds(doc: Doc) -> bool:
    """True when the text states an obligation (a modal verb: shall, must, should, may)."""
    return any(t.role is Role.MODAL for t in doc.tokens)


_TITLE_KEY = re.compile(r"[\W_]+")


def title_key(title: str) -> str:
    return _TITLE_KEY.sub(" ", title.casefold()).strip()


def same_titles(
    source: Source, seen: set[frozenset[str]], similarity: Callable[[Item, Item], float]
) -> list[Finding]:
    """Needs of one type with the same title and different (or no) bodies."""
    by_title: dict[tuple[str, str], list[Item]] = {}
    for item in [*source.items(), *source.bodyless]:
        key = title_key(item.title)
        if key:
            by_title.setdefault((item.group, key), []).append(item)
    bodyless = {item.id for item in source.bodyless}
    out: list[Finding] = []
    for items in by_title.values():
        if not 2 <= len(items) <= PLACEHOLDER:
            continue
        for index, a in enumerate(items):
            for b in items[index + 1 :]:
                pair = frozenset((a.id, b.id))
                if pair in seen or (
                    a.id not in bodyless and b.id not in bodyless and normalised(a.text) == normalised(b.text)
                ):
                    continue
                seen.add(pair)
                out.append(_same_title(a, b, bodyless, similarity))
    return out


def _same_title(a: Item, b: Item, bodyless: set[str], similarity: Callable[[Item, Item], float]) -> Finding:
    if a.id in bodyless and b.id in bodyless:
        detail, cos = "neither has a body", 0.0
    elif a.id in bodyless or b.id in bodyless:
        detail, cos = f"only {b.id if a.id in bodyless else a.id} has a body", 0.0
    else:
        cos = similarity(a, b)
        detail = f"the bodies differ ({cos:.0%} of their words shared)"
    reason = f"same title '{a.title}' on two {a.kind or a.group} needs; {detail}"
    scores = {"cosine": round(cos, 3), "containment": 0.0, "pattern": 0.0, "core": 0.0}
    return Finding(Kind.SAME_TITLE, a, b, 1.0, reason, scores)


def pair_cosine(items: Sequence[Item]) -> Callable[[Item, Item], float]:
    """Share of the subject words two items' texts have in common (Jaccard), for the title check."""

    def keys(item: Item) -> set[str]:
        return {t.key for t in tokenize(item.text) if t.role in SUBJECT_ROLES}

    def similarity(a: Item, b: Item) -> float:
        ka, kb = keys(a), keys(b)
        return len(ka & kb) / (len(ka | kb) or 1)

    return similarity
