"""What the corpus load made of one spec file, kept between builds (the load in proportion to an edit).

:func:`~smets_spec.corpus.load.load_spec` reads every file's bytes on every build (they name the
corpus, :attr:`~.load.Corpus.digest`); for a file whose bytes, name and loader code are unchanged
it takes the fast reader's result and the validation of each need from here instead of reading and
validating again. The cross-file part (duplicate ids, links, versions) is always done on the whole
corpus, so the result is exactly a full load's (``tests/test_load_cache.py`` compares both on
random edits).

An entry is JSON in the user's cache folder (:mod:`.usercache`, kind ``corpus-file``), keyed by the
SHA-256 of the loader's code (every module of ``corpus/``), pydantic's version, the file's name as
shown in diagnostics and its bytes. Reading one checks every value's type and validates each
record's input again through its pydantic model; anything off (not JSON, another shape, a record
that does not validate, a symlink) makes that entry count as missing: the file is read in full.
Nothing in an entry can run code. As with every cache in that folder, whoever can write there can
put other well-formed values in an entry; that is not detectable without a secret, and it is the
user's own folder. ``SMETS_CORPUS_CACHE=off`` turns the cache off.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from .cachedir import switched_off, user_cache_folder
from .diagnostics import Diagnostic, Location, Rule, Severity
from .schema import BY_DIRECTIVE, Need
from .usercache import digest, entry_path, read_regular_entry, write_entry

KIND = "corpus-file"
#: the entries' layout; a new layout is a new key
FORMAT = "3"
SWITCH_ENV = "SMETS_CORPUS_CACHE"


def cache_folder() -> Path | None:
    """The folder the corpus cache lives in, or None when ``$SMETS_CORPUS_CACHE`` is ``off``."""
    if switched_off(SWITCH_ENV):
        return None
    return user_cache_folder()


@dataclass
class NeedResult:
    """One need directive of a file, read and validated (the input of the cross-file checks)."""

    directive: str
    location: Location
    #: the value of ``:id:`` as written ("" when none)
    need_id: str
    #: the line of each option, in the order written
    field_lines: dict[str, int]
    record: Need | None
    #: the values the record was validated from (None: no record); what the cache keeps
    data: dict[str, Any] | None
    problems: list[Diagnostic]
    rejected: frozenset[str]


@dataclass
class FileResult:
    """The fast reader's diagnostics of one file and its needs in source order."""

    errors: list[Diagnostic] = field(default_factory=list)
    needs: list[NeedResult] = field(default_factory=list)


@dataclass
class LoadStats:
    """What one load took from the cache (for tests and the benchmark)."""

    hits: int = 0
    misses: int = 0
    #: entries present but refused (corrupt, tampered, another shape)
    refused: int = 0


@cache
def code_version() -> str:
    """A digest of everything besides a file's bytes that its result depends on: the loader's code."""
    here = Path(__file__).parent
    parts: list[str | bytes] = [FORMAT, sys.version, _version("pydantic"), _version("pydantic-core")]
    sources = sorted(here.glob("*.py"))
    if not sources:  # installed without its sources: no version to name, so no entry is ever taken
        return os.urandom(32).hex()
    for path in sources:
        parts += [path.name, path.read_bytes()]
    return digest(parts)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def entry_key(display: str, data: bytes) -> str:
    return digest([KIND, code_version(), display, data])


def read(key: str, display: str, folder: Path, stats: LoadStats | None = None) -> FileResult | None:
    """The stored result under ``key`` (of the file named ``display``), checked; None when missing
    or refused."""
    value = read_regular_entry(KIND, key, folder)
    result = None
    if value is not None:
        try:
            result = _decode(value, display)
        except Exception:  # another shape (_BadEntryError), a record pydantic refuses, anything: refused
            result = None
    if stats is not None:
        stats.hits += result is not None
        stats.misses += result is None
        stats.refused += result is None and (
            value is not None or os.path.lexists(entry_path(KIND, key, folder))
        )
    return result


def write(key: str, display: str, result: FileResult, folder: Path) -> None:
    """Store ``result`` (best effort: a read-only or full cache folder only costs time). A result
    this module could not read back as it is (a need placed in another file) is not stored."""
    if all(need.location.file == display for need in result.needs):
        write_entry(KIND, key, _encode(result), folder)


def _encode(result: FileResult) -> dict[str, Any]:
    """The entry: the file's diagnostics, and each need as a list (its file is the entry's)."""
    return {
        "errors": [_diagnostic_out(d) for d in result.errors],
        "needs": [
            [
                need.directive,
                need.location.line,
                need.need_id,
                need.field_lines,
                None if need.data is None else {k: _value_out(v) for k, v in need.data.items()},
                [_diagnostic_out(d) for d in need.problems],
                sorted(need.rejected),
            ]
            for need in result.needs
        ],
    }


def _value_out(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _location_out(where: Location) -> list[Any]:
    return [where.file, where.line]


def _diagnostic_out(d: Diagnostic) -> list[Any]:
    related = None if d.related is None else _location_out(d.related)
    return [_location_out(d.location), d.severity.value, d.message, d.rule.value, d.fix, related]


class _BadEntryError(Exception):
    """A stored value not of the shape this module writes."""


def _expect(ok: bool) -> None:
    if not ok:
        raise _BadEntryError


def _str(value: object) -> str:
    _expect(type(value) is str)
    return value  # type: ignore[return-value]


def _optional_str(value: object) -> str | None:
    return None if value is None else _str(value)


def _list(value: object) -> list[Any]:
    _expect(type(value) is list)
    return value  # type: ignore[return-value]


def _line(value: object) -> int | None:
    _expect(value is None or (type(value) is int and 0 <= value < 1 << 40))
    return value  # type: ignore[return-value]


def _location_in(value: object) -> Location:
    parts = _list(value)
    _expect(len(parts) == 2)
    return Location(_str(parts[0]), _line(parts[1]))


def _diagnostic_in(value: object) -> Diagnostic:
    parts = _list(value)
    _expect(len(parts) == 6)
    related = None if parts[5] is None else _location_in(parts[5])
    return Diagnostic(
        _location_in(parts[0]),
        Severity(_str(parts[1])),
        _str(parts[2]),
        Rule(_str(parts[3])),
        _optional_str(parts[4]),
        related,
    )


def _data_in(value: object) -> dict[str, Any]:
    _expect(type(value) is dict)
    data: dict[str, Any] = dict(value)  # type: ignore[call-overload]
    for name, item in data.items():
        if type(item) is list:
            _expect(all(type(v) is str for v in item))
            data[name] = tuple(item)
        else:
            _expect(type(item) is str)
    return data


def _need_in(value: object, display: str) -> NeedResult:
    parts = _list(value)
    _expect(len(parts) == 7)
    directive, line, need_id, lines, data_in, problems, rejected = parts
    model = BY_DIRECTIVE.get(_str(directive))
    _expect(type(lines) is dict and all(type(n) is int for n in lines.values()))
    _expect(model is not None)
    data = None if data_in is None else _data_in(data_in)
    return NeedResult(
        directive,
        Location(display, _line(line)),
        _str(need_id),
        lines,
        None if data is None or model is None else model.model_validate(data),
        data,
        [_diagnostic_in(d) for d in _list(problems)] if problems else [],
        frozenset(_str(name) for name in _list(rejected)) if rejected else frozenset(),
    )


def _decode(value: object, display: str) -> FileResult:
    _expect(type(value) is dict)
    entry: dict[str, Any] = value  # type: ignore[assignment]
    _expect(set(entry) == {"errors", "needs"})
    return FileResult(
        [_diagnostic_in(d) for d in _list(entry["errors"])],
        [_need_in(n, display) for n in _list(entry["needs"])],
    )
