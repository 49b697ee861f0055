"""Overlaps of meaning: two requirements whose titles name the same, rare subject.

Most overlaps in a specification are not worded alike: "The smart metering system shall enable
remote firmware upgrades" and "... shall support firmware upgrades while maintaining normal
metrology functionality" share four words, and the lexical scores of classify.py call them
unrelated. Their titles say what each is about: *Remote firmware upgrade* and *Firmware upgrade
while metrology keeps working*; both are about *firmware upgrade*, and both bind with *shall*.

A title's **subject phrases** are its runs of content words (cut at function words, numbers,
modal verbs, negations and punctuation), with a trailing adverb taken off ("upgradeable
remotely"), leaving out a run followed by *of* (an action or a container of what follows:
"remote configuration of X", "payment history of X") and a run after *by* (the actor:
"by authorised personnel"). A phrase is a run's last two or more words (so it ends at the head
noun: *gas supply* is not the subject of "gas supply interruption").

Two texts **overlap on a subject** when

* their titles share a subject phrase of two or more words (at least two of three letters or more)
  that at most ``SUBJECT_TITLES`` titles of the group contain: a phrase on more titles names a
  family of requirements (*top-up* on four), not one subject;
* both texts bind with the same strength (their strongest modal verb: *shall* and *must*; two
  descriptions without a modal verb are left out);
* the titles restrict and negate alike (*Must engage brake when required* and *... only when
  required* are two goals, not one);
* the titles swap no modifier of one head (*key generation* / *UTRN generation*, *Temperature
  Controller* / *Brew Controller*: a parallel variant), do not put the shared phrase after a
  different owner on each side (the run's words before it, quality words such as *remote* left
  out: *pump controller* / *valve* robust control loop), and do not differ in named things on
  both sides (HAN / WAN); a named thing on one side only is a specialisation (*HAN interface
  firmware* inside the system's firmware) and stays an overlap;
* the shared phrase does not stand in a prepositional phrase on both titles (*from interrupt
  context* / *in interrupt context*: a circumstance of two subjects), nor is it qualified by a
  different prepositional phrase on each (*to the back* / *to the front*: two cases of it);
* the titles differ (two identical titles are left to the same-title check).

A pair the pattern rule called a parallel variant is called an overlap instead when it passes
these checks and the named things of the two texts differ on one side only.

Nothing here is learned from labels: the phrases and their counts come from the corpus's own
titles. A corpus without titles (or whose needs have only placeholder titles) gets no finding
from this rule.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from .classify import Finding, Kind
from .difference import _named as named_words
from .difference import _variant as variant
from .features import Names, Profile, dice, profile
from .index import Collection, Doc, cosine, shared_mass
from .lemmas import all_lemmas
from .text import MODALS, NEGATIONS, SUBJECT_ROLES, Role, Token, needs_counterpart, spans, tokenize

#: A phrase on the titles of more than this many texts of a group names a family, not a subject.
SUBJECT_TITLES = 3
#: Words that restrict or negate a title: a difference in them makes a different goal.
_RESTRICTING = frozenset({"only", "except", "unless", *NEGATIONS})


@dataclass(frozen=True)
class Phrase:
    keys: tuple[str, ...]  # the compared keys (stems)
    title: str
    first: int  # token positions in the title, first and last
    last: int
    #: keys of the run's words before the phrase, other than quality words (remote, local): whose
    #: subject it is ("Steering Controller" robust control algorithm)
    owner: frozenset[str] = frozenset()
    #: the run stands in a prepositional phrase ("operations *from* interrupt context"): a
    #: circumstance of the title's subject, not the subject
    in_tail: bool = False
    #: the keys of a prepositional phrase right after it ("enqueue item *to the back*"), if any
    qualifier: frozenset[str] | None = None

    @property
    def shown(self) -> str:
        """The phrase as written in the title ("remote top-ups")."""
        where = spans(self.title)
        return self.title[where[self.first][0] : where[self.last][1]]


@dataclass(frozen=True)
class Title:
    """What the overlap rule reads from a title."""

    text: str
    phrases: tuple[Phrase, ...]  # every subject phrase: each run's last 2, 3, ... words
    heads: frozenset[tuple[str, str]]  # (modifier, head) bigrams of the runs, for swaps
    keys: frozenset[str]  # every subject word key of the title
    restricting: frozenset[str]  # "only", "not", ... as written (lower case)


@lru_cache(maxsize=65_536)
def _adverb_only(word: str) -> bool:
    """A word lemminflect knows only as an adverb (remotely, locally): not part of a noun phrase."""
    if not word.lower().endswith("ly"):
        return False
    lemmas = all_lemmas(word.lower())
    return bool(lemmas) and set(lemmas) == {"ADV"}


#: Prepositions that open a phrase qualifying what stands before them ("of" marks the object of an
#: action instead: "registration of remote top-ups"; "by" the actor, see _runs).
PREPOSITIONS = frozenset(
    (
        "with", "to", "at", "on", "in", "for", "from", "into", "onto", "via", "per", "over", "under",
        "during", "after", "before", "through", "within", "without", "across", "between", "against", "upon",
    )
)  # fmt: skip
_DETERMINERS = frozenset(
    ("the", "a", "an", "all", "any", "each", "every", "its", "their", "this", "these", "that", "those")
)


def _runs(tokens: Sequence[Token]) -> list[list[int]]:
    """Positions of the tokens of each subject run."""
    runs: list[list[int]] = []
    current: list[int] = []
    before = ""  # the word before the current run
    for index, token in enumerate((*tokens, None)):
        if token is not None and token.role in SUBJECT_ROLES:
            current.append(index)
            continue
        following = token.text.lower() if token is not None else ""
        while current and _adverb_only(tokens[current[-1]].text):
            current.pop()  # "firmware upgradeable remotely": the adverb is not the head
        if current and following != "of" and before != "by":
            runs.append(current)
        current = []
        before = following
    return runs


def _word_before(tokens: Sequence[Token], index: int) -> str:
    """The word before position ``index``, determiners skipped (lower case; "" at the start)."""
    while index > 0 and tokens[index - 1].text.lower() in _DETERMINERS:
        index -= 1
    return tokens[index - 1].text.lower() if index > 0 else ""


def _qualifier(tokens: Sequence[Token], last: int) -> frozenset[str] | None:
    """The words (keys) of a prepositional phrase right after position ``last`` (adverbs skipped),
    numbers and range words included: "with count greater than zero" / "with zero count" differ."""
    at = last + 1
    while at < len(tokens) and _adverb_only(tokens[at].text):
        at += 1
    if at >= len(tokens) or tokens[at].text.lower() not in PREPOSITIONS:
        return None
    return frozenset(t.key for t in tokens[at + 1 :] if t.role not in (Role.FUNCTION, Role.PUNCT))


def _quality(group: int | None) -> bool:
    return group is not None and needs_counterpart(group)


@lru_cache(maxsize=65_536)
def read_title(title: str) -> Title:
    tokens = tokenize(title)
    phrases: list[Phrase] = []
    heads: set[tuple[str, str]] = set()
    for run in _runs(tokens):
        for start in range(len(run) - 1):
            phrase = tuple(tokens[i].key for i in run[start:])
            if sum(1 for k in phrase if len(k) >= 3) >= 2:
                owner = frozenset(tokens[i].key for i in run[:start] if not _quality(tokens[i].group))
                tail = _word_before(tokens, run[0]) in PREPOSITIONS
                qualifier = _qualifier(tokens, run[-1])
                phrases.append(Phrase(phrase, title, run[start], run[-1], owner, tail, qualifier))
        heads.update((tokens[x].key, tokens[y].key) for x, y in pairwise(run))
    keys = frozenset(t.key for t in tokens if t.role in SUBJECT_ROLES)
    restricting = frozenset(t.text.lower() for t in tokens if t.text.lower() in _RESTRICTING)
    return Title(title, tuple(phrases), frozenset(heads), keys, restricting)


#: Numbers and identifiers, masked to find template titles ("Requirement 12", "Test case TC_04").
_MASK = re.compile(r"\S*\d\S*")


def template_titles(titles: Sequence[str], cap: int = SUBJECT_TITLES) -> list[bool]:
    """For each title: is it a template that names the text by a number or identifier, not by a
    subject (the same title, numbers and identifiers masked, on more than ``cap`` texts)?"""
    masked = [_MASK.sub("#", t) if t else "" for t in titles]
    counts = Counter(masked)
    return [bool(m) and "#" in m and counts[m] > cap for m in masked]


@dataclass(frozen=True)
class Shared:
    """A subject phrase two titles share: as written in each, and how many titles of the group have it."""

    a: Phrase
    b: Phrase
    titles: int


def subject_pairs(titles: Sequence[str], cap: int = SUBJECT_TITLES) -> dict[tuple[int, int], Shared]:
    """Pairs ``(i, j)``, ``i < j``, of titles sharing a subject phrase on at most ``cap`` titles,
    with the longest such phrase."""
    where: dict[tuple[str, ...], list[int]] = defaultdict(list)
    written: dict[tuple[int, tuple[str, ...]], Phrase] = {}
    templated = template_titles(titles, cap)
    for index, title in enumerate(titles):
        if not title or templated[index]:
            continue
        for phrase in read_title(title).phrases:
            if (index, phrase.keys) not in written:
                written[index, phrase.keys] = phrase
                where[phrase.keys].append(index)
    out: dict[tuple[int, int], Shared] = {}
    for keys, indexes in where.items():
        if not 2 <= len(indexes) <= cap:
            continue
        for n, i in enumerate(indexes):
            for j in indexes[n + 1 :]:
                known = out.get((i, j))
                if known is None or len(keys) > len(known.a.keys):
                    out[i, j] = Shared(written[i, keys], written[j, keys], len(indexes))
    return out


def swapped_modifier(a: Title, b: Title) -> tuple[str, str] | None:
    """Two modifiers of one head, each absent from the other title (key generation / UTRN
    generation): the keys of the pair, or None."""
    for first, head in a.heads:
        if first in b.keys:
            continue
        for other, head_b in b.heads:
            if head_b == head and other != first and other not in a.keys and not variant(first, other):
                return first, other
    return None


def same_place(shared: Shared) -> bool:
    """The shared phrase is the subject of both titles, unqualified on one side at least."""
    a, b = shared.a, shared.b
    if a.owner - read_title(b.title).keys and b.owner - read_title(a.title).keys:
        return False  # the subject of a different owner on each side: a parallel variant
    if a.in_tail and b.in_tail:
        return False  # a circumstance of two subjects ("from interrupt context" / "in interrupt context")
    return a.qualifier is None or b.qualifier is None or a.qualifier == b.qualifier  # two cases of it


def same_subject(a: Title, b: Title) -> bool:
    """Titles that restrict alike and swap no modifier (the textual checks of the rule)."""
    return a.restricting == b.restricting and swapped_modifier(a, b) is None


def _title_names(ta: Title, tb: Title, names: Names) -> tuple[list[str], list[str]]:
    """Words of each title, as written, that the other lacks and that name a thing (difference.py)."""
    pa, pb = profile(tokenize(ta.text), names), profile(tokenize(tb.text), names)
    only_a, only_b = set(ta.keys - tb.keys), set(tb.keys - ta.keys)
    named_a, named_b = named_words(only_a, only_b, pa, pb), named_words(only_b, only_a, pb, pa)
    learned = names.learned
    named_a += [k for k in only_a if k not in named_a and learned.get(k, frozenset()) & only_b]
    named_b += [k for k in only_b if k not in named_b and learned.get(k, frozenset()) & only_a]
    return sorted(pa.written[k] for k in named_a), sorted(pb.written[k] for k in named_b)


def _modal(tokens: Iterable[Token]) -> tuple[int, str]:
    """The strongest modal verb of a text and the word as written ((0, "") when it has none)."""
    best = (0, "")
    for t in tokens:
        if t.role is Role.MODAL and MODALS[t.key] > best[0]:
            best = (MODALS[t.key], t.text)
    return best


def subject_overlap(a: Doc, b: Doc, shared: Shared, coll: Collection, names: Names) -> Finding | None:
    """An overlap finding when ``a`` and ``b``, whose titles share a subject, pass the rule's checks."""
    if " ".join(a.item.title.lower().split()) == " ".join(b.item.title.lower().split()):
        return None  # the same title: a copy-paste slip or a template, for the same-title check
    (strength_a, modal_a), (strength_b, modal_b) = _modal(a.tokens), _modal(b.tokens)
    if not strength_a or strength_a != strength_b:
        return None
    ta, tb = read_title(a.item.title), read_title(b.item.title)
    if not same_subject(ta, tb):
        return None
    if not same_place(shared):
        return None
    named_a, named_b = _title_names(ta, tb, names)
    if named_a and named_b:
        return None  # the titles name different things on both sides: a parallel variant
    a_short = len(a.keys) <= len(b.keys)
    cont = shared_mass(a, b, coll.idf) / ((a if a_short else b).mass or 1.0)
    same = f"'{shared.a.shown}'"
    if shared.a.shown.lower() != shared.b.shown.lower():
        same += f" / '{shared.b.shown}'"
    verbs = f"'{modal_a}'" if modal_a.lower() == modal_b.lower() else f"'{modal_a}' / '{modal_b}'"
    narrowed = "".join(
        f"; only {doc.item.id}'s title names {', '.join(repr(w) for w in named)}"
        for named, doc in ((named_a, a), (named_b, b))
        if named
    )
    reason = (
        f"both titles name the same subject, {same} ('{a.item.title}' / '{b.item.title}'; "
        f"{shared.titles} titles of the group name it), and both texts bind with {verbs}: what each "
        f"requires of that subject overlaps what the other requires{narrowed}"
    )
    scores = {
        "cosine": round(cosine(a, b), 3),
        "containment": round(cont, 3),
        "pattern": round(dice(a.shingles, b.shingles), 3),
        "core": 0.0,
    }
    return Finding(Kind.OVERLAP, a.item, b.item, round(cont, 3), reason, scores)


def _named_both_sides(a: Doc, b: Doc, profiles: Callable[[Doc], Profile], names: Names) -> bool:
    """Words of each text that the other lacks name things on both sides (HAN / WAN, or a contrast
    learned from the corpus): the words of the texts only, whatever their titles (the rule has
    judged those)."""
    pa, pb = profiles(a), profiles(b)
    only_a, only_b = set(a.keys - b.keys), set(b.keys - a.keys)
    learned = names.learned
    named_a = named_words(only_a, only_b, pa, pb) or [
        k for k in only_a if learned.get(k, frozenset()) & only_b
    ]
    named_b = named_words(only_b, only_a, pb, pa) or [
        k for k in only_b if learned.get(k, frozenset()) & only_a
    ]
    return bool(named_a) and bool(named_b)


def subject_findings(
    coll: Collection,
    names: Names,
    found: dict[frozenset[str], Finding],
    profiles: Callable[[Doc], Profile],
) -> list[tuple[Finding | None, Finding]]:
    """(finding replaced or None, overlap) for the pairs of ``coll`` the rule calls an overlap.

    A pair already reported is left alone, except a parallel variant whose named things differ
    on one side only: when the titles share a rare subject that one text narrows, it is a
    specialisation of the same subject, not a different one."""
    out: list[tuple[Finding | None, Finding]] = []
    docs = coll.docs
    for (i, j), shared in subject_pairs([item.title for item in coll.items]).items():
        known = found.get(frozenset((docs[i].item.id, docs[j].item.id)))
        if known is not None and known.kind is not Kind.PARALLEL:
            continue
        if known is not None and _named_both_sides(docs[i], docs[j], profiles, names):
            continue  # the texts name different things on both sides: a parallel variant indeed
        overlap = subject_overlap(docs[i], docs[j], shared, coll, names)
        if overlap is not None:
            out.append((known, overlap))
    return out
