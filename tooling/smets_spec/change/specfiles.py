"""Reading spec files for the index: the fast reader's needs, lazily validated, and the
entries the index keeps of them (read by forked workers when a whole large spec is read)."""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass, field
from sys import intern
from typing import NamedTuple

from ..corpus.diagnostics import Diagnostic
from ..corpus.load import build_record, raw_values
from ..corpus.rstreader import RawNeed, decode, read_text
from ..corpus.schema import BY_DIRECTIVE, ImpactClass, Need
from .history import Source


class Node(NamedTuple):
    directive: str
    title: str
    file: str
    line: int | None
    impact: str | None  # requirements: their impact class


@dataclass
class ParsedNeed:
    """A need as read from its file; validated (into a record) only when asked."""

    raw: RawNeed
    _validated: tuple[Need | None, list[Diagnostic]] | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        option = self.raw.options.get("id")
        return option.value.strip() if option else ""

    def validated(self) -> tuple[Need | None, list[Diagnostic]]:
        if self._validated is None:
            self._validated = build_record(self.raw, raw_values(self.raw))
        return self._validated

    @property
    def record(self) -> Need | None:
        return self.validated()[0]

    def same_text(self, other: ParsedNeed) -> bool:
        """Written identically (lines aside): then the records are equal too."""
        a, b = self.raw, other.raw
        return (
            a.directive == b.directive
            and a.title == b.title
            and a.content == b.content
            and {k: o.value for k, o in a.options.items()} == {k: o.value for k, o in b.options.items()}
        )


@dataclass
class FileParse:
    path: str
    needs: list[ParsedNeed]
    diagnostics: list[Diagnostic]

    _by_id: dict[str, ParsedNeed] | None = field(default=None, repr=False)

    def find(self, need_id: str) -> ParsedNeed | None:
        """The need with this id (the first one, when the file defines it twice)."""
        if self._by_id is None:
            self._by_id = {}
            for parsed in self.needs:
                self._by_id.setdefault(parsed.id, parsed)
        return self._by_id.get(need_id)


def parse_file(source: Source, path: str) -> FileParse:
    """Read one file of a source with the fast reader (validation is left for later)."""
    text, problems = decode(source.read(path), path)
    if text is None:
        return FileParse(path, [], problems)
    raws, diagnostics = read_text(text, path, BY_DIRECTIVE)
    return FileParse(path, [ParsedNeed(raw) for raw in raws], diagnostics)


def _link_values(raw: RawNeed) -> tuple[tuple[str, str], ...]:
    """The links a need writes, read as the schema splits them (comma-separated ids)."""
    out: dict[tuple[str, str], None] = {}
    for name in BY_DIRECTIVE[raw.directive].links():
        option = raw.options.get(name)
        if option is not None:
            out.update(((name, intern(t.strip())), None) for t in option.value.split(",") if t.strip())
    return tuple(out)


_IMPACTS = frozenset(c.value for c in ImpactClass)
Entry = tuple[str, Node, tuple[tuple[str, str], ...]]  # id, node, links


def entries_of(raws: list[RawNeed]) -> list[Entry]:
    """What the index keeps of each need read (needs without an id are left out)."""
    out: list[Entry] = []
    for raw in raws:
        option = raw.options.get("id")
        need_id = intern(option.value.strip()) if option else ""
        if not need_id:
            continue
        impact = raw.options.get("impact")
        value = impact.value.strip() if impact and raw.directive == "req" else None
        node = Node(
            intern(raw.directive),
            " ".join(raw.title.split()),
            intern(raw.location.file),
            raw.location.line,
            intern(value) if value in _IMPACTS else None,
        )
        out.append((need_id, node, _link_values(raw)))
    return out


_PAYLOAD: dict[str, bytes] = {}
#: Below this many bytes of spec, one process reads faster than a pool can start.
PARALLEL_BYTES = 2_000_000


def _entries_of_paths(paths: list[str]) -> list[tuple[str, list[Entry]]]:
    out = []
    for path in paths:
        text, _ = decode(_PAYLOAD[path], path)
        raws = read_text(text, path, BY_DIRECTIVE)[0] if text is not None else []
        out.append((path, entries_of(raws)))
    return out


def _workers(size: int) -> int:
    if size < PARALLEL_BYTES or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if multiprocessing.current_process().daemon:  # e.g. a parallel Sphinx worker: no children allowed
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def read_entries(source: Source) -> dict[str, list[Entry]]:
    """The entries of every file of a source, read by up to 4 forked processes when it is large."""
    global _PAYLOAD  # handed to forked workers, cleared right after
    source.prefetch(source.files)
    _PAYLOAD = {path: source.read(path) for path in source.files}
    try:
        workers = _workers(sum(len(data) for data in _PAYLOAD.values()))
        paths = list(source.files)
        if workers > 1:
            chunks = [paths[n::workers] for n in range(workers)]
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                return dict(item for part in pool.map(_entries_of_paths, chunks) for item in part)
        return dict(_entries_of_paths(paths))
    finally:
        _PAYLOAD = {}
