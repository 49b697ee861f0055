"""The scan again after an edit, from the state an earlier scan of the same project kept.

:func:`scan_kept` gives exactly what :func:`~.scan.scan` gives (tests/test_dups_incremental.py
compares both on random edits), reusing per group the pairs that provably did not change
(incremental.py) and the terminology findings when no text, group or glossary entry changed.
The state is one JSON entry per project in the user cache folder (``dups/``, see
:mod:`smets_spec.corpus.usercache`): keyed by the project's folder and this package's code, read
back field by field (an entry of any other shape is no state: the scan runs in full), never code.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass, field
from importlib import metadata
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from .. import __version__, forking
from ..corpus.usercache import digest, read_entry, write_entry
from ..forking import no_gc
from . import lemmas, termjson, termstate
from .across import across_types_kept as _across
from .across import pair_cosine, same_titles
from .classify import Kind, Thresholds
from .incremental import Kept, quick
from .items import Source
from .records import valid_record
from .scan import Scan, names_of, scan_group_kept
from .termstate import TermsKept

__all__ = ["State", "adopt", "load", "no_gc", "save", "save_beside", "scan_kept", "settle"]

KIND = "dups"
FORMAT = "1"


@dataclass
class State:
    context: str
    groups: dict[str, Kept] = field(default_factory=dict)
    across: Kept | None = None
    #: terminology's per-text contributions (termstate.py)
    terms: TermsKept | None = None
    #: the lemmatiser's and spell checker's answers (lemmas.py)
    lemmas: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    unknown: dict[str, bool] = field(default_factory=dict)
    #: each need content's reader text (items.ReaderTexts; with ``SMETS_DUPS_EDIT=off``, none)
    texts: dict[str, str] = field(default_factory=dict)


def _context(source: Source, th: Thresholds) -> str:
    """What every pair's result reads besides the two items: the glossary and the thresholds."""
    parts = [FORMAT, repr(th), str(source.has_glossary)]
    for entry in source.glossary:
        parts += [entry.id, entry.term, entry.abbreviation, "\0".join(entry.synonyms)]
    return digest(parts)


def scan_kept(source: Source, state: State | None, th: Thresholds | None = None) -> tuple[Scan, State]:
    """:func:`~.scan.scan` of ``source`` (terminology included), reusing ``state`` where provably
    unchanged, and the state to keep for the next scan."""
    th = th or Thresholds()
    names = names_of(source)
    context = _context(source, th)
    old = state if state is not None and state.context == context else None
    new = State(context)
    if state is not None:  # answers of the same libraries (the entry's key has their versions)
        for word, answer in state.lemmas.items():
            lemmas.LEMMAS.setdefault(word, answer)
        for form, lacking in state.unknown.items():
            lemmas.UNKNOWN.setdefault(form, lacking)
    result = Scan(source)
    for group, items in source.groups.items():
        found, count, kept = scan_group_kept(items, names, th, old.groups.get(group) if old else None)
        result.findings.extend(found)
        result.compared[group] = len(items)
        result.candidates += count
        new.groups[group] = kept
    seen = {frozenset(f.ids) for f in result.findings}
    across, new.across = _across(source, names, th, seen, old.across if old else None)
    result.findings.extend(across)
    result.findings.extend(same_titles(source, seen, pair_cosine(source.items())))
    order = {kind: n for n, kind in enumerate(Kind)}
    result.findings.sort(key=lambda f: (order[f.kind], -f.score, f.a.id, f.b.id))
    result.terms, new.terms = termstate.update(source, old.terms if old else None)
    new.lemmas, new.unknown = dict(lemmas.LEMMAS), dict(lemmas.UNKNOWN)
    return result, new


# JSON ---------------------------------------------------------------------------------------------


def _kept_json(kept: Kept | None) -> object:
    if kept is None:
        return None
    return {
        "ids": kept.ids,
        "sigs": kept.sigs,
        "counts": kept.counts,
        "pairs": kept.pairs,  # tuples: JSON arrays
        "records": kept.records,
        "extra": kept.extra,
    }


def _pair_record(record: object, ids: tuple[str, str]) -> bool:
    """A group pair's record: None or {"swaps": [[x, y]...], "names": [...], "finding": record}."""
    if record is None:
        return True
    if not isinstance(record, dict) or set(record) - {"swaps", "names", "finding"}:
        return False
    for name in ("swaps", "names"):
        value = record.get(name, [])
        if not isinstance(value, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in value
        ):
            return False
    finding = record.get("finding")
    return finding is None or _across_record(finding, ids)


def _across_record(record: object, ids: tuple[str, str]) -> bool:
    return record is None or (valid_record(record) and isinstance(record, list) and tuple(record[1:3]) == ids)


def _kept(data: object, pair_check: Any) -> Kept | None:
    """A :class:`Kept` read back from JSON, or None when any field is not of the expected shape."""
    if not isinstance(data, dict):
        return None
    ids, sigs, counts, pairs, records = (data.get(k) for k in ("ids", "sigs", "counts", "pairs", "records"))
    extra = data.get("extra")
    if not (
        isinstance(ids, list)
        and isinstance(sigs, list)
        and isinstance(counts, list)
        and isinstance(pairs, list)
        and isinstance(records, list)
        and isinstance(extra, dict)
        and len(ids) == len(sigs) == len(counts)
        and len(pairs) == len(records)
        and all(isinstance(x, str) for x in ids)
        and len(set(ids)) == len(ids)
        and all(isinstance(x, str) for x in sigs)
        and all(type(c) is dict for c in counts)  # JSON object keys are strings
        and _positive_ints([v for c in counts for v in c.values()])
    ):
        return None
    n = len(ids)
    if quick():
        return (
            Kept(ids, sigs, counts, [(i, j) for i, j in pairs], records, extra)
            if _pairs(ids, pairs, records, pair_check)
            else None
        )
    for pair, record in zip(pairs, records, strict=True):
        if not (
            isinstance(pair, list)
            and len(pair) == 2
            and all(type(x) is int for x in pair)
            and 0 <= pair[0] < pair[1] < n
            and pair_check(record, (ids[pair[0]], ids[pair[1]]))
        ):
            return None
    return Kept(ids, sigs, counts, [(i, j) for i, j in pairs], records, extra)


def _pairs(ids: list[str], pairs: list[Any], records: list[Any], pair_check: Any) -> bool:
    """The loop of :func:`_kept` over the pairs, a check at a time over all of them: each pair a list
    of two ints ``0 <= i < j < len(ids)`` (JSON values: a list is a ``list``, an int an ``int``), each
    record one ``pair_check`` accepts (both accept None)."""
    n = len(ids)
    if set(map(type, pairs)) - {list} or set(map(len, pairs)) - {2}:
        return False
    flat = [x for pair in pairs for x in pair]
    if flat and set(map(type, flat)) != {int}:
        return False
    if not all(0 <= i < j < n for i, j in pairs):
        return False
    return all(
        record is None or pair_check(record, (ids[i], ids[j]))
        for (i, j), record in zip(pairs, records, strict=True)
    )


def _positive_ints(values: list[Any]) -> bool:
    return not values or (set(map(type, values)) == {int} and min(values) > 0)


def _answers(
    found: object, unknown: object
) -> tuple[dict[str, dict[str, tuple[str, ...]]], dict[str, bool]] | None:
    if not isinstance(found, dict) or not isinstance(unknown, dict):
        return None
    if not all(type(v) is bool for v in unknown.values()):
        return None
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for word, by_pos in found.items():
        if not isinstance(by_pos, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in by_pos.values()
        ):
            return None
        out[word] = {pos: tuple(v) for pos, v in by_pos.items()}
    return out, unknown


def to_json(state: State) -> dict[str, Any]:
    return {
        "context": state.context,
        "groups": {name: _kept_json(kept) for name, kept in state.groups.items()},
        "across": _kept_json(state.across),
        "terms": termjson.to_json(state.terms),
        "lemmas": state.lemmas,
        "unknown": state.unknown,
        "texts": state.texts,
    }


def from_json(data: object) -> State | None:
    """The state written by :func:`to_json`, checked field by field (None: not of that shape)."""
    if not isinstance(data, dict):
        return None
    context, groups = data.get("context"), data.get("groups")
    if not (isinstance(context, str) and isinstance(groups, dict)):
        return None
    state = State(context)
    if data.get("terms") is not None:
        state.terms = termjson.from_json(data.get("terms"))
        if state.terms is None:
            return None
    answers = _answers(data.get("lemmas"), data.get("unknown"))
    if answers is None:
        return None
    state.lemmas, state.unknown = answers
    texts = data.get("texts", {})
    if not (isinstance(texts, dict) and set(map(type, texts.values())) <= {str}):
        return None
    state.texts = texts
    for name, value in groups.items():
        kept = _kept(value, _pair_record)
        if kept is None:
            return None
        state.groups[name] = kept
    if data.get("across") is not None:
        state.across = _kept(data.get("across"), _across_record)
        if state.across is None:
            return None
    return state


#: libraries whose answers the scan (and the kept lemmatiser and spell-checker answers) depend on
_LIBRARIES = ("lemminflect", "pyspellchecker", "pysbd", "snowballstemmer")


def _code() -> str:
    """This package's version, the libraries' versions and the text of every module of the analysis."""
    h = hashlib.sha256(f"{FORMAT}\0{__version__}".encode())
    for name in _LIBRARIES:
        try:
            h.update(f"\0{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"\0{name}=-".encode())
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def entry_key(project: Path) -> str:
    """The cache key of a project's state: its folder and the code of the analysis."""
    return digest([_code(), str(project.resolve())])


def load(project: Path, folder: Path | None = None) -> State | None:
    return from_json(read_entry(KIND, entry_key(project), folder))


def save(project: Path, state: State, folder: Path | None = None) -> None:
    write_entry(KIND, entry_key(project), to_json(state), folder)


#: the forked copies writing a state (:func:`save_beside`), joined by :func:`settle`, each with the
#: process that started it (the only one that can join it)
_PENDING: list[tuple[int, BaseProcess]] = []


def save_beside(project: Path, state: State, folder: Path | None = None) -> None:
    """:func:`save`, in a forked copy of this process while this one goes on (here where the
    platform cannot fork, or with ``SMETS_DUPS_EDIT=off``). The state is for the next scan only: until
    the copy has renamed the new entry into place a scan reads the entry before it (written
    atomically: whole, or none), and any kept state gives the full scan's findings."""
    settle()
    child = None
    if quick() and forking.may_fork():
        with contextlib.suppress(OSError):  # no fork to be had: written here
            child = forking.start(save, (project, state, folder), "smets-dups-state")
    if child is None:
        save(project, state, folder)
    else:
        _PENDING.append((os.getpid(), child))


def adopt(process: BaseProcess) -> None:
    """Count a forked copy writing a state among those :func:`settle` waits for."""
    _PENDING.append((os.getpid(), process))


def settle() -> None:
    """Wait for the states being written (so that this process reads back the newest). In a copy
    forked from the process that started them, they are let go of: only their parent can join
    them, and each state is written whole or not at all (any kept state gives the same findings)."""
    while _PENDING:
        owner, process = _PENDING.pop()
        if owner == os.getpid():
            process.join()
