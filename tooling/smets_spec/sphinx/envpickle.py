"""Sphinx's saved environment pickled compactly and unpickled without the garbage collector.

Every incremental build unpickles ``OUT/.doctrees/environment.pickle`` when it starts and pickles
it again once it has read; most of it is sphinx-needs' needs (``NeedItem``: at 10,000
requirements 18,498 needs, 34 of the file's 52 MB). Pickled as they are, each need is a dict of
its 13 slots holding ten dicts keyed by field name, 44 link lists (most empty) and a frozen
dataclass (``NeedLink``, its source, its content) pickled through ``dataclasses``' own
``__getstate__``/``__setstate__``: a Python call and a list of its fields for each of 100,000
small objects, each way.

:func:`install` registers (:mod:`copyreg`) a compact reduction for ``NeedItem`` and its frozen
dataclasses, for sphinx-needs releases whose layout it knows (:data:`KNOWN_LAYOUTS`; any other
release is pickled as before). A need is saved as its dicts' values (one tuple for the three of
them) against one shared tuple of each dict's keys (stored once in the file), its non-empty link
lists one after the other in one flat tuple (index, count, target ids; the empty ones left out:
pickle keeps every tuple it writes until the end, so fewer tuples is less memory while pickling);
a dataclass as its field values; Sphinx's paths (each need node's ``source``) once
each. At 10,000 requirements an incremental build's load + dump went from 3.9 to 1.5 CPU seconds
and the file from 52 to 27 MB (docs/performance.md). Unpickling rebuilds the same objects: every
field, every key in the same order, every value (``tests/test_envpickle.py`` compares each
need field by field with the plain round trip, on the built sites and on random needs). Two
things are shared that pickle would have kept apart, both immutable or never written: the
``NeedLink`` objects of one target (frozen), and the back-link key map of needs with the same
link types (as :mod:`.needmemory` already makes them). The file records the layout it was
written with; a build with another layout cannot read it, and Sphinx then starts from a fresh
environment, as it does for any environment it cannot load.

The saved parts of the environment (:mod:`.envparts`) hold their needs in a second form
(:func:`state_form`, ``SMETS_ENV_NEED_STATE``): each need as its slots' state, which pickle sets
back itself (its dicts and link lists made by the unpickler, in C, not by :func:`_need` a dict at a
time), equal ``NeedLink`` objects stored once a part as the flat form shares them. At 10,000
requirements a fresh process loads the environment in 0.64 instead of 0.74 CPU seconds (user time,
medians of six interleaved loads); the parts take 20 instead of 10 MB. Readers sending their needs
back (:func:`share_values`), copies and anything else pickled outside that save keep the flat form.

Unpickling makes millions of objects, and the garbage collector, counting them, walks the
growing heap again and again (two thirds of the load at 10,000 requirements); nothing unpickled
is garbage, so :func:`install` also pauses the collector while Sphinx loads the environment, and
while its builders pickle it (after reading; a parallel read's workers and merges). A loaded
environment is then frozen (:func:`gc.freeze`, before the collector is on again; handed back at
``build-finished`` by :mod:`.jobs` with everything else frozen): it lives to the end of the build,
and the collector's first passes after the load walked its millions of objects again, young
generation by young generation, then a full pass at each of the next steps (at 10,000 requirements
about 1.3 of the 5-6 CPU seconds the collector took in an edit's build, before the read was over).
The file stays where Sphinx keeps it (in the output folder), in Sphinx's own format; the builders'
save of it puts sphinx-needs' needs in one part per document beside it, and keeps the parts of the
documents not read again (:mod:`.envparts`).
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import functools
import gc
import operator
import os
import pickle
import types
from collections.abc import Callable, Iterator
from pathlib import Path, PurePath
from typing import Any

import sphinx_needs
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx_needs import need_item

from ..corpus.cachedir import switched_off
from ..forking import no_gc
from . import envparts, needs_release
from .needmemory import SHORT

#: the version of the format below; part of the tag each file records
FORMAT = 2
#: sphinx-needs release -> the layout this module was written against (NeedItem's slots, then each
#: frozen dataclass's fields). Another release, or a layout that differs, is pickled as before.
KNOWN_LAYOUTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "9.1.0": (
        (
            "_backlinks",
            "_backlinks_keymap",
            "_computed",
            "_constraint_results",
            "_content",
            "_core",
            "_derived",
            "_dynamic_fields",
            "_extras",
            "_links",
            "_modifications",
            "_parts",
            "_source",
        ),
        ("NeedItemSourceUnknown", "docname", "lineno", "lineno_content", "external_url", "is_import",
         "is_external", "dict_repr"),
        ("NeedItemSourceDirective", "docname", "lineno", "lineno_content", "parser_lineno", "dict_repr"),
        ("NeedItemSourceService", "docname", "lineno", "dict_repr"),
        ("NeedItemSourceExternal", "url", "dict_repr"),
        ("NeedItemSourceImport", "docname", "lineno", "path", "dict_repr"),
        ("NeedsContent", "doctype", "content", "pre_content", "post_content", "jinja_content", "template",
         "pre_template", "post_template", "dict_repr"),
        ("NeedPartData", "id", "content", "backlinks"),
        ("NeedModification", "docname", "lineno"),
        ("NeedLink", "id", "part", "condition", "_filter_string"),
    ),
}  # fmt: skip

NeedItem = need_item.NeedItem
NeedLink = need_item.NeedLink


def _frozen_classes() -> tuple[type, ...]:
    return tuple(getattr(need_item, layout[0]) for layout in KNOWN_LAYOUTS[needs_release.RELEASE][1:])


def current_layout() -> tuple[tuple[str, ...], ...]:
    """The installed sphinx-needs' layout, in the form of :data:`KNOWN_LAYOUTS`' values."""
    classes = [getattr(need_item, layout[0], None) for layout in KNOWN_LAYOUTS[needs_release.RELEASE][1:]]
    frozen = tuple(
        (cls.__name__, *(f.name for f in dataclasses.fields(cls)))
        for cls in classes
        if isinstance(cls, type) and dataclasses.is_dataclass(cls)
    )
    return (tuple(getattr(NeedItem, "__slots__", ())), *frozen)


def _known() -> bool:
    """Whether the installed sphinx-needs is a release, with the layout, this module knows."""
    expected = KNOWN_LAYOUTS.get(getattr(sphinx_needs, "__version__", ""))
    if expected is None or expected != current_layout():
        return False
    return all(
        dataclasses.is_dataclass(cls)
        and cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
        and "__slots__" in vars(cls)
        for cls in _frozen_classes()
    )


#: what a file records, checked before any need in it is rebuilt
TAG = ("smets-envpickle", FORMAT, getattr(sphinx_needs, "__version__", ""), current_layout())


# -- the frozen dataclasses ------------------------------------------------------------------

#: class -> (its field names, a getter of their values, each field's slot setter)
_FROZEN: dict[type, tuple[tuple[str, ...], Callable[[Any], Any], tuple[Callable[[Any, Any], None], ...]]] = {}


def _describe(cls: type) -> None:
    names = tuple(f.name for f in dataclasses.fields(cls))
    getter = operator.attrgetter(*names) if len(names) > 1 else (lambda obj: (getattr(obj, names[0]),))
    setters = tuple(vars(cls)[name].__set__ for name in names)
    _FROZEN[cls] = (names, getter, setters)


def _reduce_frozen(obj: Any) -> tuple[Any, ...]:
    names, getter, _ = _FROZEN[type(obj)]
    values = getter(obj)
    if _SHARED:
        seen = _SHARED[0]
        values = tuple([_shared_dict(v, seen) if type(v) is dict else _one(v, seen) for v in values])
    return _frozen, (type(obj), names, values)


def _frozen(cls: type, names: tuple[str, ...], values: tuple[Any, ...]) -> Any:
    """A frozen dataclass with these field values (its slots set directly, as its ``__setstate__`` does)."""
    described = _FROZEN.get(cls)
    if described is None and _known() and cls in _frozen_classes():
        _describe(cls)  # unpickled before any build installed the reduction
        described = _FROZEN[cls]
    if described is None or described[0] != names:
        raise ValueError(f"{cls.__qualname__} was saved with fields {names}: not this sphinx-needs's")
    obj: Any = object.__new__(cls)
    for setter, value in zip(described[2], values, strict=True):
        setter(obj, value)
    return obj


# -- the needs --------------------------------------------------------------------------------


class _Links(dict[Any, Any]):
    """One ``NeedLink`` for each target met while unpickling (``ID``, or ``(ID, part, condition)``)."""

    def __missing__(self, key: Any) -> Any:
        link = NeedLink(id=key) if type(key) is str else NeedLink(id=key[0], part=key[1], condition=key[2])
        self[key] = link
        return link


class Session:
    """What the needs of one unpickled file share: their links, their back-link key maps.

    Pickled as :data:`TAG` (once a file: every need refers to the one object); unpickled after
    checking it, so a file from another layout fails before any need is rebuilt.
    """

    __slots__ = ("keymaps", "links")

    def __init__(self) -> None:
        self.links = _Links()
        self.keymaps: dict[tuple[str, ...], dict[str, str]] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        return _session, (TAG,)

    def link_lists(self, keys: tuple[str, ...], encoded: tuple[Any, ...]) -> dict[str, list[Any]]:
        """Each link type's list: empty but for those in ``encoded`` (see :func:`_encode_links`)."""
        lists: dict[str, list[Any]] = {key: [] for key in keys}
        get = self.links.__getitem__
        at = 0
        while at < len(encoded):
            index, count = encoded[at], encoded[at + 1]
            lists[keys[index]] = list(map(get, encoded[at + 2 : at + 2 + count]))
            at += 2 + count
        return lists

    def keymap(self, keys: tuple[str, ...]) -> dict[str, str]:
        keymap = self.keymaps.get(keys)
        if keymap is None:
            keymap = self.keymaps[keys] = {f"{key}_back": key for key in keys}
        return keymap


def _session(tag: Any) -> Session:
    if tag != TAG:
        raise ValueError(
            "the saved environment was written for another sphinx-needs or format "
            f"({tag[:3] if isinstance(tag, tuple) else tag!r}; this is {TAG[:3]})"
        )
    return Session()


#: the one session every need pickled in this process refers to (pickled as its tag)
_WRITING = Session()
#: each tuple of dict keys met, so that pickle stores it once per file
_KEYS: dict[tuple[str, ...], tuple[str, ...]] = {}
#: link-type keys -> the back-link key map sphinx-needs makes for them
_KEYMAPS: dict[tuple[str, ...], dict[str, str]] = {}


def _keys(mapping: dict[str, Any]) -> tuple[str, ...]:
    keys = tuple(mapping)
    return _KEYS.setdefault(keys, keys)


class _NotALinkError(Exception):
    """A link list holds something other than a ``NeedLink``: the need is pickled as it is."""


def _encode_link(link: Any) -> Any:
    if type(link) is not NeedLink:
        raise _NotALinkError
    if link.part is None and link.condition is None:
        return link.id
    return (link.id, link.part, link.condition)


def _encode_links(lists: dict[str, list[Any]]) -> tuple[Any, ...]:
    """The link lists that are not empty, one after the other as index of the key, count of
    targets, the targets: one flat tuple (pickle memoizes every tuple it writes until the whole
    environment is written, so fewer tuples a need is less memory while pickling)."""
    flat: list[Any] = []
    for index, links in enumerate(lists.values()):
        if links:
            flat += (index, len(links), *map(_encode_link, links))
    return tuple(flat)


def _standard_keymap(need: Any, link_keys: tuple[str, ...]) -> bool:
    """Whether the need's back-link key map is the one sphinx-needs makes (same items, same order)."""
    keymap = _KEYMAPS.get(link_keys)
    if keymap is None:
        keymap = _KEYMAPS[link_keys] = {f"{key}_back": key for key in link_keys}
    theirs = need._backlinks_keymap
    return theirs is keymap or bool(theirs == keymap and list(theirs) == list(keymap))


def _reduce_need(need: Any) -> tuple[Any, ...]:
    if _STATE and not _SHARED:
        return _state_need(need, _STATE[-1])
    links, backlinks = need._links, need._backlinks
    link_keys = _keys(links)
    try:
        encoded_links, encoded_backlinks = _encode_links(links), _encode_links(backlinks)
    except _NotALinkError:
        return _plain_need(need)
    return _need, (
        _WRITING,
        _keys(need._core),
        _keys(need._extras),
        _keys(need._computed),
        _values(need),
        link_keys,
        encoded_links,
        _keys(backlinks),
        encoded_backlinks,
        None if _standard_keymap(need, link_keys) else need._backlinks_keymap,
        need._source,
        need._content,
        need._parts or None,
        need._modifications,
        need._constraint_results,
        need._dynamic_fields or None,
        need._derived,
    )


#: while not empty, the short strings each need's values share (see :func:`share_values`)
_SHARED: list[dict[str, str]] = []


def _values(need: Any) -> tuple[Any, ...]:
    """The need's core, extra and computed values in one tuple (see :func:`_encode_links` why
    one), each short string replaced by the first equal one met while :func:`share_values`."""
    values = (*need._core.values(), *need._extras.values(), *need._computed.values())
    if not _SHARED:
        return values
    seen = _SHARED[0]
    return tuple([_one(v, seen) for v in values])


def _one(value: Any, seen: dict[str, str]) -> Any:
    """The first equal string met for a string shorter than :data:`.needmemory.SHORT`, else ``value``."""
    return seen.setdefault(value, value) if type(value) is str and len(value) < SHORT else value


def _shared_dict(mapping: dict[Any, Any], seen: dict[str, str]) -> dict[Any, Any]:
    """A copy of ``mapping`` (a need source's or content's ``dict_repr``) keyed and valued by the
    first equal short string met, as :func:`.needmemory.share` makes them."""
    return {(seen.setdefault(k, k) if type(k) is str else k): _one(v, seen) for k, v in mapping.items()}


def share_values() -> bool:
    """From now on, this process pickles equal short strings among needs' values once (a parallel
    reader, before it sends its environment back: :mod:`.readback`). The need's keys are already
    stored once (one tuple of each dict's keys), so this gives what :func:`.needmemory.share` gave
    there, without first rebuilding every need's dicts (about a sixth of a reader's CPU for sending
    its state back at 10,000 requirements). Returns False, and nothing changes, when needs are not
    pickled by :func:`install`'s reduction."""
    if copyreg.dispatch_table.get(NeedItem) is not _reduce_need:
        return False
    _SHARED[:] = [{}]
    return True


def stop_sharing() -> None:
    """Pickle needs' values as they are again (the end of a read; tests)."""
    _SHARED.clear()


def _plain_need(need: Any) -> tuple[Any, ...]:
    """The default reduction (a need whose link lists hold something other than ``NeedLink``)."""
    return copyreg.__newobj__, (NeedItem,), (None, {name: getattr(need, name) for name in NeedItem.__slots__})  # type: ignore[attr-defined]


def _need(
    session: Session,
    core_keys: tuple[str, ...],
    extras_keys: tuple[str, ...],
    computed_keys: tuple[str, ...],
    values: tuple[Any, ...],
    link_keys: tuple[str, ...],
    links: tuple[Any, ...],
    backlink_keys: tuple[str, ...],
    backlinks: tuple[Any, ...],
    keymap: dict[str, str] | None,
    source: Any,
    content: Any,
    parts: dict[str, Any] | None,
    modifications: tuple[Any, ...],
    constraint_results: Any,
    dynamic_fields: dict[str, Any] | None,
    derived: frozenset[str],
) -> Any:
    """The need :func:`_reduce_need` saved."""
    if session is _WRITING:  # ``copy.copy``, which also reduces through copyreg: no cache kept
        session = Session()
    need: Any = object.__new__(NeedItem)
    ends = len(core_keys), len(core_keys) + len(extras_keys)
    need._core = dict(zip(core_keys, values[: ends[0]], strict=True))
    need._extras = dict(zip(extras_keys, values[ends[0] : ends[1]], strict=True))
    need._links = session.link_lists(link_keys, links)
    need._backlinks = session.link_lists(backlink_keys, backlinks)
    need._computed = dict(zip(computed_keys, values[ends[1] :], strict=True))
    need._backlinks_keymap = session.keymap(link_keys) if keymap is None else keymap
    need._source = source
    need._content = content
    need._parts = {} if parts is None else parts
    need._modifications = modifications
    need._constraint_results = constraint_results
    need._dynamic_fields = {} if dynamic_fields is None else dynamic_fields
    need._derived = derived
    return need


# -- the needs of the saved parts: their slots' state, rebuilt by pickle itself --------------

#: ``SMETS_ENV_NEED_STATE=off``: the needs of the saved parts in the flat form above (values against
#: shared key tuples, rebuilt by :func:`_need`), as before
STATE = "SMETS_ENV_NEED_STATE"
#: while not empty, needs are pickled as their slots' state (:func:`state_form`); the last entry
#: maps each link's field values to the first equal ``NeedLink`` met
_STATE: list[dict[tuple[Any, ...], Any]] = []


@contextlib.contextmanager
def state_form() -> Iterator[None]:
    """For the length of the block (the save of the environment's parts, :func:`_dump`), needs are
    pickled as their slots' state: the dicts and lists pickle makes itself (no Python call per
    dict), each link as the first equal ``NeedLink`` of the block (pickle stores it once a part,
    as :class:`Session` shares them). At 10,000 requirements the parts unpickle in 0.31 instead of
    0.39 CPU seconds; they take 19 instead of 10 MB. ``SMETS_ENV_NEED_STATE=off``: the flat form."""
    if switched_off(STATE):
        yield
        return
    _STATE.append({})
    try:
        yield
    finally:
        _STATE.pop()


def _state_need(need: Any, canon: dict[tuple[Any, ...], Any]) -> tuple[Any, ...]:
    """A need as its slots' state (set back by pickle's BUILD), its links made the first equal ones."""
    state = {name: getattr(need, name) for name in NeedItem.__slots__}
    state["_links"] = _canonical(need._links, canon)
    state["_backlinks"] = _canonical(need._backlinks, canon)
    return _new_need, (_WRITING,), (None, state)


def _canonical(lists: dict[str, list[Any]], canon: dict[tuple[Any, ...], Any]) -> dict[str, list[Any]]:
    """``lists`` with each ``NeedLink`` replaced by the first equal one met (same lists otherwise)."""
    if not any(lists.values()):
        return lists
    getter = _FROZEN[NeedLink][1]
    return {
        key: [canon.setdefault(getter(link), link) if type(link) is NeedLink else link for link in links]
        if links
        else links
        for key, links in lists.items()
    }


def _new_need(session: Session) -> Any:
    """An empty need, its slots set by pickle from the state :func:`_state_need` saved; ``session``
    (one a file) checked the file's layout first."""
    if not isinstance(session, Session):
        raise ValueError("not a saved need")
    return object.__new__(NeedItem)


# -- Sphinx's paths ---------------------------------------------------------------------------

#: each path text pickled in this process -> the first path object pickled with it
_PATHS: dict[tuple[type, str], Any] = {}


def _reduce_path(path: Any) -> tuple[Any, ...]:
    """Sphinx's ``_StrPath`` (each need node's ``source``: one per need, a few hundred distinct) as
    its text, and each later equal path as the first one (which pickle then stores once)."""
    text = str(path)
    first = _PATHS.setdefault((type(path), text), path)
    if first is path:
        return _path, (type(path), text)
    return _same, (first,)


def _path(cls: type, text: str) -> Any:
    return cls(text)


def _same(obj: Any) -> Any:
    return obj


def _strpath_class() -> type | None:
    try:
        from sphinx.util._pathlib import _StrPath
    except ImportError:
        return None
    return _StrPath if issubclass(_StrPath, PurePath) else None


# -- installing -------------------------------------------------------------------------------


def _pause_collector_on_load() -> None:
    load = Sphinx.__dict__.get("_load_existing_env")
    if load is None or getattr(load, "_smets_paused", False):
        return

    @functools.wraps(load)
    def _load_existing_env(self: Sphinx, filename: Any) -> Any:
        with no_gc(), envparts.reading(Path(filename).parent, lazy_nodes=True):
            env = load(self, filename)
            if not getattr(self, "_fresh_env_used", True):
                # the environment lives to the end of the build: out of the collector's reach
                # before it is switched on again (see the module's doc)
                gc.freeze()
            return env

    _load_existing_env._smets_paused = True  # type: ignore[attr-defined]
    Sphinx._load_existing_env = _load_existing_env  # type: ignore[method-assign]


def _paused(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        with no_gc():
            return function(*args, **kwargs)

    run._smets_paused = True  # type: ignore[attr-defined]
    return run


def _pause_collector_in_builders() -> None:
    """Sphinx's builders pickle the environment (``pickle.dump`` after reading; a parallel read's
    ``dumps``/``loads``) through their module's name ``pickle``: give them a copy of the module whose
    functions pause the collector. While pickling, the memo keeps every reduction alive, and with
    the heap frozen (:func:`.jobs.freeze`) each of those objects counted towards the collector's
    next full pass over everything not frozen."""
    import pickle

    import sphinx.builders

    current = vars(sphinx.builders).get("pickle")
    if current is not pickle:
        return  # already given, or a Sphinx that pickles otherwise
    paused = types.ModuleType("pickle", pickle.__doc__)
    vars(paused).update(vars(pickle))
    for name in ("dump", "dumps", "load", "loads"):
        setattr(paused, name, _paused(getattr(pickle, name)))
    setattr(paused, "dump", _paused(_dump))  # noqa: B010  (a module made here)
    setattr(paused, "loads", _paused(_loads))  # noqa: B010
    vars(sphinx.builders)["pickle"] = paused


#: ``SMETS_GC_MERGE_FREEZE=off``: a warm full read's merges leave what they unpickle to the collector
MERGE_FREEZE = "SMETS_GC_MERGE_FREEZE"
#: the process whose unpickled worker results are frozen as they are loaded (0: none; set by
#: :mod:`.jobs` for the read of a full build with a warm cache)
FREEZE_LOADED = [0]


def _loads(data: Any, *args: Any, **kwargs: Any) -> Any:
    """Sphinx's builders' ``pickle.loads`` (the collector paused): in the process that merges a warm
    full read's workers (:data:`FREEZE_LOADED`), everything alive frozen before the collector is on
    again.

    A worker's environment arrives pickled and is unpickled with the collector paused, hundreds of
    thousands of objects a chunk; the collector counted them all the same, so its next young
    collection (in the merge) walked all of them, then its older ones again (at 10,000
    requirements ~0.3 s of this process's CPU during the read, beside the readers). Merged, most
    of them live to the end of the build, frozen after the read anyway; the rest is freed by
    reference counting, frozen or not. What is left in reference cycles waits, frozen, for the
    end of the build, as after the read (:func:`.jobs._skips_collections`)."""
    loaded = pickle.loads(data, *args, **kwargs)
    if FREEZE_LOADED[0] == os.getpid() and not switched_off(MERGE_FREEZE):
        gc.freeze()
    return loaded


def _dump(obj: Any, file: Any, protocol: int | None = None) -> None:
    """Sphinx's builders' ``pickle.dump``: the environment file with its needs in parts (:mod:`.envparts`)."""
    if isinstance(obj, BuildEnvironment) and _known() and NeedItem in copyreg.dispatch_table:
        with state_form():
            envparts.dump(obj, file, pickle.HIGHEST_PROTOCOL if protocol is None else protocol)
    else:
        pickle.dump(obj, file, protocol)


def install() -> bool:
    """Register the compact reduction (if this sphinx-needs is known) and pause the collector
    while Sphinx unpickles and pickles its environment; returns whether the reduction is registered."""
    _pause_collector_on_load()
    _pause_collector_in_builders()
    if not _known():
        return False
    for cls in _frozen_classes():
        if cls not in _FROZEN:
            _describe(cls)
        copyreg.pickle(cls, _reduce_frozen)
    copyreg.pickle(NeedItem, _reduce_need)
    strpath = _strpath_class()
    if strpath is not None:
        copyreg.pickle(strpath, _reduce_path)
    return True


def uninstall() -> None:
    """Pickle needs as sphinx-needs does (for the tests that compare both)."""
    for cls in (*_frozen_classes(), NeedItem, _strpath_class()):
        if cls is not None:
            copyreg.dispatch_table.pop(cls, None)
