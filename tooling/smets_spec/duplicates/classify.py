"""Classify a pair of similar texts: duplicate, overlap, parallel variant or possible conflict.

The decision uses these scores and the words that differ:

* ``cosine``: TF-IDF cosine of the subject words (order ignored);
* ``containment``: the IDF-weighted share of the shorter text's words found in
  the longer one (a short item inside a long one scores high here and low on
  cosine); an overlap also needs most of the shorter text's word shingles in
  the longer one (the same order);
* ``pattern``: Dice similarity of the word shingles (bigrams, function words
  left out, quantities masked): the sentence pattern;
* ``core``: the share of each text's distinctive words (its rarer half) that
  the other text has too.

Differing words "name a thing" when they are an acronym or identifier (HAN,
WAN, register 12), a unit symbol (kWh, kvarh), a word of a glossary term
written in the text, a subject contrast word (import/export, gas/electricity),
or a quality contrast word swapped for its counterpart (local/remote). A pair
whose differing words name things is a parallel variant, never a duplicate.
With nothing named differing and the distinctive words shared, a difference in
numbers, units, range words, time basis, negation or modal strength in
matching sentences makes a possible conflict.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from .cases import as_state, balanced, edit_case, other_case
from .cases import differ as _differ
from .difference import Difference, difference
from .features import Names, Profile, Sentence, dice, pattern_sequence, shingles
from .index import Collection, Doc, cosine, shared_mass
from .items import Item
from .text import MODALS, Role, spans, tokenize


class Kind(StrEnum):
    DUPLICATE = "duplicate"
    OVERLAP = "overlap"
    PARALLEL = "parallel"
    CONFLICT = "conflict"
    SAME_TITLE = "same-title"


#: The signal of a parallel variant found by the edit rules (one word, limit, value or phrase apart):
#: the overlap-of-subject rule leaves it a parallel variant (scan.py).
EDITED = "one edit apart"

#: Classes that fail ``smets dups`` (exit 1) unless suppressed; the others are information.
FAILING = frozenset({Kind.DUPLICATE, Kind.CONFLICT})


@dataclass(frozen=True)
class Thresholds:
    duplicate: float = 0.6  # cosine, nothing named differing, distinctive words shared
    duplicate_alone: float = 0.75  # cosine that makes a duplicate whatever the word order
    duplicate_pattern: float = 0.45  # below duplicate_alone, the word order must agree this much
    core: float = 0.5  # share of distinctive words shared, for a duplicate or a conflict
    conflict: float = 0.5  # cosine, with a conflict signal and nothing named differing
    overlap: float = 0.8  # IDF containment of the shorter text
    overlap_order: float = 0.6  # share of its word shingles in the longer text
    overlap_length: float = 0.85  # shorter/longer, in distinct words, at most this
    parallel: float = 0.6  # pattern, when named things differ
    parallel_plain: float = 0.75  # pattern, when only ordinary words differ
    parallel_cosine: float = 0.35  # below this cosine a pair is not reported as parallel

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
    signals: tuple[str, ...] = ()

    @property
    def ids(self) -> tuple[str, str]:
        return (self.a.id, self.b.id)


def time_basis(keys: frozenset[str] | set[str]) -> str:
    """'UTC' or 'local time' when a text uses exactly one of them (GMT is ambiguous and ignored)."""
    utc, local = "utc" in keys, bool(keys & {"local-time", "bst"})
    return "UTC" if utc and not local else "local time" if local and not utc else ""


def _sentence_signals(a: Sentence, b: Sentence) -> list[str]:
    signals: list[str] = []
    qa, qb = a.quantities, b.quantities
    if qa and qb and qa != qb:
        same_numbers = sorted(q.split(" ", 1)[0] for q in qa) == sorted(q.split(" ", 1)[0] for q in qb)
        shown_a, shown_b = dict(a.written), dict(b.written)
        differ = _differ(
            tuple(shown_a.get(q, q) for q in qa), tuple(shown_b.get(q, q) for q in qb), "(no number)"
        )
        signals.append(f"{'units' if same_numbers else 'numbers'} differ: {differ}")
    if a.modals and b.modals and sorted(MODALS[k] for k in a.modals) != sorted(MODALS[k] for k in b.modals):
        modals_a = tuple(m.replace("-", " ") for m in a.modals)
        modals_b = tuple(m.replace("-", " ") for m in b.modals)
        signals.append(f"modal verbs differ: {_differ(modals_a, modals_b, '(no modal verb)')}")
    if len(a.negations) != len(b.negations):
        signals.append(f"negation differs: {_differ(a.negations, b.negations, '(no negation)')}")
    if a.comparators != b.comparators and (qa or qb):
        signals.append(f"range differs: {_differ(a.comparators, b.comparators, '(no range word)')}")
    ta, tb = time_basis(a.time_keys), time_basis(b.time_keys)
    if ta and tb and ta != tb:
        signals.append(f"time basis differs: {ta} vs {tb}")
    return signals


def conflict_signals(pa: Profile, pb: Profile) -> list[str]:
    """Differences between matching sentences (each sentence of the text with fewer, and its most similar)."""
    out: list[str] = []
    sa, sb = pa.sentences, pb.sentences
    a_few = len(sa) <= len(sb)
    few, many = (sa, sb) if a_few else (sb, sa)
    if not many:
        return out

    def jaccard(x: Sentence, y: Sentence) -> float:
        return len(x.keys & y.keys) / (len(x.keys | y.keys) or 1)

    for sentence in few:
        best = max(many, key=lambda s: jaccard(s, sentence))
        if jaccard(best, sentence) < 0.3:
            continue
        pair = (sentence, best) if a_few else (best, sentence)
        out.extend(s for s in _sentence_signals(*pair) if s not in out)
    return out


#: The roles a conflict signal is about: only those words are marked in a rule-found conflict.
_SIGNAL_ROLES = {
    "numbers": (Role.NUMBER, Role.UNIT),
    "units": (Role.NUMBER, Role.UNIT),
    "modal": (Role.MODAL,),
    "negation": (Role.NEGATION,),
    "range": (Role.COMPARATOR, Role.NUMBER),
    "time basis": (Role.TIME_BASIS,),
}


Spans = list[tuple[int, int]]


def highlight(a: str, b: str, signals: Sequence[str] = ()) -> tuple[Spans, Spans]:
    """Character spans of the words of each text (other than function words) the other text lacks; with
    ``signals`` (of a conflict found by a rule), only the words of the roles the signals name."""
    keys_a, keys_b = {t.key for t in tokenize(a)}, {t.key for t in tokenize(b)}
    roles = {r for s in signals for name, rs in _SIGNAL_ROLES.items() if s.startswith(name) for r in rs}
    hidden = (Role.FUNCTION, Role.PUNCT)

    def marks(text: str, other: set[str]) -> list[tuple[int, int]]:
        where = spans(text)
        return [
            where[i]
            for i, t in enumerate(tokenize(text))
            if t.role not in hidden and t.key not in other and (not roles or t.role in roles)
        ]

    return marks(a, keys_b), marks(b, keys_a)


def marked(finding: Finding, a: str | None = None, b: str | None = None) -> tuple[list[tuple[int, int]], ...]:
    """The spans to mark in the finding's texts (or in ``a`` and ``b``, the same texts rewritten)."""
    rule_found = finding.kind is Kind.CONFLICT and finding.scores.get("pattern") == 0.0
    return highlight(a or finding.a.text, b or finding.b.text, finding.signals if rule_found else ())


@dataclass(frozen=True)
class PairScores:
    cos: float
    cont: float  # IDF containment of the shorter text in the longer
    order: float  # shingle containment of the shorter text in the longer
    length: float  # shorter/longer, in distinct words
    pattern: float
    core: float  # share of the distinctive words found in the other text
    a_short: bool


def _core_share(a: Doc, b: Doc, diff: Difference) -> float:
    total = len(a.core) + len(b.core)
    missing = len(a.core & diff.only_a) + len(b.core & diff.only_b)
    return 1 - missing / total if total else 1.0


def classify(
    a: Doc, b: Doc, coll: Collection, profiles: Callable[[Doc], Profile], names: Names, th: Thresholds
) -> Finding | None:
    """The class of the pair (a, b), or None when it is none of the four."""
    cos = cosine(a, b)
    a_short = len(a.keys) <= len(b.keys)
    cont = shared_mass(a, b, coll.idf) / ((a if a_short else b).mass or 1.0)
    length = min(len(a.keys), len(b.keys)) / (max(len(a.keys), len(b.keys)) or 1)
    overlap_shape = cont >= th.overlap and length <= th.overlap_length
    if cos < th.candidate_cosine and not overlap_shape:
        return None
    if (
        not overlap_shape
        and cos < th.duplicate_alone
        and dice(a.shingles, b.shingles) < th.parallel
        and not (_few(a.keys - b.keys, a, 2) and _few(b.keys - a.keys, b, 2))
    ):
        return None  # too many words differ for a duplicate or a conflict, too few agree for a parallel
    pa, pb = profiles(a), profiles(b)
    diff = difference(a, b, pa, pb, names)
    sb = b.shingles if not diff.same else shingles(pattern_sequence(b.tokens, diff.same))
    small, large = (a.shingles, sb) if a_short else (sb, a.shingles)
    order = len(small & large) / (len(small) or 1) if overlap_shape else 0.0
    scores = PairScores(cos, cont, order, length, dice(a.shingles, sb), _core_share(a, b, diff), a_short)
    varied = balanced(diff.only_a, diff.only_b, names.varied, coll.df) if names.varied else frozenset()
    kind, score, reason, signals = _decide(scores, a, b, pa, pb, diff, th, varied)
    if kind is None:
        return None
    shown = {
        "cosine": round(cos, 3),
        "containment": round(cont, 3),
        "pattern": round(scores.pattern, 3),
        "core": round(scores.core, 3),
    }
    return Finding(kind, a.item, b.item, round(score, 3), reason, shown, tuple(signals))


def _words(keys: list[str] | set[str], p: Profile) -> str:
    return ", ".join(sorted(p.written.get(k, k) for k in keys)) or "-"


def _few(only: set[str] | frozenset[str], doc: Doc, slack: int = 0) -> bool:
    """A paraphrase changes a few words here and there: at most 3, or a quarter of a long text's."""
    return len(only) <= max(3, len(doc.keys) // 4) + slack


def _uncovered(p: Profile, other: Doc) -> int:
    """Sentences whose words the other text mostly lacks: an obligation only this text states."""
    return sum(1 for s in p.sentences if s.keys and 2 * len(s.keys & other.keys) < len(s.keys))


def _shared_sentence(p: Profile, other: Doc) -> bool:
    return any(len(s.keys) >= 3 and len(s.keys - other.keys) <= len(s.keys) // 10 for s in p.sentences)


def _decide(
    s: PairScores,
    a: Doc,
    b: Doc,
    pa: Profile,
    pb: Profile,
    diff: Difference,
    th: Thresholds,
    varied: frozenset[str] = frozenset(),
) -> tuple[Kind | None, float, str, list[str]]:
    named = bool(diff.named_a or diff.named_b)
    substitution = bool(diff.only_a) and bool(diff.only_b)
    few = _few(diff.only_a, a) and _few(diff.only_b, b)
    if not named and few and s.cos >= th.conflict and s.core >= th.core:
        signals = conflict_signals(pa, pb)
        if signals:
            return (
                Kind.CONFLICT,
                s.cos,
                f"same subject (cosine {s.cos:.2f}) but " + "; ".join(signals),
                signals,
            )
    if named and substitution and s.pattern >= th.parallel and s.cos >= th.parallel_cosine:
        words = f"{_words(diff.named_a or diff.only_a, pa)} / {_words(diff.named_b or diff.only_b, pb)}"
        return (
            Kind.PARALLEL,
            s.pattern,
            f"same sentence pattern ({s.pattern:.2f}) for a different subject: {words}",
            [],
        )
    if named:
        return None, 0.0, "", []
    extra_a, extra_b = _uncovered(pa, b), _uncovered(pb, a)
    only_short, only_long = (diff.only_a, diff.only_b) if s.a_short else (diff.only_b, diff.only_a)
    extra_short, extra_long = (extra_a, extra_b) if s.a_short else (extra_b, extra_a)
    overlap = (
        s.cont >= th.overlap
        and s.order >= th.overlap_order
        and not extra_short
        and (extra_long > 0 or len(only_long) >= max(2, 2 * len(only_short)))
    )
    alike = s.cos >= th.duplicate_alone or s.pattern >= th.duplicate_pattern
    if (
        not overlap
        and not (extra_a or extra_b)
        and few
        and s.cos >= th.duplicate
        and s.core >= th.core
        and alike
    ):
        edited = _one_edit(a, b, s, pa, pb, diff, varied)
        if edited is not None:
            return edited
        changed = f"{_words(diff.only_a, pa)} / {_words(diff.only_b, pb)}"
        detail = (
            f"; differing words: {changed}" if diff.only_a or diff.only_b else "; no content word differs"
        )
        return (
            Kind.DUPLICATE,
            s.cos,
            f"same words (cosine {s.cos:.2f}, distinctive words shared {s.core:.0%}){detail}",
            [],
        )
    if overlap and (as_state(pa, pb, a.keys & b.keys) if s.a_short else as_state(pb, pa, a.keys & b.keys)):
        return None, 0.0, "", []  # "suspend a thread" / "resume a suspended thread": another operation
    if overlap and (case := other_case(a, b, pa, pb)):
        return Kind.PARALLEL, s.pattern, case, [EDITED]
    if overlap:
        reason = (
            f"{s.cont:.0%} of the shorter text's words (by weight) are in the longer one, {s.order:.0%} of "
            f"its word pairs in the same order; the longer has {1 / (s.length or 1):.1f}x the words"
        )
        return Kind.OVERLAP, s.cont, reason, []
    if extra_a and extra_b and s.cos >= th.conflict and _shared_sentence(pa, b) and _shared_sentence(pb, a):
        return (
            Kind.OVERLAP,
            s.cos,
            f"both state the same sentence (cosine {s.cos:.2f}); each adds a sentence of its own",
            [],
        )
    if substitution and s.pattern >= th.parallel_plain and s.cos >= th.parallel_cosine:
        words = f"{_words(diff.only_a, pa)} / {_words(diff.only_b, pb)}"
        return (
            Kind.PARALLEL,
            s.pattern,
            f"same sentence pattern ({s.pattern:.2f}), different words: {words}",
            [],
        )
    return None, 0.0, "", []


def _one_edit(
    a: Doc, b: Doc, s: PairScores, pa: Profile, pb: Profile, diff: Difference, varied: frozenset[str]
) -> tuple[Kind, float, str, list[str]] | None:
    """A would-be duplicate that is another case or an extension of the other text (cases.py)."""
    verdict = edit_case(a, b, pa, pb, varied)
    if verdict is None:
        return None
    overlap, reason = verdict
    if overlap:
        return Kind.OVERLAP, s.cont, reason, []
    return Kind.PARALLEL, s.pattern, reason, [EDITED]
