"""Sphinx's saved environment pickled compactly (:mod:`smets_spec.sphinx.envpickle`, issue 20).

The compact pickle must unpickle into what the plain pickle unpickles into: every need field by
field (types, key order, values), our ``smets_*`` state and Sphinx's own, for the repository's
spec, a generated one and random needs; an incremental build after it gives the site a full
build gives; another sphinx-needs is not patched, and a file it cannot read starts Sphinx afresh.
"""

from __future__ import annotations

import copy
import gc
import pickle
import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sphinx.application
import sphinx.builders
import sphinx_needs
from hypothesis import given, settings
from hypothesis import strategies as st
from sphinx_needs.data import NeedsInfoType
from sphinx_needs.need_item import (
    NeedConstraintResults,
    NeedItem,
    NeedItemSourceDirective,
    NeedItemSourceExternal,
    NeedItemSourceImport,
    NeedItemSourceService,
    NeedItemSourceUnknown,
    NeedLink,
    NeedModification,
    NeedPartData,
    NeedsContent,
)

from envcompare import differences, env_differences
from smets_spec.sphinx import envpickle
from sphinxtools import build_in_process, toctree_project

MARK = b"smets_spec.sphinx.envpickle"


@contextmanager
def plain_pickling() -> Iterator[None]:
    """Needs pickled as sphinx-needs pickles them, for the length of the block."""
    envpickle.uninstall()
    try:
        yield
    finally:
        assert envpickle.install()


def round_trips(obj: Any) -> tuple[Any, Any, bytes, bytes]:
    """``obj`` unpickled from the plain pickle and from the compact one, and both pickles."""
    assert envpickle.install()
    with plain_pickling():
        plain = pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
        assert MARK not in plain
    compact = pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
    return pickle.loads(plain), pickle.loads(compact), plain, compact


def _saved_env(out: Path) -> Any:
    data = (out / ".doctrees" / "environment.pickle").read_bytes()
    assert MARK in data  # the build pickled it compactly
    return pickle.loads(data)


def _check_env(env: Any) -> None:
    needs = env._needs_all_needs
    assert len(needs) > 50
    plain, compact, plain_bytes, compact_bytes = round_trips(env)
    assert env_differences(plain, compact) == []
    assert env_differences(env, compact) == []
    assert list(compact._needs_all_needs) == list(needs)
    assert compact._needs_all_needs == needs  # NeedItem's own equality too
    assert [dict(n.items()) for n in compact._needs_all_needs.values()] == [
        dict(n.items()) for n in needs.values()
    ]
    assert {k: v for k, v in vars(compact).items() if k.startswith("smets_")} == {
        k: v for k, v in vars(env).items() if k.startswith("smets_")
    }
    assert len(compact_bytes) < 0.8 * len(plain_bytes)


def test_the_repository_spec_unpickles_the_same(built_site: Path) -> None:
    _check_env(_saved_env(built_site))


# A generated spec's saved environment round-trips exactly after its first build and after
# incremental builds of random edits of every kind, whose site is a fresh build's: checked with
# :func:`_check_env` in tests/test_envparts.py's test_random_edits_save_the_environment_a_whole_pickle_saves,
# on that file's builds.


# -- random needs -------------------------------------------------------------------------------

_TEXT = st.text(max_size=6)
_SCALAR = st.none() | st.booleans() | st.integers(-5, 300) | st.floats(allow_nan=False) | _TEXT
_VALUE = st.recursive(
    _SCALAR,
    lambda inner: (
        st.lists(inner, max_size=3) | st.tuples(inner, inner) | st.dictionaries(_TEXT, inner, max_size=3)
    ),
    max_leaves=6,
)
_IDS = st.sampled_from(["R_1", "R_2", "REQ_10", "DEV_A", "X"])
_LINK = st.builds(
    NeedLink,
    id=_IDS,
    part=st.none() | st.sampled_from(["a", "1", "b.c"]),
    condition=st.none() | st.sampled_from(["status == 'open'", "x]"]),
)
_LINK_TYPES = ["links", "parent_needs", "uses", "refines", "verifies", "depends_on"]
_EXTRAS = ["clause", "unit", "obis", "test_ref", "installed_base", "synonyms", "stale"]
_LINENO = st.integers(0, 9)
_SOURCE = st.one_of(
    st.builds(
        NeedItemSourceDirective,
        docname=_TEXT,
        lineno=_LINENO,
        lineno_content=_LINENO,
        parser_lineno=st.none() | _LINENO,
    ),
    st.builds(
        NeedItemSourceUnknown,
        docname=st.none() | _TEXT,
        lineno=st.none() | _LINENO,
        external_url=st.none() | _TEXT,
        is_import=st.booleans(),
        is_external=st.booleans(),
    ),
    st.builds(NeedItemSourceService, docname=_TEXT, lineno=_LINENO),
    st.builds(NeedItemSourceExternal, url=_TEXT),
    st.builds(NeedItemSourceImport, docname=_TEXT, lineno=_LINENO, path=_TEXT),
)
_CONTENT = st.builds(
    NeedsContent,
    doctype=st.sampled_from([".rst", ".md"]),
    content=_TEXT,
    pre_content=st.none() | _TEXT,
    template=st.none() | _TEXT,
    jinja_content=st.booleans(),
)


@st.composite
def needs(draw: st.DrawFn, need_id: str) -> NeedItem:
    core: dict[str, Any] = {key: draw(_VALUE) for key in NeedsInfoType.__annotations__}
    core["id"] = need_id
    core["sections"] = tuple(draw(st.lists(_TEXT, max_size=2)))
    constraints = draw(st.lists(st.sampled_from(["c1", "c2", "c3"]), unique=True, max_size=2))
    core["constraints"] = constraints
    link_types = draw(st.permutations(_LINK_TYPES))[: draw(st.integers(0, len(_LINK_TYPES)))]
    links = {key: draw(st.lists(_LINK, max_size=3)) for key in link_types}
    backlinks = {key: draw(st.lists(_LINK, max_size=2)) for key in draw(st.permutations(link_types))}
    extras = {
        key: draw(_VALUE) for key in draw(st.permutations(_EXTRAS))[: draw(st.integers(0, len(_EXTRAS)))]
    }
    part_ids = draw(st.lists(st.sampled_from(["a", "1", "p"]), unique=True, max_size=2))
    parts = [
        NeedPartData(
            id=part,
            content=draw(_TEXT),
            backlinks={
                k: draw(st.lists(_LINK, max_size=2))
                for k in draw(st.lists(st.sampled_from(link_types), unique=True))
            }
            if link_types
            else {},
        )
        for part in part_ids
    ]
    results = {
        c: tuple(draw(st.lists(st.tuples(_TEXT, st.booleans(), st.none() | _TEXT), max_size=2)))
        for c in constraints
    }
    need = NeedItem(
        source=draw(st.none() | _SOURCE),
        content=draw(_CONTENT),
        core=core,  # type: ignore[arg-type]
        extras=extras,
        links=links,
        backlinks=backlinks,
        parts=parts,
        modifications=draw(
            st.lists(
                st.builds(NeedModification, docname=st.none() | _TEXT, lineno=st.none() | st.integers(0, 9)),
                max_size=2,
            )
        ),
        constraint_results=NeedConstraintResults(results) if draw(st.booleans()) else None,
        dynamic_fields=draw(st.none() | st.dictionaries(st.sampled_from(_EXTRAS), _VALUE, max_size=2)),  # type: ignore[arg-type]
        derived=draw(st.sets(st.sampled_from([*link_types, *extras]))) if link_types or extras else (),
    )
    odd = draw(st.sampled_from(["no", "other", "reversed"]))
    if odd == "other":
        need._backlinks_keymap = {"odd_back": "odd"}  # not sphinx-needs' own map: kept as it is
    elif odd == "reversed":
        need._backlinks_keymap = dict(reversed(need._backlinks_keymap.items()))  # the same, in another order
    return need


@st.composite
def need_sets(draw: st.DrawFn) -> dict[str, NeedItem]:
    ids = draw(st.lists(_IDS, unique=True, min_size=1, max_size=4))
    return {need_id: draw(needs(need_id)) for need_id in ids}


@settings(max_examples=150, deadline=None)
@given(need_sets())
def test_random_needs_unpickle_the_same(found: dict[str, NeedItem]) -> None:
    plain, compact, _, compact_bytes = round_trips(found)
    assert MARK in compact_bytes
    assert differences(plain, compact) == []
    assert differences(found, compact) == []
    assert compact == found
    # copy and deepcopy reduce through copyreg too
    assert differences(found, copy.deepcopy(found)) == []
    assert differences(found, {k: copy.copy(n) for k, n in found.items()}) == []


def test_a_link_list_holding_something_else_is_pickled_as_it_is() -> None:
    need = NeedItem(
        source=None,
        content=NeedsContent(doctype=".rst", content="x"),
        core=dict.fromkeys(NeedsInfoType.__annotations__) | {"id": "R_1", "sections": ()},  # type: ignore[arg-type]
        extras={},
        links={"uses": [NeedLink(id="R_2")]},
    )
    need._links["uses"].append("R_3")  # a plain string, as nothing in sphinx-needs writes
    plain, compact, _, _ = round_trips({"R_1": need})
    assert differences(plain, compact) == [] and compact["R_1"]._links["uses"][1] == "R_3"


def test_random_sources_of_strings_and_paths_keep_their_types() -> None:
    from sphinx.util._pathlib import _StrPath

    rng = random.Random(5)
    paths = [_StrPath(f"/spec/{rng.choice('abc')}.rst") for _ in range(30)]
    plain, compact, plain_bytes, compact_bytes = round_trips(paths)
    assert differences(plain, compact) == [] and len(compact_bytes) < len(plain_bytes)
    assert len({id(p) for p in compact}) <= 3  # one object a distinct path


# -- refusing, falling back ---------------------------------------------------------------------


def test_another_sphinx_needs_is_not_patched(monkeypatch: pytest.MonkeyPatch) -> None:
    import copyreg

    envpickle.uninstall()
    try:
        monkeypatch.setattr(sphinx_needs, "__version__", "99.0.0")
        assert envpickle.install() is False
        assert NeedItem not in copyreg.dispatch_table
        monkeypatch.undo()
        changed = dict(envpickle.KNOWN_LAYOUTS)
        changed["9.1.0"] = (changed["9.1.0"][0] + ("_new_slot",), *changed["9.1.0"][1:])
        monkeypatch.setattr(envpickle, "KNOWN_LAYOUTS", changed)
        assert envpickle.install() is False
        assert NeedItem not in copyreg.dispatch_table
    finally:
        monkeypatch.undo()
        envpickle.install()
    assert envpickle.install() is True, (
        f"sphinx-needs {sphinx_needs.__version__} is not in envpickle.KNOWN_LAYOUTS (its environment is "
        f"pickled as sphinx-needs does): check NeedItem's layout {envpickle.current_layout()} and add it"
    )
    assert copyreg.dispatch_table[NeedItem] is envpickle._reduce_need


def test_a_file_written_for_another_layout_starts_sphinx_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = toctree_project(tmp_path)
    out = tmp_path / "out"
    build_in_process(root, out, 1)
    assert MARK in (out / ".doctrees" / "environment.pickle").read_bytes()
    with pytest.raises(ValueError, match="another sphinx-needs"):
        envpickle._session(("smets-envpickle", 0, "1.0", ()))
    again = build_in_process(root, out, 1)
    assert again._fresh_env_used is False  # the compact file loads
    monkeypatch.setattr(envpickle, "TAG", ("smets-envpickle", envpickle.FORMAT, "0.0", ()))
    afresh = build_in_process(root, out, 1)
    assert afresh._fresh_env_used is True  # Sphinx could not load it, and built from scratch
    assert len(afresh.env._needs_all_needs) == len(again.env._needs_all_needs) > 0


def test_the_collector_is_paused_while_sphinx_loads_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = toctree_project(tmp_path)
    out = tmp_path / "out"
    build_in_process(root, out, 1)
    seen: list[bool] = []

    class Recording:
        HIGHEST_PROTOCOL = pickle.HIGHEST_PROTOCOL

        @staticmethod
        def load(file: Any) -> Any:
            seen.append(gc.isenabled())
            return pickle.load(file)

    monkeypatch.setattr(sphinx.application, "pickle", Recording)
    assert gc.isenabled()
    app = build_in_process(root, out, 1)
    assert seen == [False] and gc.isenabled() and app._fresh_env_used is False
    assert sys.modules["smets_spec.sphinx.envpickle"] is envpickle

    class Probe:
        def __reduce__(self) -> tuple[Any, ...]:
            seen.append(gc.isenabled())
            return list, ()

    for name in ("dumps", "dump"):  # as Sphinx's builders pickle the environment
        seen.clear()
        with (tmp_path / "x.pickle").open("wb") as file:
            args = (file,) if name == "dump" else ()
            getattr(sphinx.builders.pickle, name)(Probe(), *args)
        assert seen == [False] and gc.isenabled(), name
    assert pickle.loads(sphinx.builders.pickle.dumps([Probe()])) == [[]]


def test_a_loaded_environment_is_frozen_until_the_build_is_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unpickled environment leaves the collector's reach before it runs again, and comes back
    at ``build-finished``; a fresh environment is not frozen at start-up."""
    root = toctree_project(tmp_path)
    out = tmp_path / "out"
    init_builder = sphinx.application.Sphinx._init_builder
    frozen: list[tuple[bool, int, bool]] = []

    def _init_builder(self: Any) -> None:
        needs = next(iter(getattr(self.env, "_needs_all_needs", {}).values()), None)
        tracked = needs is not None and gc.is_tracked(needs)
        frozen.append((self._fresh_env_used, gc.get_freeze_count(), tracked))
        init_builder(self)

    monkeypatch.setattr(sphinx.application.Sphinx, "_init_builder", _init_builder)
    assert gc.get_freeze_count() == 0
    build_in_process(root, out, 1)
    assert frozen == [(True, 0, False)] and gc.get_freeze_count() == 0
    app = build_in_process(root, out, 1)
    fresh, count, tracked = frozen[1]
    assert fresh is False and tracked
    objects = len(gc.get_objects())  # what the collector still walks, after the build
    assert count > 20 * len(app.env._needs_all_needs) and count > objects / 4
    assert gc.get_freeze_count() == 0  # handed back at build-finished


def _apart(needs: dict[str, Any]) -> dict[str, Any]:
    """Each need unpickled on its own: its own copy of every string, as a reader's needs are."""
    return {k: pickle.loads(pickle.dumps(n, pickle.HIGHEST_PROTOCOL)) for k, n in needs.items()}


def test_a_reader_sharing_values_sends_what_sharing_its_needs_sent(built_site: Path) -> None:
    """:func:`envpickle.share_values` (a parallel reader's way back, SMETS_READBACK_VALUES) unpickles
    into the needs :func:`needmemory.share` then pickling did, in a pickle no larger, strings shared."""
    from smets_spec.sphinx import needmemory

    needs = _saved_env(built_site)._needs_all_needs
    assert envpickle.install()
    shared = _apart(needs)
    needmemory.share(shared.values())
    before = pickle.dumps(shared, pickle.HIGHEST_PROTOCOL)
    assert envpickle.share_values()
    try:
        after = pickle.dumps(_apart(needs), pickle.HIGHEST_PROTOCOL)
    finally:
        envpickle.stop_sharing()
    loaded = pickle.loads(after)
    assert differences(pickle.loads(before), loaded) == []
    assert differences(needs, loaded) == []
    assert len(after) <= len(before)
    first, second = list(loaded.values())[:2]
    assert first["type"] == second["type"] and first["type"] is second["type"]
    assert pickle.dumps(_apart(needs), pickle.HIGHEST_PROTOCOL) != after  # off again: not shared


@settings(max_examples=40, deadline=None)
@given(need_sets())
def test_random_needs_with_shared_values_unpickle_the_same(found: dict[str, NeedItem]) -> None:
    assert envpickle.install() and envpickle.share_values()
    try:
        compact = pickle.loads(pickle.dumps(found, pickle.HIGHEST_PROTOCOL))
    finally:
        envpickle.stop_sharing()
    assert differences(found, compact) == []
