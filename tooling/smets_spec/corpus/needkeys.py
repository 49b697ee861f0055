"""What changed between two readings of the corpus, need by need, and which pages that can touch.

Every need gets a *key*: its type and a digest of each aspect a page can show (title, text,
outgoing links, the other fields, its file, its lines). Comparing the keys of the previous
build with this one gives a :class:`Change` (needs added, removed, and the aspects edited of the
others) without rendering anything. A computed page declares what it reads as
:class:`Facet` s (needs of some types, some aspects) and records the needs its text mentions
(links and roles show their title and page); :func:`touches` says whether a change can alter
such a page. A page declared with no facets at all (``None``) depends on the whole corpus.

Plain functions of the corpus: no Sphinx here (``sphinx/fingerprints.py`` keeps the keys in
the build environment and asks :func:`touches` which pages to render again).
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .cachedir import switched_off
from .load import Corpus
from .schema import NEED_TYPES, Need

#: The aspects of a need a page can depend on. ``line`` covers the lines of the need and its fields;
#: ``links`` every link field, ``links:NAME`` one of them (e.g. ``links:mandatory_for``).
ASPECTS = ("title", "text", "links", "fields", "file", "line")
ALL = frozenset(ASPECTS)
#: What a link or ``:need:`` role to a need shows: its title, its page (file) and its kind (type).
SHOWN_BY_A_LINK = frozenset({"title", "file"})
#: Aspect name for a need that was added or removed (or whose type changed: both at once).
EXISTS = "exists"
_TYPE, _EACH = 0, 7
LINK = "links:"
_SLOTS = {"title": 1, "text": 2, "links": 3, "fields": 4, "file": 5, "line": 6}
_ID_TOKEN = re.compile(r"[A-Za-z0-9_]+")
#: A word that has the shape of some need type's id (a link to a need not written yet counts too).
_ID_LIKE = re.compile("|".join(f"(?:{t.id_pattern})" for t in NEED_TYPES))

#: (type, title, text, links, fields, file, lines, then ``name=ids`` of each link field):
#: the digests of one need's aspects.
NeedKey = tuple[str, ...]


@dataclass(frozen=True)
class Facet:
    """The needs of ``types`` (directive names; None: every type) and their ``aspects`` a page reads.

    A page with a facet also depends on which needs of those types exist, so a need added or
    removed always counts, whatever the aspects, unless the facet narrows which needs it reads
    at all (the set of needs changes with every need added or removed; these say which of them a
    page can show, :func:`touches`):

    ``via``: link field names; the page reads a need of these types only when one of those
    fields of it links something (a need with them all empty, or of a type without them, before
    and after a change, is as if it did not exist, for this facet).

    ``where``: ``where(need, args)`` (``args``: the directive's arguments and options) says
    whether the page lists a need of these types; the page reads no other need of them, and its
    text mentions (by id) every need it lists. A need the page's previous text did not mention
    and that ``where`` does not pick in the new corpus was not listed and is not listed now.
    """

    types: frozenset[str] | None
    aspects: frozenset[str]
    via: frozenset[str] | None = None
    where: Callable[[Need, tuple[str, ...]], bool] | None = field(default=None, compare=False)


def facet(
    *types: type[Need],
    aspects: Iterable[str] = (),
    via: Iterable[str] | None = None,
    where: Callable[[Need, tuple[str, ...]], bool] | None = None,
) -> Facet:
    """A :class:`Facet` of the given need classes (none given: every type)."""
    chosen = frozenset(aspects)
    unknown = {a for a in chosen - ALL if not a.startswith(LINK)}
    if unknown:
        raise ValueError(f"unknown aspects {sorted(unknown)}: use some of {', '.join(ASPECTS)}")
    links = None if via is None else frozenset(via)
    if links is not None and not links:
        raise ValueError("via: name the link fields a need is read through")
    if where is not None and not types:
        raise ValueError("where: name the facet's types")
    return Facet(frozenset(t.directive for t in types) if types else None, chosen, links, where)


#: None: the page depends on the whole corpus (any change renders it again).
Deps = tuple[Facet, ...] | None


_PLAIN = (str, int, float, bool, type(None))


def _canon(value: object) -> str:
    """A text that is equal for equal values, in any process (sets sorted, enums by class and value)."""
    kind = type(value)
    if kind in _PLAIN or (kind is tuple and all(type(v) is str for v in value)):  # type: ignore[attr-defined]
        return repr(value)  # the common cases first: text, numbers, none, a tuple of ids
    if isinstance(value, Enum):
        return f"{type(value).__name__}.{value.value}"
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(_canon(v) for v in value)) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_canon(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_canon(k)}:{_canon(v)}" for k, v in sorted(value.items(), key=repr)) + "}"
    return repr(value)


def _h(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def _ids(value: object) -> str:
    """A link field as written (ids are words, so a comma cannot be part of one)."""
    if type(value) is tuple and all(type(v) is str for v in value):
        return ",".join(value)
    return _h(_canon(value))


def need_key(corpus: Corpus, need: Need) -> NeedKey:
    links = type(need).links()
    own = [name for name in type(need).own_fields() if name not in links]
    fields = [f"{name}={_canon(getattr(need, name))}" for name in own]
    where = corpus.locations.get(need.id)
    lines = corpus.field_lines.get(need.id, {})
    each = tuple(f"{name}={_ids(getattr(need, name))}" for name in links)
    return (
        need.directive,
        _h(need.title),
        _h(need.content),
        _h("\0".join(each)),
        _h("\0".join(fields)),
        where.file if where else "",
        _h(f"{where.line if where else None}\0{_canon(lines)}"),
        *each,
    )


def keys_of(corpus: Corpus) -> dict[str, NeedKey]:
    """Every need's key, in the corpus's order."""
    return {need.id: need_key(corpus, need) for need in corpus.needs.values()}


@dataclass(frozen=True)
class Change:
    """What differs between two sets of keys.

    ``needs``: id -> the aspects that differ (``{EXISTS}`` for a need added or removed);
    ``types``: id -> its type before and after; ``order``: the needs present in both are in
    another order (a need moved between files, or blocks swapped within one); ``linked``: id ->
    the link fields that link something before or after (absent: not known, every field counts).
    """

    needs: Mapping[str, frozenset[str]]
    types: Mapping[str, frozenset[str]]
    order: bool
    linked: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.needs) or self.order


def change_between(old: Mapping[str, NeedKey], new: Mapping[str, NeedKey]) -> Change:
    """The :class:`Change` from ``old`` keys to ``new`` ones (both in their corpus's order)."""
    needs: dict[str, frozenset[str]] = {}
    types: dict[str, frozenset[str]] = {}
    linked: dict[str, frozenset[str]] = {}
    for need_id in old.keys() | new.keys():
        before, after = old.get(need_id), new.get(need_id)
        if before == after:
            continue
        types[need_id] = frozenset(k[_TYPE] for k in (before, after) if k is not None)
        linked[need_id] = _linked(before) | _linked(after)
        if before is None or after is None or before[_TYPE] != after[_TYPE]:
            needs[need_id] = frozenset({EXISTS})
        else:
            edited = {a for a, i in _SLOTS.items() if before[i] != after[i]}
            pairs = zip(before[_EACH:], after[_EACH:], strict=True)
            edited.update(LINK + b.split("=", 1)[0] for b, a in pairs if a != b)
            needs[need_id] = frozenset(edited)
    common = old.keys() & new.keys()
    order = [i for i in old if i in common] != [i for i in new if i in common]
    return Change(needs, types, order, linked)


def _linked(key: NeedKey | None) -> frozenset[str]:
    """The link fields of a need's key that link something (``name=`` alone: nothing)."""
    if key is None:
        return frozenset()
    return frozenset(name for name, ids in (each.split("=", 1) for each in key[_EACH:]) if ids)


def mentioned(text: str, known: Mapping[str, object]) -> frozenset[str]:
    """The words of ``text`` that are ids of ``known`` needs or have the shape of one (links, roles, tables).

    A word shaped like an id of no need counts too: a link to a need not written yet shows it
    as missing, and changes when the need is added. When every id shape and every known id has an
    underscore, only the words with one are looked at (the same answer, about twice as fast on a
    page: most words of a page are prose and markup).
    """
    if not _all_underscored(known):
        words = _ID_TOKEN.findall(text)
    elif switched_off("SMETS_MENTION_WORDS"):
        words = _UNDERSCORED.findall(text)
    else:
        words = _UNDERSCORED_WORDS.findall(text)
    return frozenset(t for t in set(words) if t in known or _ID_LIKE.fullmatch(t))


#: The words (as :data:`_ID_TOKEN` finds them, whole) that have an underscore.
_UNDERSCORED = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z0-9]*_[A-Za-z0-9_]*")
#: The same words, found faster (about a third less on a large page): with ``re.ASCII``, ``\w`` is
#: exactly ``[A-Za-z0-9_]``, and a match always starts with such a character, where ``\b`` holds
#: exactly when the character before is not one (the look-behind above).
_UNDERSCORED_WORDS = re.compile(r"\b[A-Za-z0-9]*_\w*", re.ASCII)

#: Where :func:`mentioned_by_rows` cuts a text: before each HTML table row.
ROW = "<tr"


def mentioned_by_rows(
    text: str, known: Mapping[str, object], memo: dict[str, frozenset[str]], room: list[int]
) -> frozenset[str]:
    """:func:`mentioned`, found row by row, each row's answer kept in ``memo`` (one per ``known``)
    while ``room[0]`` (characters of rows still to keep) lasts.

    The text is cut before each ``<tr``. A cut falls on ``<``, which no word holds, so every word
    is whole in exactly one piece and the union of the pieces' answers is the text's answer. The
    rows a build draws again and again are looked at once: the nine device pages list the same
    ten thousand rows. The first piece (before any row) is looked at each time, not kept.
    """
    pieces = text.split(ROW)
    found = set(mentioned(pieces[0], known))
    for piece in pieces[1:]:
        answer = memo.get(piece)
        if answer is None:
            answer = mentioned(ROW + piece, known)
            if room[0] > 0:
                memo[piece] = answer
                room[0] -= len(piece)
        found |= answer
    return frozenset(found)


def _always_has(parsed: Any, code: int) -> bool:
    """Whether every string the parsed expression (``re._parser``) matches holds the character ``code``.

    Only what is certain counts: a literal, a group, every branch of an alternation, a repeat at
    least once; anything else (a class, an optional part, a construct not known here) proves nothing.
    """
    for op, arg in parsed:
        name = str(op)
        if name == "LITERAL" and arg == code:
            return True
        if name == "BRANCH" and all(_always_has(branch, code) for branch in arg[1]):
            return True
        if name == "SUBPATTERN" and _always_has(arg[-1], code):
            return True
        if (
            name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
            and arg[0] >= 1
            and _always_has(arg[2], code)
        ):
            return True
        if name == "ATOMIC_GROUP" and _always_has(arg, code):
            return True
    return False


def _shapes_underscored() -> bool:
    try:
        parser: Any = importlib.import_module("re._parser")  # the expression as the re module reads it
        return _always_has(parser.parse(_ID_LIKE.pattern), ord("_"))
    except (ImportError, AttributeError, TypeError, ValueError, IndexError, re.error):
        return False  # a Python whose parser differs: look at every word


#: every id shape of :data:`_ID_LIKE` has an underscore (False: not proven)
SHAPES_UNDERSCORED = _shapes_underscored()
#: the last ``known`` asked about (kept, so its identity cannot be another's) and its length and answer
_KNOWN: list[tuple[Mapping[str, object], int, bool]] = []


def _all_underscored(known: Mapping[str, object]) -> bool:
    """Whether only words with an underscore can be mentions of ``known`` (checked once per mapping)."""
    if not SHAPES_UNDERSCORED:
        return False
    if _KNOWN and _KNOWN[0][0] is known and _KNOWN[0][1] == len(known):
        return _KNOWN[0][2]
    answer = all("_" in need_id for need_id in known)
    _KNOWN[:] = [(known, len(known), answer)]
    return answer


def covers_links(deps: Deps) -> bool:
    """Whether ``deps`` already cover what a link shows for every need (no need to record mentions)."""
    return deps is None or any(f.types is None and f.aspects >= SHOWN_BY_A_LINK for f in deps)


#: ``off``: :func:`touches` ignores the facets' ``via`` and ``where`` (every need of their types counts)
SCOPES_SWITCH = "SMETS_SET_SCOPES"


def touches(
    deps: Deps,
    mentions: Iterable[str] | None,
    change: Change,
    args: tuple[str, ...] = (),
    needs: Mapping[str, Need] | None = None,
) -> bool:
    """Whether a page that read ``deps`` and mentions ``mentions`` can render otherwise after ``change``.

    ``args``: the directive's arguments and ``needs``: the new corpus's needs, for the facets that
    narrow which needs they read (``where``); ``mentions`` None: not recorded (the page's facets
    cover every link it shows), so ``where`` cannot narrow.
    """
    if not change:
        return False
    if deps is None:
        return True
    if change.order and deps:
        return True
    scoped = not switched_off(SCOPES_SWITCH)
    said = frozenset(mentions) if mentions is not None else None
    for need_id, aspects in change.needs.items():
        types = change.types[need_id]
        for f in deps:
            if (f.types is None or f.types & types) and (EXISTS in aspects or f.aspects & aspects):
                if scoped and _outside(f, need_id, change, args, needs, said):
                    continue
                return True
    for need_id in mentions or ():
        shown = change.needs.get(need_id)
        if shown and (EXISTS in shown or SHOWN_BY_A_LINK & shown):
            return True
    return False


def _outside(
    f: Facet,
    need_id: str,
    change: Change,
    args: tuple[str, ...],
    needs: Mapping[str, Need] | None,
    mentions: frozenset[str] | None,
) -> bool:
    """Whether facet ``f`` reads need ``need_id`` neither before nor after ``change`` (its ``via``
    fields empty both times, or not listed by its ``where`` either time)."""
    if f.via is not None:
        linked = change.linked.get(need_id)
        if linked is not None and not (linked & f.via):
            return True
    if f.where is not None and needs is not None and mentions is not None and need_id not in mentions:
        now = needs.get(need_id)
        if now is None or f.types is None or now.directive not in f.types:
            return True
        try:
            return not f.where(now, args)
        except Exception:  # a question it cannot answer (an argument of no section): the need counts
            return False
    return False
