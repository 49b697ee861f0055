"""A light index of a spec tree, cached by its git tree id, and one side of a comparison.

Loading and validating a whole 10,000-requirement corpus takes seconds, and most
of a pull request's corpus is the same on both sides. So a side of a comparison
is a :class:`SpecIndex`: per need its type, title, place and links (plain data,
quick to unpickle), per file its blob id and the ids it defines. The base side's
index is cached in ``.smets-cache/`` under the git tree id of ``spec/``; the head
side is the base index with the changed files re-read. Full validated records
are read lazily, file by file, only where a comparison needs them.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from sys import intern
from typing import NamedTuple

import networkx as nx

from . import __version__
from .corpus import Corpus, _raw_values, build_corpus, build_record
from .diagnostics import Diagnostic, Location, Rule, Severity
from .graph import DOWNSTREAM, Flow
from .history import Source, path_key
from .rstreader import RawNeed, read_text
from .schema import BY_DIRECTIVE, ImpactClass, Need

CACHE_FOLDER = ".smets-cache"
_ENGINE_MODULES = ("schema", "corpus", "rstreader", "validate", "specindex")


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
            self._validated = build_record(self.raw, _raw_values(self.raw))
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


def decode(data: bytes, display: str) -> tuple[str | None, list[Diagnostic]]:
    """A file's text, or the error the fast reader gives for a file that is not UTF-8."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [
            Diagnostic(
                Location(display, line),
                Severity.ERROR,
                f"file is not UTF-8 ({exc.reason}: byte 0x{data[exc.start]:02x} at offset {exc.start})",
                Rule.INPUT,
                "save the file as UTF-8 (for example: iconv -f cp1252 -t utf-8)",
            )
        ]


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
Incoming = dict[str, dict[str, None]]  # link name -> sources (an ordered set)
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


@dataclass
class SpecIndex:
    """Per need: type, title, place, links (as written); per file: blob id and the ids it defines.

    Built from what the fast reader reads, without validating each need (the links and
    fields it keeps need no more than splitting on commas); a need without an id is left
    out, and of two needs with the same id the first one read counts.
    """

    files: dict[str, str] = field(default_factory=dict)
    by_file: dict[str, tuple[str, ...]] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    links: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    incoming: dict[str, Incoming] = field(default_factory=dict)
    _owned: set[str] = field(default_factory=set, repr=False)  # incoming entries not shared with a copy

    def _incoming_of(self, target: str) -> Incoming:
        """The incoming links of ``target``, copied first if shared with another index."""
        found = self.incoming.get(target)
        if found is None:
            found = self.incoming[target] = {}
        elif target not in self._owned:
            found = self.incoming[target] = {name: dict(sources) for name, sources in found.items()}
        self._owned.add(target)
        return found

    def add_file(self, parse: FileParse, sha: str) -> None:
        self.add_entries(parse.path, sha, entries_of([p.raw for p in parse.needs]))

    def add_entries(self, path: str, sha: str, entries: list[Entry]) -> None:
        self.files[path] = sha
        ids = []
        for need_id, node, out in entries:
            if need_id in self.nodes:
                continue
            ids.append(need_id)
            self.nodes[need_id] = node
            self.links[need_id] = out
            for name, target in out:
                self._incoming_of(target).setdefault(name, {})[need_id] = None
        self.by_file[path] = tuple(ids)

    def remove_file(self, path: str) -> None:
        self.files.pop(path, None)
        for need_id in self.by_file.pop(path, ()):
            node = self.nodes.get(need_id)
            if node is None or node.file != path:
                continue
            del self.nodes[need_id]
            for name, target in self.links.pop(need_id, ()):
                if target in self.incoming:
                    self._incoming_of(target).get(name, {}).pop(need_id, None)

    def copy(self) -> SpecIndex:
        """A copy to derive another side from (the entries are shared until changed)."""
        self._owned = set()
        return SpecIndex(
            dict(self.files), dict(self.by_file), dict(self.nodes), dict(self.links), dict(self.incoming)
        )

    def sources(self, target: str, name: str | None = None) -> list[tuple[str, str]]:
        """``(source, link)`` of the links to ``target`` (of one link type when ``name`` is given)."""
        found = self.incoming.get(target, {})
        names = [name] if name is not None else list(found)
        return [(source, n) for n in names for source in found.get(n, {})]

    def downstream_graph(self, starts: Iterable[str], links: Iterable[str] | None = None) -> nx.MultiDiGraph:
        """The part of the link graph that a downstream walk from ``starts`` can use.

        It holds every need reachable downstream and every link walked, in the
        direction written, so :func:`smets_spec.graph.walk` on it finds exactly
        what it finds on the whole graph of the corpus.
        """
        allowed = set(links) if links is not None else None
        graph = nx.MultiDiGraph()
        frontier = [s for s in starts if s in self.nodes]
        for start in frontier:
            graph.add_node(start, type=self.nodes[start].directive)
        seen = set(frontier)
        while frontier:
            following: list[str] = []
            for node in frontier:
                steps = [
                    (node, name, target)
                    for name, target in self.links.get(node, ())
                    if DOWNSTREAM.get(name, Flow.FORWARD) is Flow.FORWARD
                ]
                steps += [
                    (source, name, node)
                    for name, sources in self.incoming.get(node, {}).items()
                    if DOWNSTREAM.get(name, Flow.FORWARD) is Flow.BACKWARD
                    for source in sources
                ]
                for source, name, target in steps:
                    if source not in self.nodes or target not in self.nodes:
                        continue
                    if allowed is not None and name not in allowed:
                        continue
                    other = target if source == node else source
                    if other not in seen:
                        seen.add(other)
                        graph.add_node(other, type=self.nodes[other].directive)
                        following.append(other)
                    graph.add_edge(source, target, key=name, link=name)
            frontier = following
        return graph


def engine_key() -> str:
    """Changes when the code that reads and validates needs changes (invalidates the cache)."""
    digest = hashlib.sha1(__version__.encode())
    here = Path(__file__).parent
    for name in _ENGINE_MODULES:
        digest.update((here / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class IndexCache:
    """Indexes pickled under ``folder`` by git tree id (``None`` folder: no cache)."""

    folder: Path | None
    _key: str = field(default_factory=engine_key)

    def _path(self, tree: str) -> Path | None:
        return self.folder / "index" / f"{tree}-{self._key}.pickle" if self.folder else None

    def get(self, tree: str | None) -> SpecIndex | None:
        path = self._path(tree) if tree else None
        if path is None or not path.is_file():
            return None
        try:
            with path.open("rb") as handle:
                index = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None
        return index if isinstance(index, SpecIndex) else None

    @staticmethod
    def _prune(folder: Path, keep: int = 32) -> None:
        """Keep the most recently written indexes (old revisions and old engine versions go)."""
        entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in entries[keep:]:
            stale.unlink(missing_ok=True)

    def put(self, tree: str | None, index: SpecIndex) -> None:
        path = self._path(tree) if tree else None
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                pickle.dump(index, out, protocol=pickle.HIGHEST_PROTOCOL)
            Path(temp).replace(path)
            self._prune(path.parent)
        except OSError:
            pass  # a read-only checkout: work without the cache


@dataclass
class Side:
    """One side of a comparison: its source, its index, and the files parsed so far."""

    source: Source
    index: SpecIndex
    parsed: dict[str, FileParse] = field(default_factory=dict)
    cached: bool = False  # the index came from the cache

    @property
    def label(self) -> str:
        return self.source.label

    def file(self, path: str) -> FileParse:
        if path not in self.parsed:
            self.parsed[path] = parse_file(self.source, path)
        return self.parsed[path]

    def parsed_need(self, need_id: str) -> ParsedNeed | None:
        node = self.index.nodes.get(need_id)
        return self.file(node.file).find(need_id) if node is not None else None

    def record(self, need_id: str) -> Need | None:
        parsed = self.parsed_need(need_id)
        return parsed.record if parsed is not None else None

    def part(self, ids: Iterable[str]) -> Corpus:
        """A corpus of just these needs (records and places; no cross-need checks)."""
        corpus = Corpus()
        for need_id in ids:
            parsed = self.parsed_need(need_id)
            if parsed is None or parsed.record is None:
                continue
            corpus.needs[need_id] = parsed.record
            corpus.locations[need_id] = parsed.raw.location
            corpus.field_lines[need_id] = {n: o.line for n, o in parsed.raw.options.items()}
        return corpus

    def corpus(self) -> Corpus:
        """The whole validated corpus of this side (reads every file; for validation reports)."""
        self.source.prefetch(set(self.source.files) - set(self.parsed))
        raws: list[tuple[RawNeed, dict[str, object]]] = []
        early: list[Diagnostic] = []
        for path in sorted(self.source.files, key=path_key):
            parse = self.file(path)
            early.extend(parse.diagnostics)
            raws.extend((p.raw, _raw_values(p.raw)) for p in parse.needs)
        return build_corpus(raws, early)  # type: ignore[arg-type]


def open_side(source: Source, cache: IndexCache, base: Side | None = None) -> Side:
    """The side of ``source``: its index from the cache, patched from ``base``, or built."""
    index = cache.get(source.tree)
    if index is not None:
        return Side(source, index, cached=True)
    side = Side(source, SpecIndex())
    if base is not None:
        index = base.index.copy()
        changed = changed_paths(base.source, source)
        for path in sorted(changed, key=path_key):
            index.remove_file(path)
        source.prefetch(changed & set(source.files))
        for path in sorted(changed & set(source.files), key=path_key):
            index.add_file(side.file(path), source.files[path])
        side.parsed.update(
            {p: f for p, f in base.parsed.items() if source.files.get(p) == base.source.files[p]}
        )
    else:
        index = build_index(source)
        cache.put(source.tree, index)  # only whole reads: a derived side costs little to derive again
    side.index = index
    return side


def changed_paths(base: Source, head: Source) -> set[str]:
    """Files added, removed or edited between two sources."""
    paths = set(base.files) | set(head.files)
    return {p for p in paths if base.files.get(p) != head.files.get(p)}


#: Bytes of the files being read, for forked workers (set only while a pool runs).
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


def build_index(source: Source) -> SpecIndex:
    """The index of a whole source, its files read by up to 4 forked processes when it is large."""
    global _PAYLOAD  # handed to forked workers, cleared right after
    source.prefetch(source.files)
    _PAYLOAD = {path: source.read(path) for path in source.files}
    try:
        workers = _workers(sum(len(data) for data in _PAYLOAD.values()))
        paths = list(source.files)
        if workers > 1:
            chunks = [paths[n::workers] for n in range(workers)]
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                found = dict(item for part in pool.map(_entries_of_paths, chunks) for item in part)
        else:
            found = dict(_entries_of_paths(paths))
    finally:
        _PAYLOAD = {}
    index = SpecIndex()
    for path in paths:
        index.add_entries(path, source.files[path], found[path])
    return index
