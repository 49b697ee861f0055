"""A forked reader forgets the needs of the documents it inherited in one pass (``readback.forget_needs``,
``SMETS_READBACK_FILTER``): the state it sends back is the one sphinx-needs' purge alone left, and a
parallel build whose late readers inherit merged documents gives the same site, needs.json and
merged environment either way."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import pytest

from clitools import driven_build
from sitecompare import differences
from smets_spec.sphinx import readback
from sphinxtools import build_in_process, toctree_project


def _state(app: Any, mine: set[str], monkeypatch: pytest.MonkeyPatch, switch: str) -> dict[str, Any]:
    """What ``app``'s environment sends back from a reader (process 1) that read only ``mine``."""
    monkeypatch.setenv(readback.FILTER, switch)
    readback.start(parallel=True)
    try:
        readback._READ_BY[1] = set(mine)
        with monkeypatch.context() as patched:
            patched.setattr(os, "getpid", lambda: 1)
            state: dict[str, Any] = pickle.loads(pickle.dumps(app.env.__getstate__()))
    finally:
        readback.stop()
    return state


def test_a_reader_sends_back_the_same_state_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = toctree_project(tmp_path)
    apps = [build_in_process(root, tmp_path / name, 1) for name in ("on", "off")]
    for app in apps:
        setattr(app.env, "_needs_is_post_processed", False)  # noqa: B010  (as in a reader, before post-processing)
    needs = apps[0].env._needs_all_needs  # type: ignore[attr-defined]
    docs = sorted({need["docname"] for need in needs.values() if need["docname"]})
    assert len(docs) >= 2
    mine = set(docs[::2]) | {"index"}
    gone = set(apps[0].env.all_docs) - mine
    # the filter itself: the inherited documents' needs and nodes, nothing else
    kept_needs = [key for key, need in needs.items() if need["docname"] not in gone]
    on, off = (
        _state(app, mine, monkeypatch, on_off) for app, on_off in zip(apps, ("on", "off"), strict=True)
    )
    assert list(on["_needs_all_needs"]) == kept_needs != list(needs)
    assert on["_needs_all_needs"] == off["_needs_all_needs"]  # NeedItem equality: every field and link
    assert list(on["_needs_all_nodes"]) == list(off["_needs_all_nodes"])
    assert [n.pformat() for n in on["_needs_all_nodes"].values()] == [
        n.pformat() for n in off["_needs_all_nodes"].values()
    ]
    assert set(on) == set(off)
    for name in ("all_docs", "_needs_all_docs", "titles", "tocs", "dependencies", "metadata"):
        assert list(on.get(name, ())) == list(off.get(name, ())), name


def test_forget_needs_leaves_anything_else_to_the_purge(tmp_path: Path) -> None:
    app = build_in_process(toctree_project(tmp_path), tmp_path / "out", 1)
    env = app.env
    assert readback.forget_needs(env, set()) == 0
    env._needs_is_post_processed = True  # type: ignore[attr-defined]
    assert readback.forget_needs(env, set(env.all_docs)) == 0
    env._needs_is_post_processed = False  # type: ignore[attr-defined]
    before = len(env._needs_all_needs)  # type: ignore[attr-defined]
    assert readback.forget_needs(env, set(env.all_docs)) == before > 0
    assert env._needs_all_needs == {}  # type: ignore[attr-defined]


#: `smets build` with six read chunks on two processes (the late readers inherit merged documents),
#: printing a digest of the merged environment's needs, need nodes and documents after the read
_DRIVER = """
import hashlib, os, sys
from smets_spec import cli
from smets_spec.sphinx import jobs, readback
jobs.read_chunks = lambda docs, nproc, maxbatch=10: [list(docs[i::6]) for i in range(min(6, len(docs)))]
stop = readback.stop
def digest(env):
    needs = vars(env).get("_needs_all_needs", {})
    nodes = vars(env).get("_needs_all_nodes", {})
    text = repr([sorted(env.all_docs),
                 sorted((k, sorted(dict(n).items(), key=str)) for k, n in needs.items()),
                 sorted((k, n.pformat()) for k, n in nodes.items()), sorted(env.titles), sorted(env.tocs)])
    return hashlib.sha256(text.encode()).hexdigest()
def stopped(*args):
    stop(*args)
    from sphinx.environment import BuildEnvironment
    import gc
    gc.collect()  # (a warm build leaves its collections to the end: the workers' merged copies)
    envs = [o for o in gc.get_objects() if isinstance(o, BuildEnvironment)]
    print("MERGED", *sorted(digest(e) for e in envs))
readback.stop = stopped
forget = readback.forget_needs
def forgotten(env, gone):
    count = forget(env, gone)
    with open(os.environ["FORGOTTEN"], "a", encoding="utf-8") as log:  # from each forked reader
        log.write(f"{count}\\n")
    return count
readback.forget_needs = forgotten
sys.exit(cli.main(sys.argv[1:]))
"""


def test_a_parallel_build_with_inherited_documents_is_the_same_either_way(tmp_path: Path) -> None:
    from smets_spec.corpus.synthetic import generate

    root = generate(tmp_path / "project", 20)
    merged: dict[str, str] = {}
    for switch in ("on", "off"):
        settings = {"SMETS_CACHE_DIR": str(tmp_path / "cache"), readback.FILTER: switch}
        settings["FORGOTTEN"] = str(tmp_path / f"forgotten-{switch}")
        settings["SMETS_HALF_READ"] = "off"  # Sphinx's parallel read
        result = driven_build(_DRIVER, root, tmp_path / switch, settings, "-j", "2")
        merged[switch] = result.stdout.rsplit("MERGED", 1)[1].split("\n", 1)[0]
    assert merged["on"] == merged["off"] and merged["on"].strip()
    # the late readers of the first build forgot inherited needs; with the switch off, none did
    assert sum(map(int, (tmp_path / "forgotten-on").read_text(encoding="utf-8").split())) > 0
    assert not (tmp_path / "forgotten-off").exists()
    assert (tmp_path / "on" / "needs.json").read_bytes() == (tmp_path / "off" / "needs.json").read_bytes()
    assert differences(tmp_path / "on", tmp_path / "off") == []
