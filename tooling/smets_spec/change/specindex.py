"""A light index of a spec tree, cached by its git tree id, and one side of a comparison.

Loading and validating a whole 10,000-requirement corpus takes seconds, and most
of a pull request's corpus is the same on both sides. So a side of a comparison
is a :class:`SpecIndex`: per need its type, title, place and links (plain data),
per file its blob id and the ids it defines. The base side's index is cached as JSON
under the git tree id of ``spec/`` in the user's cache folder (:func:`user_cache_folder`),
outside the repository: nothing a checkout or a pull request contains is read as a cache,
and a cache file is data (JSON, checked field by field), never code, so a corrupt or
planted file is ignored. The head side is the base index with the changed files re-read.
Full validated records are read lazily, file by file, only where a comparison needs them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..corpus.cachedir import CACHE_ENV as CACHE_ENV  # re-exported: callers and tests import it here
from ..corpus.cachedir import user_cache_folder as user_cache_folder
from ..corpus.diagnostics import Diagnostic
from ..corpus.files import write_atomic
from ..corpus.load import Corpus, build_corpus, raw_values
from ..corpus.rstreader import RawNeed
from ..corpus.schema import Need
from ..forking import no_gc as no_gc  # re-exported: the change commands import it here
from ..trace.graph import DOWNSTREAM, Flow
from .history import Source, path_key
from .specfiles import Entry, FileParse, Node, ParsedNeed, entries_of, parse_file, read_entries

if TYPE_CHECKING:
    import networkx as nx

#: A cache folder inside a checkout, for benchmarks that measure a cold and a warm cache.
CACHE_FOLDER = ".smets-cache"
_FORMAT = "smets-spec-index"
Incoming = dict[str, dict[str, None]]  # link name -> sources (an ordered set)
#: the modules, relative to the package, whose code decides what an index holds
_ENGINE_MODULES = (
    "corpus/schema",
    "corpus/load",
    "corpus/rstreader",
    "corpus/validate",
    "change/specfiles",
    "change/specindex",
)


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
        direction written, so :func:`smets_spec.trace.graph.walk` on it finds exactly
        what it finds on the whole graph of the corpus.
        """
        import networkx as nx  # lazily: 0.2 s to import, which a build does not need

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
    here = Path(__file__).parent.parent
    for name in _ENGINE_MODULES:
        digest.update((here / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]


def index_to_json(index: SpecIndex) -> dict[str, object]:
    """Plain JSON data: nodes as 5-item lists, links as flat ``[name, target, ...]`` lists."""
    return {
        "files": index.files,
        "by_file": {path: list(ids) for path, ids in index.by_file.items()},
        "nodes": {need_id: list(node) for need_id, node in index.nodes.items()},
        "links": {need_id: [part for pair in out for part in pair] for need_id, out in index.links.items()},
        "incoming": {
            target: {name: list(sources) for name, sources in by_name.items() if sources}
            for target, by_name in index.incoming.items()
        },
    }


_TEXT = {str}
_LINE = {int, type(None)}
_IMPACT = {str, type(None)}


def _strings(value: object) -> list[str]:
    """``value`` if it is a list of strings (one C-level pass over the types), else ValueError."""
    if type(value) is not list or not set(map(type, value)) <= _TEXT:
        raise ValueError("not a list of strings")
    return value


def _mapping(value: object) -> dict[str, object]:
    if type(value) is not dict:
        raise ValueError("not an object")
    return value


def _nodes(data: dict[str, object]) -> dict[str, Node]:
    nodes = {}
    for need_id, value in data.items():
        if type(value) is not list or len(value) != 5:
            raise ValueError("not a node")
        directive, title, file, line, impact = value
        if type(directive) is not str or type(title) is not str or type(file) is not str:
            raise ValueError("not a node")
        if type(line) not in _LINE or type(impact) not in _IMPACT:
            raise ValueError("not a node")
        nodes[need_id] = Node(directive, title, file, line, impact)
    return nodes


def index_from_json(data: object) -> SpecIndex:
    """The index a cache file holds; ValueError for anything that is not exactly that shape.

    Every value's type is checked (bool is not a line number), each list in one C-level pass.
    """
    top = _mapping(data)
    files = _mapping(top["files"])
    if not set(map(type, files.values())) <= _TEXT:
        raise ValueError("not a file list")
    index = SpecIndex(files)  # type: ignore[arg-type]  # checked: str -> str
    index.by_file = {path: tuple(_strings(ids)) for path, ids in _mapping(top["by_file"]).items()}
    index.nodes = _nodes(_mapping(top["nodes"]))
    for need_id, out in _mapping(top["links"]).items():
        flat = _strings(out)
        if len(flat) % 2:
            raise ValueError("not a link list")
        index.links[need_id] = tuple(zip(flat[0::2], flat[1::2], strict=True))
    index.incoming = {
        target: {name: dict.fromkeys(_strings(sources)) for name, sources in _mapping(by_name).items()}
        for target, by_name in _mapping(top["incoming"]).items()
    }
    return index


@dataclass
class IndexCache:
    """Indexes kept as JSON under ``folder`` by git tree id (``None`` folder: no cache).

    Only :class:`SpecIndex` data is read back (a file of any other shape, or corrupt, counts
    as no cache); nothing in a cache file can run code.
    """

    folder: Path | None
    _key: str = field(default_factory=engine_key)

    def _path(self, tree: str) -> Path | None:
        if self.folder is None or not all(c in "0123456789abcdef" for c in tree):
            return None
        return self.folder / "index" / f"{tree}-{self._key}.json"

    def get(self, tree: str | None) -> SpecIndex | None:
        path = self._path(tree) if tree else None
        if path is None or not path.is_file():
            return None
        try:
            with no_gc():
                data = json.loads(path.read_bytes())
                if not isinstance(data, dict) or data.get("format") != _FORMAT or data.get("tree") != tree:
                    return None
                return index_from_json(data.get("index"))
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            return None

    @staticmethod
    def _prune(folder: Path, keep: int = 32) -> None:
        """Keep the most recently written indexes (old revisions and old engine versions go)."""
        entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in entries[keep:]:
            stale.unlink(missing_ok=True)

    def put(self, tree: str | None, index: SpecIndex) -> None:
        path = self._path(tree) if tree else None
        if path is None:
            return
        data = {"format": _FORMAT, "tree": tree, "engine": self._key, "index": index_to_json(index)}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
            self._prune(path.parent)
        except OSError:
            pass  # a read-only cache folder: work without the cache


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
            raws.extend((p.raw, raw_values(p.raw)) for p in parse.needs)
        return build_corpus(raws, early)  # type: ignore[arg-type]


def open_side(source: Source, cache: IndexCache, base: Side | None = None) -> Side:
    """The side of ``source``: its index from the cache, patched from ``base``, or built."""
    with no_gc():
        return _open_side(source, cache, base)


def _open_side(source: Source, cache: IndexCache, base: Side | None) -> Side:
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


def build_index(source: Source) -> SpecIndex:
    """The index of a whole source."""
    found = read_entries(source)
    index = SpecIndex()
    for path in source.files:
        index.add_entries(path, source.files[path], found[path])
    return index
