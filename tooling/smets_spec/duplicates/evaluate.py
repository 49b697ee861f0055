"""Measuring the detector: a labelled set of real pairs, and planted pairs in generated corpora.

* :func:`score_labels` compares findings with hand-judged pairs (``tests/data/
  duplicates_eval.csv``) and gives precision and recall per class.
* :func:`plant` copies generated requirements with paraphrases (reordered
  clauses, synonyms, dropped words: planted duplicates) and with one changed
  number, unit, modal verb or negation (planted conflicts); :func:`score_planted`
  measures how many are found. The paraphrase thesaurus below is deliberately
  not the detector's: the detector has no synonym list at all.
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .classify import Finding, Kind
from .items import Item

#: The paraphraser's thesaurus (word -> alternatives). The detector never sees it.
THESAURUS: dict[str, tuple[str, ...]] = {
    "record": ("capture", "log"),
    "retain": ("keep", "hold"),
    "display": ("show", "present"),
    "support": ("provide", "offer"),
    "raise": ("issue", "generate"),
    "alert": ("warning", "notification"),
    "exceeds": ("goes beyond", "passes"),
    "consumer": ("customer", "occupant"),
    "request": ("query", "enquiry"),
    "store": ("hold", "keep"),
    "entries": ("records", "items"),
    "reset": ("clear", "zero"),
    "apply": ("implement", "enact"),
    "change": ("modification", "update"),
    "allow": ("permit", "enable"),
    "available": ("accessible", "obtainable"),
    "command": ("instruction", "order"),
    "party": ("body", "organisation"),
    "memory": ("storage",),
    "continue": ("carry on", "keep on"),
    "operate": ("run", "work"),
    "significant": ("meaningful",),
    "digits": ("figures",),
    "make": ("render",),
    "given": ("stated", "specified"),
    "configured": ("set", "set up"),
    "value": ("quantity", "figure"),
    "expressed": ("stated", "given"),
    "function": ("feature", "capability"),
    "across": ("through", "over"),
    "loss": ("failure", "interruption"),
    "read": ("retrieved", "accessed"),
}
_DROPPABLE = ("the ", "a ", "an ", "configured ", "authorised ", "each ", "both ", "also ")
_MOVABLE = re.compile(
    r"^(?P<head>.+?) (?P<tail>(?:within|when|without|across|at intervals of|by an|"
    r"on a command|at the time|to the consumer) [^.]+)\.(?P<rest>.*)$"
)


def _reorder(text: str, rng: random.Random) -> str:
    sentences = [s.strip() for s in re.split(r"(?<=\.)\s+", text.strip()) if s.strip()]
    if len(sentences) > 1 and rng.random() < 0.5:
        return " ".join(sentences[1:] + sentences[:1])
    match = _MOVABLE.match(text.strip())
    if match is None:
        return text
    head = match.group("head")
    head = head[0].lower() + head[1:] if head[:4] in {"The ", "Any "} else head
    tail = match.group("tail")
    return f"{tail[0].upper()}{tail[1:]}, {head}.{match.group('rest')}"


_SUBJECT = re.compile(r"(?:^|(?<=[.,] ))(?:[Tt]he|[Aa]ny) [\w -]+? (?=shall|should|may|must)")


def _synonyms(text: str, rng: random.Random, count: int) -> str:
    """Replace words by synonyms, outside the subject phrases ("the in-home display shall")."""
    protected = [m.span() for m in _SUBJECT.finditer(text)]
    spots = [
        (m.start(), m.end(), m.group())
        for w in THESAURUS
        for m in re.finditer(rf"\b{w}\b", text)
        if not any(a <= m.start() < b for a, b in protected)
    ]
    for start, end, word in sorted(rng.sample(spots, min(count, len(spots))), reverse=True):
        text = text[:start] + rng.choice(THESAURUS[word]) + text[end:]
    return text


def _drop(text: str, rng: random.Random) -> str:
    found = [w for w in _DROPPABLE if f" {w}" in text]
    if not found:
        return text
    word = rng.choice(found)
    return text.replace(f" {word}", " ", 1)


def paraphrase(text: str, rng: random.Random) -> str:
    """The same obligation in other words: two or three of: reorder clauses, replace one or two words by
    synonyms, drop one word."""
    operations = rng.sample(("reorder", "synonyms", "drop"), rng.randint(2, 3))
    for operation in operations:
        if operation == "reorder":
            text = _reorder(text, rng)
        elif operation == "synonyms":
            text = _synonyms(text, rng, rng.randint(1, 2))
        else:
            text = _drop(text, rng)
    return text


_NUMBER = re.compile(r"\b(\d+)\b(?= (?:seconds|minutes|months|entries|significant)| shall apply)")
_UNIT_SWAPS = {"seconds": "minutes", "minutes": "hours", "months": "weeks"}


def contradict(text: str, rng: random.Random) -> tuple[str, str] | None:
    """The same requirement with one changed number, unit, modal verb or negation."""
    options: list[tuple[str, str]] = []
    number = _NUMBER.search(text)
    if number:
        new = str(int(number.group(1)) * rng.choice((2, 3, 10)) + rng.choice((0, 1)))
        options.append((text[: number.start()] + new + text[number.end() :], "number"))
    for unit, other in _UNIT_SWAPS.items():
        if re.search(rf"\d+ {unit}\b", text):
            options.append((re.sub(rf"(\d+) {unit}\b", rf"\1 {other}", text, count=1), "unit"))
            break
    if " shall " in text:
        options.append((text.replace(" shall ", f" {rng.choice(('may', 'should'))} ", 1), "modal"))
        options.append((text.replace(" shall ", " shall not ", 1), "negation"))
    return rng.choice(options) if options else None


@dataclass(frozen=True)
class Planted:
    items: list[Item]  # the planted copies
    truth: dict[frozenset[str], Kind]  # {original id, copy id} -> planted class


def plant(items: Sequence[Item], n_duplicates: int, n_conflicts: int, seed: int = 0) -> Planted:
    """Copies of randomly chosen items: paraphrased duplicates and contradicting conflicts."""
    rng = random.Random(seed)
    chosen = rng.sample(list(items), min(len(items), n_duplicates + n_conflicts))
    planted: list[Item] = []
    truth: dict[frozenset[str], Kind] = {}
    for number, original in enumerate(chosen):
        if number < n_duplicates:
            text, kind = paraphrase(original.text, rng), Kind.DUPLICATE
            if text == original.text:
                continue
        else:
            changed = contradict(original.text, rng)
            if changed is None:
                continue
            text, kind = changed[0], Kind.CONFLICT
        copy = replace(original, id=f"PLANTED_{kind.value.upper()}_{number:04d}", text=text)
        planted.append(copy)
        truth[frozenset({original.id, copy.id})] = kind
    return Planted(planted, truth)


@dataclass(frozen=True)
class Rates:
    found: int
    expected: int
    predicted: int

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.found / self.predicted if self.predicted else 1.0


def score_planted(
    findings: Iterable[Finding],
    planted: Planted,
    kind: Kind,
    items: Iterable[Item],
    involving_planted: bool = False,
) -> tuple[Rates, list[Finding]]:
    """Recall of the planted pairs of ``kind`` and the precision of the findings of ``kind``.

    Items with identical text count as one (the scan reports copies against the first). A finding of
    the planted pair, or between identical texts, is right; every other finding of ``kind`` is wrong
    (with ``involving_planted``, only findings that involve a planted copy are counted). Returns the
    rates and the wrong findings."""
    first: dict[str, str] = {}
    canonical: dict[str, str] = {}
    for item in items:
        canonical[item.id] = first.setdefault(" ".join(item.text.split()).lower(), item.id)

    def pair(ids: Iterable[str]) -> frozenset[str]:
        return frozenset(canonical.get(i, i) for i in ids)

    copies = {item.id for item in planted.items}
    expected = {pair(p) for p, k in planted.truth.items() if k is kind}
    predicted = [f for f in findings if f.kind is kind and (not involving_planted or set(f.ids) & copies)]
    found = {pair(f.ids) for f in predicted} & expected
    wrong = [f for f in predicted if pair(f.ids) not in expected and len(pair(f.ids)) > 1]
    return Rates(
        len(found), len(expected), len(predicted) - len([f for f in predicted if len(pair(f.ids)) == 1])
    ), wrong


@dataclass(frozen=True)
class Label:
    a: str
    b: str
    kind: Kind | None  # None: unrelated
    reason: str
    line: int


def read_labels(path: Path) -> list[Label]:
    """Rows ``a,b,label,reason`` with label duplicate, overlap, parallel, conflict or unrelated."""
    labels: list[Label] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            label = row["label"].strip()
            kind = None if label == "unrelated" else Kind(label)
            labels.append(Label(row["a"].strip(), row["b"].strip(), kind, row["reason"].strip(), line))
    return labels


def score_labels(findings: Iterable[Finding], labels: Sequence[Label]) -> dict[Kind, Rates]:
    """Per class, over the labelled pairs only: found/expected (recall) and found/predicted (precision)."""
    by_pair = {frozenset(f.ids): f.kind for f in findings}
    out: dict[Kind, Rates] = {}
    for kind in Kind:
        expected = [lb for lb in labels if lb.kind is kind]
        predicted = [lb for lb in labels if by_pair.get(frozenset({lb.a, lb.b})) is kind]
        found = [lb for lb in predicted if lb.kind is kind]
        out[kind] = Rates(len(found), len(expected), len(predicted))
    return out
