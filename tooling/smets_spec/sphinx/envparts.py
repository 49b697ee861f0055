"""sphinx-needs' needs of Sphinx's saved environment in one part per document, unchanged parts not
pickled again.

An incremental build re-reads a few documents, then Sphinx pickles the whole environment again
(``OUT/.doctrees/environment.pickle``): at 10,000 requirements 18,498 needs, about 0.45 of the
dump's 0.65 CPU seconds, though all but the edited document's needs are the very objects
unpickled at start-up. Here the needs (``env._needs_all_needs``) are saved beside the file, in
``OUT/.doctrees/smets-needs/``, one pickle per document (named by the SHA-256 of its bytes), and
the environment file holds their order and the parts' names (and the folder they were written to,
for a plain ``pickle.load`` of the file; Sphinx's load reads them beside the file it loads). A
part whose document's needs are, one for one and in order, the objects unpickled from it is not
pickled again: its file is kept.

Why that is the same: between Sphinx's load and its dump (the read), sphinx-needs only adds needs
(``add_need``) and removes a document's (``remove_doc``); it changes needs in place only in its
post-processing, at ``write-started``, after the dump (the file holds needs as read, every build
post-processes them again). ``tests/test_envparts.py`` compares the environment saved this way
with the one pickled whole, need by need, after seeded random edits of every kind.

sphinx-needs' copies of the need nodes (``env._needs_all_nodes``, 8 of the file's 17 MB at
10,000 requirements, 0.16 CPU seconds of each dump) are saved the same way, in parts of their own
(each document's nodes, in the dict's order), and a part is kept when its nodes are the objects
unpickled from it: sphinx-needs only adds a need's node copy (``add_need``) or removes it
(``remove_need``) while reading, and releases them all (:mod:`.neednodes`) at ``write-started``, after
the dump. ``SMETS_ENV_NODE_PARTS=off`` pickles them inside the environment file, as before.
When Sphinx loads the environment, the node parts are read and checked but not unpickled: each
node is an :class:`Unread` of its part (sphinx-needs reads a kept node only through
``get_need_node``, a deep copy, which it gives; pickled, it is the node), so an edit's build
neither unpickles 18,498 nodes at start-up nor walks them when :mod:`.neednodes` releases them
(``SMETS_ENV_NODES_LAZY=off``: every node unpickled as before).

Each part is one pickle of the compact reduction (:mod:`.envpickle`); a part that is missing,
another layout's or not what its name says makes the load fail, and Sphinx then starts from a
fresh environment, as for any environment it cannot load. Everything stays in Sphinx's output
folder; nothing is read from the user cache. Parts no longer named by the environment file are
removed once it is written.

A new environment (a build into an empty output folder: every part is pickled, 0.7 s of CPU at
10,000 requirements) is saved by a forked copy of the build's process while the build goes on to
sphinx-needs' post-processing and the write, on the core those leave idle (:func:`dump`); the
copy pickles what the process held when it forked, the environment as read, so the file is the
one the process would have written. The build waits for it at the end of ``build-finished``
(:func:`settle`), and if the copy failed, removes the environment file, so the next build reads
every document (as for any environment Sphinx cannot load). ``SMETS_ENV_BESIDE=off`` saves it in
the build's process.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from .. import forking
from ..corpus.cachedir import switched_off
from ..corpus.files import write_atomic
from .beside import waits_at_finish

#: the folder of the parts, beside ``environment.pickle``
FOLDER = "smets-needs"
#: the format of a part's reference in the environment file
FORMAT = 1
_NAME = re.compile(r"[0-9a-f]{64}\.pickle")

#: the folder parts are read from while an environment file is unpickled (see :func:`reading`)
_READING: list[Path] = []
#: the parts the last unpickled environment was made from: (file name, the need objects made from it)
_LOADED: list[tuple[str, tuple[Any, ...]]] = []
#: the node parts it was made from, by the first need id of each: (file name, the node objects)
_LOADED_NODES: dict[str, tuple[str, tuple[Any, ...]]] = {}
#: parts of the last dump: kept as they were, pickled again (needs, then need nodes)
LAST_DUMP = {"kept": 0, "pickled": 0, "nodes_kept": 0, "nodes_pickled": 0}
#: sphinx-needs' copies of the need nodes, in the environment
NODES = "_needs_all_nodes"
#: ``SMETS_ENV_NODE_PARTS=off``: the need nodes pickled inside the environment file, as before
NODE_PARTS = "SMETS_ENV_NODE_PARTS"


class _Needs:
    """Stands for ``env._needs_all_needs`` while the environment is pickled: its ids in order and
    the names of its parts (a part per document)."""

    __slots__ = ("folder", "ids", "parts")

    def __init__(self, ids: tuple[str, ...], parts: tuple[str, ...], folder: Path) -> None:
        self.ids, self.parts, self.folder = ids, parts, folder

    def __reduce__(self) -> tuple[Any, ...]:
        return _needs, (FORMAT, self.ids, self.parts, str(self.folder))


class _Nodes(_Needs):
    """Stands for ``env._needs_all_nodes`` while the environment is pickled (as :class:`_Needs`),
    with the ids each part holds, in order."""

    __slots__ = ("part_ids",)

    def __init__(
        self,
        ids: tuple[str, ...],
        parts: tuple[str, ...],
        folder: Path,
        part_ids: tuple[tuple[str, ...], ...],
    ) -> None:
        super().__init__(ids, parts, folder)
        self.part_ids = part_ids

    def __reduce__(self) -> tuple[Any, ...]:
        return _nodes, (FORMAT, self.ids, self.parts, str(self.folder), self.part_ids)


class _Part:
    """A part of need nodes read but not unpickled: unpickled the first time one of its nodes
    is asked for (:class:`Unread`)."""

    __slots__ = ("_data", "_keys", "_nodes")

    def __init__(self, data: bytes, keys: tuple[str, ...]) -> None:
        self._data, self._keys = data, keys
        self._nodes: dict[str, Any] | None = None

    def node(self, key: str) -> Any:
        if self._nodes is None:
            found = pickle.loads(self._data)
            if not isinstance(found, dict) or tuple(found) != self._keys:
                raise ValueError("a part of the saved need nodes does not hold the ids the environment lists")
            self._nodes, self._data = found, b""
        return self._nodes[key]


class Unread:
    """A need node of the saved environment not unpickled yet (``SMETS_ENV_NODES_LAZY``).

    sphinx-needs reads a node it keeps only through ``get_need_node``, which returns
    ``node.deepcopy()``: this gives the deep copy of the node its part unpickles into. Pickled,
    it is that node."""

    __slots__ = ("_key", "_part")

    def __init__(self, part: _Part, key: str) -> None:
        self._part, self._key = part, key

    def node(self) -> Any:
        return self._part.node(self._key)

    def deepcopy(self) -> Any:
        return self.node().deepcopy()

    def __reduce__(self) -> tuple[Any, ...]:
        return _same, (self.node(),)


def _same(obj: Any) -> Any:
    return obj


#: ``SMETS_ENV_NODES_LAZY=off``: the need nodes unpickled as Sphinx loads the environment
LAZY = "SMETS_ENV_NODES_LAZY"
#: whether the environment being loaded leaves its need nodes unread (:func:`reading`)
_LAZY: list[bool] = []


def _read(
    version: int, ids: tuple[str, ...], parts: tuple[str, ...], written_in: str
) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    """The dict of ``ids`` read from its parts: in the folder being read (:func:`reading`:
    Sphinx's load), else in the one they were written to (a plain ``pickle.load`` of the file);
    with each part's name and entries."""
    _check_format(version)
    folder = _READING[-1] if _READING else Path(written_in)
    found: dict[str, Any] = {}
    loaded: list[tuple[str, dict[str, Any]]] = []
    for name in parts:
        part = pickle.loads(_part_bytes(folder, name))
        found.update(part)
        loaded.append((name, part))
    return _in_order(found, ids), loaded


def _check_format(version: int) -> None:
    if version != FORMAT:
        raise ValueError("the saved environment's needs are in parts this build cannot read")


def _part_bytes(folder: Path, name: str) -> bytes:
    """The bytes of part ``name`` in ``folder``, checked against its name (their SHA-256)."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a part of the saved needs: {name!r}")
    data = (folder / name).read_bytes()
    if hashlib.sha256(data).hexdigest() != name.removesuffix(".pickle"):
        raise ValueError(f"{folder / name} is not the part the environment names")
    return data


def _in_order(found: dict[str, Any], ids: tuple[str, ...]) -> dict[str, Any]:
    """``found`` in the order of ``ids``, which must be exactly its keys."""
    if len(found) != len(ids) or set(found) != set(ids):
        raise ValueError("the saved needs' parts do not hold the needs the environment lists")
    return {key: found[key] for key in ids}


def _needs(version: int, ids: tuple[str, ...], parts: tuple[str, ...], written_in: str) -> dict[str, Any]:
    """The needs dict, read from its parts (:func:`_read`)."""
    needs, loaded = _read(version, ids, parts, written_in)
    _LOADED[:] = [(name, tuple(part.values())) for name, part in loaded]
    return needs


def _nodes(
    version: int,
    ids: tuple[str, ...],
    parts: tuple[str, ...],
    written_in: str,
    part_ids: tuple[tuple[str, ...], ...],
) -> dict[str, Any]:
    """The need nodes dict, read from its parts (:func:`_read`); in Sphinx's load (unless
    ``SMETS_ENV_NODES_LAZY=off``) each node an :class:`Unread` of its part, nothing unpickled."""
    _LOADED_NODES.clear()
    if not (_LAZY and _LAZY[-1] and _READING) or len(part_ids) != len(parts):
        nodes, loaded = _read(version, ids, parts, written_in)
        _LOADED_NODES.update(
            (next(iter(part)), (name, tuple(part.values()))) for name, part in loaded if part
        )
        return nodes
    _check_format(version)
    found: dict[str, Any] = {}
    for name, keys in zip(parts, part_ids, strict=True):
        part = _Part(_part_bytes(_READING[-1], name), keys)
        unread = tuple(Unread(part, key) for key in keys)
        found.update(zip(keys, unread, strict=True))
        if keys:
            _LOADED_NODES[keys[0]] = (name, unread)
    return _in_order(found, ids)


@contextlib.contextmanager
def reading(folder: Path, lazy_nodes: bool = False) -> Iterator[None]:
    """While unpickling an environment file of ``folder`` (Sphinx's doctree folder); with
    ``lazy_nodes``, its need nodes left unread (:class:`Unread`)."""
    _LOADED.clear()
    _LOADED_NODES.clear()
    _READING.append(folder / FOLDER)
    _LAZY.append(lazy_nodes and not switched_off(LAZY))
    try:
        yield
    finally:
        _READING.pop()
        _LAZY.pop()


def load(path: Path) -> Any:
    """The environment saved at ``path`` (for tests and benchmarks; Sphinx loads it itself)."""
    with reading(path.parent), path.open("rb") as file:
        return pickle.load(file)


def _docname(need: Any) -> str | None:
    source = getattr(need, "_source", None)
    return getattr(source, "docname", None)


def _groups(needs: dict[str, Any]) -> list[dict[str, Any]]:
    """The needs of each document (in the dict's order), documents in the order first met."""
    groups: dict[str | None, dict[str, Any]] = {}
    for need_id, need in needs.items():
        groups.setdefault(_docname(need), {})[need_id] = need
    return list(groups.values())


def _unchanged(group: dict[str, Any], loaded: dict[str, tuple[str, tuple[Any, ...]]]) -> str | None:
    """The loaded part's name if ``group`` is, one for one and in order, the needs made from it."""
    first = next(iter(group.values()))
    name, objects = loaded.get(_docname(first) or "", ("", ()))
    if len(objects) != len(group) or not all(a is b for a, b in zip(objects, group.values(), strict=True)):
        return None
    return name


def _save_parts(folder: Path, needs: dict[str, Any], protocol: int) -> tuple[str, ...]:
    """Each document's needs as a part in ``folder``: the loaded part again when its needs are
    the objects made from it (and its file is there), else pickled and written."""
    loaded = {_docname(objects[0]) or "": (name, objects) for name, objects in _LOADED if objects}
    names: list[str] = []
    LAST_DUMP.update(kept=0, pickled=0)
    for group in _groups(needs):
        name = _unchanged(group, loaded)
        LAST_DUMP["kept" if name is not None else "pickled"] += 1
        if name is None or not (folder / name).is_file():
            data = pickle.dumps(group, protocol)
            name = hashlib.sha256(data).hexdigest() + ".pickle"
            write_atomic(folder / name, data, durable=False)  # over a file of that name but other bytes too
        names.append(name)
    return tuple(names)


def _node_groups(nodes: dict[str, Any], needs: dict[str, Any]) -> list[dict[str, Any]]:
    """The need nodes of each document (their need's), in the dict's order, documents in the
    order first met."""
    groups: dict[str | None, dict[str, Any]] = {}
    for need_id, node in nodes.items():
        groups.setdefault(_docname(needs.get(need_id)), {})[need_id] = node
    return list(groups.values())


def _save_node_parts(
    folder: Path, nodes: dict[str, Any], needs: dict[str, Any], protocol: int
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Each document's need nodes as a part in ``folder``: the loaded part again when its nodes
    are the objects made from it, one for one and in order (and its file is there), else pickled
    (an :class:`Unread` node as the node it stands for); the parts' names and their ids."""
    names: list[str] = []
    LAST_DUMP.update(nodes_kept=0, nodes_pickled=0)
    groups = _node_groups(nodes, needs)
    for group in groups:
        name, objects = _LOADED_NODES.get(next(iter(group)), ("", ()))
        same = len(objects) == len(group) and all(
            a is b for a, b in zip(objects, group.values(), strict=True)
        )
        LAST_DUMP["nodes_kept" if same else "nodes_pickled"] += 1
        if not same or not (folder / name).is_file():
            real = {key: node.node() if isinstance(node, Unread) else node for key, node in group.items()}
            data = pickle.dumps(real, protocol)
            name = hashlib.sha256(data).hexdigest() + ".pickle"
            write_atomic(folder / name, data, durable=False)
        names.append(name)
    return tuple(names), tuple(tuple(group) for group in groups)


#: ``SMETS_ENV_BESIDE=off``: a new environment saved by the build's own process, before it goes on
BESIDE = "SMETS_ENV_BESIDE"
#: the forked copy saving the environment, and the file it writes
_PENDING: list[tuple[Any, Path]] = []


def dump(env: Any, file: BinaryIO, protocol: int) -> None:
    """Pickle ``env`` to ``file`` (its ``environment.pickle``) with its needs in parts beside it; a
    new environment by a forked copy while the build goes on (module docstring)."""
    if not _beside(env, file, protocol):
        _dump_here(env, file, protocol)


def _beside(env: Any, file: BinaryIO, protocol: int) -> bool:
    """The dump started in a forked copy, joined by :func:`settle` at ``build-finished``; True when
    started: only for a new environment (no part was loaded), where :func:`settle` listens to the
    build's ``build-finished``."""
    name = getattr(file, "name", None)
    if _LOADED or not isinstance(name, str) or switched_off(BESIDE):
        return False
    if not forking.may_fork():
        return False
    app = vars(env).get("_app")
    if not waits_at_finish(app, settle):
        return False  # nothing would wait for the copy before the build ends
    settle()
    try:
        child = forking.start(_in_copy, (env, file, protocol), "smets-environment")
    except OSError:
        child = None
    if child is None:
        return False
    _PENDING.append((child, Path(name)))
    return True


def _in_copy(env: Any, file: BinaryIO, protocol: int) -> None:
    """In the forked copy: the environment as it was at the fork, written whole or the copy fails."""
    _dump_here(env, file, protocol)
    file.close()


def settle(app: Any = None, exception: BaseException | None = None) -> None:
    """``build-finished``, last: wait for the copy saving the environment; if it failed, remove
    the file it was writing (the next build then starts from a new environment)."""
    while _PENDING:
        child, path = _PENDING.pop()
        child.join()
        if child.exitcode != 0:
            with contextlib.suppress(OSError):
                path.unlink()
            sys.stderr.write(
                f"the environment could not be saved to {path} (exit status {child.exitcode}); "
                "the next build reads every document\n"
            )


def _dump_here(env: Any, file: BinaryIO, protocol: int) -> None:
    needs = vars(env).get("_needs_all_needs")
    name = getattr(file, "name", None)
    if not isinstance(needs, dict) or not isinstance(name, str):
        pickle.dump(env, file, protocol)
        return
    folder = Path(name).parent / FOLDER
    folder.mkdir(exist_ok=True)
    parts = _save_parts(folder, needs, protocol)
    nodes = vars(env).get(NODES)
    node_parts: tuple[str, ...] = ()
    if type(nodes) is dict and not switched_off(NODE_PARTS):
        node_parts, part_ids = _save_node_parts(folder, nodes, needs, protocol)
        setattr(env, NODES, _Nodes(tuple(nodes), node_parts, folder.resolve(), part_ids))
    else:
        LAST_DUMP.update(nodes_kept=0, nodes_pickled=0)
    env._needs_all_needs = _Needs(tuple(needs), parts, folder.resolve())
    try:
        pickle.dump(env, file, protocol)
    finally:
        env._needs_all_needs = needs
        if type(nodes) is dict:
            setattr(env, NODES, nodes)
    file.flush()
    _LOADED.clear()
    _LOADED_NODES.clear()
    _remove_others(folder, set(parts) | set(node_parts))


def _remove_others(folder: Path, keep: set[str]) -> None:
    for entry in folder.iterdir():
        if entry.name not in keep and (_NAME.fullmatch(entry.name) or entry.name.endswith(".tmp")):
            with contextlib.suppress(OSError):
                entry.unlink()
