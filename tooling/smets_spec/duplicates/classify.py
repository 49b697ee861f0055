"""Classify a pair of similar texts: duplicate, overlap, parallel variant or possible conflict.

The decision uses three scores and the words that differ:

* ``cosine``: TF-IDF cosine of the content words (order ignored);
* ``containment``: the IDF-weighted share of the shorter text's words found in
  the longer one (a short item inside a long one scores high here and low on
  cosine); for an overlap the words must also come in the same order
  (word-shingle containment);
* ``pattern``: Dice similarity of the word shingles (bigrams, function words
  left out, numbers masked): the sentence pattern.

Differing words "name a thing" when they are an acronym or identifier (HAN,
WAN, register 12), a bare unit (kWh, kvarh), a word of a contrast set
(import/export, gas/electricity, local/remote) or a word of a glossary term
written in the text. A pair whose differing words name things is a parallel
variant, never a duplicate. With nothing named differing, a difference in
numbers, units, range words, time basis, negation or modal strength in
matching sentences makes a possible conflict.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from .features import Names, Profile, Sentence, dice, pattern_sequence, shingles
from .index import Collection, Doc, containment, cosine
from .items import Item
from .text import MODALS, Role, Token, fold


class Kind(StrEnum):
    DUPLICATE = "duplicate"
    OVERLAP = "overlap"
    PARALLEL = "parallel"
    CONFLICT = "conflict"


#: Classes that fail ``smets dups`` (exit 1) unless suppressed; the others are information.
FAILING = frozenset({Kind.DUPLICATE, Kind.CONFLICT})


@dataclass(frozen=True)
class Thresholds:
    duplicate: float = 0.7  # cosine, nothing named differs
    duplicate_max_difference: float = 0.3  # IDF share of the differing words
    conflict: float = 0.5  # cosine, with a conflict signal and nothing named differing
    conflict_max_difference: float = 0.35
    overlap: float = 0.8  # IDF containment of the shorter text
    overlap_order: float = 0.6  # its shingle containment (same order)
    overlap_length: float = 0.75  # shorter/longer IDF mass at most this
    parallel: float = 0.65  # pattern, when named things differ
    parallel_plain: float = 0.75  # pattern, when only ordinary words differ
    parallel_cosine: float = 0.4  # below this cosine a pair is not reported as parallel

    @property
    def candidate_cosine(self) -> float:
        return min(self.duplicate, self.conflict, self.parallel_cosine)


@dataclass(frozen=True)
class Finding:
    kind: Kind
    a: Item
    b: Item
    score: float
    reason: str
    scores: dict[str, float] = field(default_factory=dict)
    a_marks: tuple[tuple[int, int], ...] = ()  # character spans of differing words
    b_marks: tuple[tuple[int, int], ...] = ()
    signals: tuple[str, ...] = ()

    @property
    def ids(self) -> tuple[str, str]:
        return (self.a.id, self.b.id)


def _variant(x: str, y: str) -> bool:
    """Spelling variants: one edit apart (interoperablity / interoperability), long words only."""
    if min(len(x), len(y)) < 6 or abs(len(x) - len(y)) > 1 or x[0] != y[0]:
        return False
    if len(x) == len(y):
        diffs = [i for i in range(len(x)) if x[i] != y[i]]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                    and x[diffs[0]] == y[diffs[1]] and x[diffs[1]] == y[diffs[0]])
    long, short = (x, y) if len(x) > len(y) else (y, x)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


@dataclass
class Difference:
    only_a: list[tuple[int, Token]]
    only_b: list[tuple[int, Token]]
    named_a: list[Token]  # differing words that name a thing
    named_b: list[Token]
    same_words: dict[str, str]  # key in b -> key in a, for spelling variants


def difference(a: Doc, b: Doc, pa: Profile, pb: Profile, names: Names) -> Difference:
    only_a = [(i, t) for i, t in pa.subject if t.key not in b.keys]
    only_b = [(i, t) for i, t in pb.subject if t.key not in a.keys]
    same: dict[str, str] = {}
    long_b = [(ib, tb, fold(tb.text)) for ib, tb in only_b if len(tb.text) >= 6]
    for ia, ta in [(i, t) for i, t in only_a if len(t.text) >= 6] if long_b else ():  # spelling variants
        folded = fold(ta.text)
        for ib, tb, other in long_b:
            if (ib, tb) in only_b and _variant(folded, other):
                only_a.remove((ia, ta))
                only_b.remove((ib, tb))
                same[tb.key] = ta.key
                break
    # an abbreviation on one side and its expansion on the other pair off
    for side, other, other_doc in ((only_a, only_b, b), (only_b, only_a, a)):
        for index, token in list(side):
            expansion = names.expansions.get(token.key)
            if expansion and expansion <= other_doc.keys:
                side.remove((index, token))
                other[:] = [(i, t) for i, t in other if t.key not in expansion]
    return Difference(only_a, only_b, [t for i, t in only_a if i in pa.bearing],
                      [t for i, t in only_b if i in pb.bearing], same)


def _show(counter: Counter[str]) -> str:
    return ", ".join(sorted(counter.elements())) or "none"


def time_basis(keys: frozenset[str] | set[str]) -> str:
    """'UTC' or 'local time' when a text uses exactly one of them (GMT is ambiguous and ignored)."""
    utc, local = "utc" in keys, bool(keys & {"local-time", "bst"})
    return "UTC" if utc and not local else "local time" if local and not utc else ""


def _sentence_signals(a: Sentence, b: Sentence) -> list[str]:
    signals: list[str] = []
    qa, qb = a.quantities, b.quantities
    if qa and qb and qa != qb:
        numbers_a = Counter(q.split(" ", 1)[0] for q in qa.elements())
        numbers_b = Counter(q.split(" ", 1)[0] for q in qb.elements())
        what = "units" if numbers_a == numbers_b else "numbers"
        signals.append(f"{what} differ: {_show(qa - qb)} vs {_show(qb - qa)}")
    ma = sorted(MODALS[k] for k in a.modals.elements())
    mb = sorted(MODALS[k] for k in b.modals.elements())
    if ma and mb and ma != mb:
        signals.append(f"modal verbs differ: {_show(a.modals - b.modals)} vs {_show(b.modals - a.modals)}")
    if sum(a.negations.values()) != sum(b.negations.values()):
        signals.append(f"negation differs: {_show(a.negations - b.negations)} vs {_show(b.negations - a.negations)}")
    if a.comparators != b.comparators and (qa or qb):
        signals.append(f"range differs: {_show(a.comparators - b.comparators)} vs "
                       f"{_show(b.comparators - a.comparators)}")
    ta, tb = time_basis(a.time_keys), time_basis(b.time_keys)
    if ta and tb and ta != tb:
        signals.append(f"time basis differs: {ta} vs {tb}")
    return signals


def conflict_signals(pa: Profile, pb: Profile) -> list[str]:
    """Differences between matching sentences of the two texts (each sentence with its most similar)."""
    out: list[str] = []
    few, many = (pa.sentences, pb.sentences) if len(pa.sentences) <= len(pb.sentences) else \
        (pb.sentences, pa.sentences)
    for sentence in few:
        best = max(many, key=lambda s: len(s.keys & sentence.keys) / (len(s.keys | sentence.keys) or 1))
        if len(best.keys & sentence.keys) / (len(best.keys | sentence.keys) or 1) < 0.3:
            continue
        pair = (sentence, best) if few is pa.sentences else (best, sentence)
        out.extend(s for s in _sentence_signals(*pair) if s not in out)
    return out


def marks(doc: Doc, other: Doc, hidden: set[int]) -> tuple[tuple[int, int], ...]:
    """Spans of the words of ``doc`` (other than function words) that ``other`` lacks."""
    keys = {t.key for t in other.tokens}
    return tuple((t.start, t.end) for i, t in enumerate(doc.tokens)
                 if t.role is not Role.FUNCTION and t.key not in keys and i not in hidden)


def _mass(tokens: Sequence[Token], idf: dict[str, float]) -> float:
    return sum(idf.get(key, 1.0) for key in {t.key for t in tokens})


def _words_of(tokens: Sequence[Token]) -> str:
    return ", ".join(dict.fromkeys(t.text for t in tokens)) or "-"


@dataclass(frozen=True)
class PairScores:
    cos: float
    cont: float  # IDF containment of the shorter text in the longer
    order: float  # shingle containment of the shorter text in the longer
    length: float  # shorter/longer IDF mass
    pattern: float
    share: float  # IDF share of the differing words


def classify(a: Doc, b: Doc, coll: Collection, profiles: Callable[[Doc], Profile], names: Names,
             th: Thresholds) -> Finding | None:
    """The class of the pair (a, b), or None when it is none of the four."""
    cos = cosine(a, b)
    cont_a, cont_b = containment(a, b, coll.idf)
    a_short = a.mass <= b.mass
    cont = cont_a if a_short else cont_b
    length = min(a.mass, b.mass) / (max(a.mass, b.mass) or 1.0)
    overlap_shape = cont >= th.overlap and length <= th.overlap_length
    if cos < th.candidate_cosine and not overlap_shape:
        return None
    pa, pb = profiles(a), profiles(b)
    diff = difference(a, b, pa, pb, names)
    sb = pb.shingles if not diff.same_words else shingles(pattern_sequence(b.tokens, diff.same_words))
    pattern = dice(pa.shingles, sb)
    order = 0.0
    if overlap_shape:
        short, long = (pa.shingles, sb) if a_short else (sb, pa.shingles)
        order = sum((short & long).values()) / (sum(short.values()) or 1)
    differing = _mass([t for _, t in diff.only_a], coll.idf) + _mass([t for _, t in diff.only_b], coll.idf)
    scores = PairScores(cos, cont, order, length, pattern, differing / ((a.mass + b.mass) or 1.0))
    short_named = diff.named_a if a_short else diff.named_b
    kind, score, reason = _decide(scores, conflict_signals(pa, pb), bool(short_named), diff, th)
    if kind is None:
        return None
    shown = {"cosine": round(cos, 3), "containment": round(cont, 3), "pattern": round(pattern, 3)}
    hidden_a = {i for i, _ in pa.subject} - {i for i, _ in diff.only_a}
    hidden_b = {i for i, _ in pb.subject} - {i for i, _ in diff.only_b}
    return Finding(kind, a.item, b.item, round(score, 3), reason, shown, marks(a, b, hidden_a),
                   marks(b, a, hidden_b), tuple(conflict_signals(pa, pb)) if kind is Kind.CONFLICT else ())


def _decide(s: PairScores, signals: list[str], short_named: bool, diff: Difference,
            th: Thresholds) -> tuple[Kind | None, float, str]:
    named = bool(diff.named_a or diff.named_b)
    substitution = bool(diff.only_a) and bool(diff.only_b)
    if signals and not named and s.cos >= th.conflict and s.share <= th.conflict_max_difference:
        return Kind.CONFLICT, s.cos, f"same subject (cosine {s.cos:.2f}) but " + "; ".join(signals)
    if named and substitution and s.pattern >= th.parallel and s.cos >= th.parallel_cosine:
        words = f"{_words_of(diff.named_a or [t for _, t in diff.only_a])} / " \
                f"{_words_of(diff.named_b or [t for _, t in diff.only_b])}"
        return Kind.PARALLEL, s.pattern, f"same sentence pattern ({s.pattern:.2f}) for a different subject: {words}"
    overlap = not short_named and s.cont >= th.overlap and s.order >= th.overlap_order and \
        s.length <= th.overlap_length
    if not named and not overlap and s.cos >= th.duplicate and s.share <= th.duplicate_max_difference:
        changed = [t for _, t in diff.only_a] + [t for _, t in diff.only_b]
        detail = f"; differing words: {_words_of(changed)}" if changed else "; no content word differs"
        return Kind.DUPLICATE, s.cos, f"same content words (cosine {s.cos:.2f}, containment {s.cont:.2f}){detail}"
    if overlap:
        return (Kind.OVERLAP, s.cont,
                f"{s.cont:.0%} of the shorter text's words (by weight) are in the longer one, "
                f"{s.order:.0%} of its word pairs in the same order; the longer is {1 / (s.length or 1):.1f}x as long")
    if substitution and s.pattern >= th.parallel_plain and s.cos >= th.parallel_cosine:
        words = f"{_words_of([t for _, t in diff.only_a])} / {_words_of([t for _, t in diff.only_b])}"
        return Kind.PARALLEL, s.pattern, f"same sentence pattern ({s.pattern:.2f}), different words: {words}"
    return None, 0.0, ""
