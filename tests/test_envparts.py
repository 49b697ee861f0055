"""The needs of Sphinx's saved environment in one part per document (:mod:`smets_spec.sphinx.envparts`).

After seeded random edits of every kind, the environment an incremental build saved (unchanged
documents' parts kept, the others pickled again) unpickles into what the whole environment
pickled in one piece at the same moment unpickles into, need by need; parts are kept for the
documents not read again; a part missing or altered makes Sphinx start afresh, with the same site;
parts no longer named are removed.

The tests start from one first build of a generated project (:func:`first_build`), made once per module
(per worker) and put back in its own folders before each test (an incremental build needs the
project, the site and the cache where they were built: Sphinx starts afresh in another folder).
The first two make the same edits and compare their sites with one full build of the edited
source (:func:`full_builds`). The first also checks that the compact pickle of the environment
(tests/test_envpickle.py) round-trips exactly after each build.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from clitools import References, run_ok
from envcompare import differences, env_differences
from sitecompare import differences as site_differences
from smets_spec.corpus.synthetic import generate
from smets_spec.sphinx import envparts
from test_build_render_cache import _edit
from test_envpickle import _check_env, _saved_env

#: a build through ``smets build`` that also pickles the environment whole, beside the file, at the
#: moment the build saves it in parts, and records how many parts it kept
_DRIVER = """
import json, pickle, sys
from pathlib import Path
from smets_spec.sphinx import envparts

original = envparts._dump_here  # (in the build, or in its forked copy for a new environment)

def dump(env, file, protocol):
    Path(file.name + ".whole").write_bytes(pickle.dumps(env, protocol))
    original(env, file, protocol)
    Path(file.name + ".parts.json").write_text(json.dumps(envparts.LAST_DUMP))

envparts._dump_here = dump
from smets_spec.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _build(root: Path, out: Path, cache: Path, *more: str) -> dict[str, int]:
    env = dict(os.environ, SMETS_CACHE_DIR=str(cache))
    argv = [
        sys.executable,
        "-c",
        _DRIVER,
        "--root",
        str(root),
        "build",
        "--out-dir",
        str(out),
        "-j",
        "1",
        *more,
    ]
    run_ok(argv, env=env)
    counts: dict[str, int] = json.loads((out / ".doctrees" / "environment.pickle.parts.json").read_text())
    return counts


def _same_as_whole(out: Path) -> int:
    """The saved environment (in parts) against the whole one pickled at the same moment; its need count."""
    saved = envparts.load(out / ".doctrees" / "environment.pickle")
    whole = pickle.loads((out / ".doctrees" / "environment.pickle.whole").read_bytes())
    assert env_differences(whole, saved) == []
    assert list(saved._needs_all_needs) == list(whole._needs_all_needs)
    plain = pickle.loads((out / ".doctrees" / "environment.pickle").read_bytes())  # outside a build too
    assert env_differences(whole, plain) == []
    return len(saved._needs_all_needs)


def _parts(out: Path) -> set[str]:
    return {p.name for p in (out / ".doctrees" / envparts.FOLDER).iterdir()}


#: the first build's project, site and cache (in one folder), and how many parts it kept and pickled
First = tuple[Path, Path, Path, dict[str, int]]


@pytest.fixture(scope="module")
def first_build(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], First]:
    """A generated project of 150 requirements built with ``--fresh``, once; each call puts the
    project, site and cache back as that build left them (in the folders it used)."""
    base = tmp_path_factory.mktemp("envparts")
    work, pristine = base / "work", base / "pristine"
    root = generate(work / "project", 150, seed=7)
    site, cache = work / "site", work / "cache"
    counts = _build(root, site, cache, "--fresh")
    shutil.copytree(work, pristine, symlinks=True)

    def again() -> First:
        shutil.rmtree(work)
        shutil.copytree(pristine, work, symlinks=True)
        return root, site, cache, dict(counts)

    return again


@pytest.fixture(scope="module")
def full_builds(tmp_path_factory: pytest.TempPathFactory) -> References:
    """The full builds (``--fresh``, an empty user cache) the tests compare their sites with, each
    made once for the source it was built from (the first two tests' edits are the same)."""
    return References(
        tmp_path_factory.mktemp("envparts-full"), lambda root, out, cache: _build(root, out, cache, "--fresh")
    )


def test_random_edits_save_the_environment_a_whole_pickle_saves(
    first_build: Callable[[], First], full_builds: References
) -> None:
    root, site, cache, first = first_build()
    assert first["kept"] == 0 and first["pickled"] > 10
    # the compact pickle (tests/test_envpickle.py) of a generated spec round-trips exactly, after
    # the first build and after each incremental one (Sphinx unpickled it)
    _check_env(_saved_env(site))
    needs = _same_as_whole(site)
    assert needs > 300 and len(_parts(site)) == first["pickled"] + first["nodes_pickled"]
    assert first["nodes_kept"] == 0 and first["nodes_pickled"] == first["pickled"]
    for seed in (4, 9):
        done = _edit(root, seed)
        counts = _build(root, site, cache)
        assert _same_as_whole(site) > 300, done
        # the documents not read again keep their parts; the edited ones (and the pages whose
        # needs the computed content re-reads) are pickled again
        assert counts["kept"] > counts["pickled"] > 0, counts
        # the need nodes likewise, in parts of their own
        assert counts["nodes_kept"] > counts["nodes_pickled"] > 0, counts
        assert counts["nodes_kept"] + counts["nodes_pickled"] == counts["kept"] + counts["pickled"]
        assert len(_parts(site)) == sum(counts.values())  # the others are gone
        _check_env(_saved_env(site))
    nothing = _build(root, site, cache)  # nothing changed: Sphinx does not save the environment
    assert nothing == counts
    assert site_differences(full_builds.of(root), site) == []


def test_a_part_missing_or_altered_starts_sphinx_afresh(
    first_build: Callable[[], First], full_builds: References
) -> None:
    root, site, cache, _ = first_build()
    folder = site / ".doctrees" / envparts.FOLDER
    names = sorted(_parts(site))
    data = (folder / names[0]).read_bytes()
    (folder / names[0]).write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # same name, other bytes
    (folder / names[1]).unlink()
    for seed in (4, 9):  # the edits of the test above: the same full build to compare with
        _edit(root, seed)
    counts = _build(root, site, cache)
    assert counts["kept"] == 0  # a fresh environment: every document read, every part pickled
    assert names[0] not in _parts(site) or (folder / names[0]).read_bytes() == data
    _same_as_whole(site)
    assert site_differences(full_builds.of(root), site) == []


def test_need_nodes_in_parts_or_in_the_file_the_same_environment(
    tmp_path: Path, first_build: Callable[[], First]
) -> None:
    """``SMETS_ENV_NODE_PARTS=off`` (the need nodes inside the environment file) and the nodes
    in parts, ``SMETS_ENV_NODES_LAZY=off`` (every node unpickled at the load) and the nodes left
    unread, each after the same edit of the same built state (in the same folders): the same
    environment, the same site. (One build with both on, compared with a build with each off.)"""
    root, site, cache, _ = first_build()
    _edit(root, 6)  # read back from parts below: the build after an edit loads nodes from parts
    _build(root, site, cache)
    saved = {folder: tmp_path / f"saved-{folder.name}" for folder in (site, cache)}
    for folder, copy in saved.items():
        shutil.copytree(folder, copy, symlinks=True)
    _edit(root, 8)
    counts = _build(root, site, cache)
    assert counts["nodes_kept"] == counts["kept"] > 0 and counts["nodes_pickled"] == counts["pickled"] > 0
    assert _same_as_whole(site) > 100
    one = envparts.load(site / ".doctrees" / "environment.pickle")
    on_site = tmp_path / "on-site"
    shutil.copytree(site, on_site, symlinks=True)
    for switch in (envparts.NODE_PARTS, envparts.LAZY):
        for folder, copy in saved.items():
            shutil.rmtree(folder)
            shutil.copytree(copy, folder, symlinks=True)
        os.environ[switch] = "off"
        try:
            off = _build(root, site, cache)
        finally:
            del os.environ[switch]
        if switch == envparts.NODE_PARTS:
            assert off["nodes_kept"] == off["nodes_pickled"] == 0 and off["kept"] == counts["kept"], switch
        else:
            assert off == counts
        _same_as_whole(site)
        two = envparts.load(site / ".doctrees" / "environment.pickle")
        for env in (one, two):  # what differs between any two builds
            env.all_docs = {}  # when each document was read
            env.smets_needs_token = None  # a new one each build
            env.smets_page_costs = None  # the CPU each computed page's comparison took
            env._needs_schema = None  # its dict of absent fields in the order of a set of this process
            env.smets_rendered.pop("conformance/index", None)  # the run time: SMETS_* re-run the suite
        assert env_differences(one, two) == [], switch
        assert len(one._needs_all_nodes) > 100
        assert site_differences(on_site, site) == [], switch


def test_an_unread_need_node_is_the_node_its_part_holds(first_build: Callable[[], First]) -> None:
    """Loaded as Sphinx loads the environment, each need node is an :class:`envparts.Unread`
    whose copy (sphinx-needs' ``get_need_node``) and pickle are those of the node read eagerly."""
    _, site, _, _ = first_build()
    path = site / ".doctrees" / "environment.pickle"
    eager = envparts.load(path)._needs_all_nodes
    with envparts.reading(path.parent, lazy_nodes=True), path.open("rb") as file:
        lazy = pickle.load(file)._needs_all_nodes
    assert list(lazy) == list(eager) and len(eager) > 60
    assert all(isinstance(node, envparts.Unread) for node in lazy.values())
    for key, node in eager.items():
        assert differences(lazy[key].deepcopy(), node.deepcopy()) == [], key
    assert differences(pickle.loads(pickle.dumps(lazy)), eager) == []
    os.environ[envparts.LAZY] = "off"
    try:
        with envparts.reading(path.parent, lazy_nodes=True), path.open("rb") as file:
            assert differences(pickle.load(file)._needs_all_nodes, eager) == []
    finally:
        del os.environ[envparts.LAZY]
