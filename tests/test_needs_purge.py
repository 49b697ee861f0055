"""Our remove_doc (a document's needs from a docname index) leaves exactly what sphinx-needs' own
leaves, on the built spec's needs and a generated spec's, under seeded random sequences of
purges, re-reads, single removals, needs moved to another document and parallel merges."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import random
from pathlib import Path
from typing import Any

import pytest
from sphinx_needs.data import SphinxNeedsData, merge_data

from smets_spec.sphinx import needs_purge

#: what remove_doc touches, as sphinx-needs names it on the environment
_ATTRIBUTES = (
    "_needs_all_needs",
    "_needs_all_nodes",
    "_needs_all_docs",
    "_need_all_needextend",
    "_needs_all_needumls",
)


class Env:
    """The part of a Sphinx environment sphinx-needs' data reads and writes during a read."""

    def __init__(self, source: Any) -> None:
        for name in _ATTRIBUTES:
            value = getattr(source, name, {})
            # remove_doc changes the dicts (and the docs' lists), never a need or a node
            setattr(self, name, {k: list(v) if isinstance(v, list) else v for k, v in value.items()})
        self._needs_is_post_processed = False


def _env(path: Path) -> Any:
    with path.open("rb") as handle:  # the environment a build of this test session pickled
        return pickle.load(handle)


def _state(env: Env) -> tuple[Any, ...]:
    needs = env._needs_all_needs
    return (
        [(key, id(need)) for key, need in needs.items()],
        list(env._needs_all_nodes),
        env._needs_all_docs,
        env._need_all_needextend,
        env._needs_all_needumls,
    )


class Pair:
    """The same steps on two copies: sphinx-needs' own methods on one, ours on the other."""

    def __init__(self, source: Any) -> None:
        needs_purge.install()
        self.theirs, self.ours = Env(source), Env(source)
        self.docnames = sorted({need["docname"] for need in source._needs_all_needs.values()}, key=str)
        self.purged: dict[str, list[Any]] = {}

    def both(self, step: str, *args: Any) -> None:
        needs_purge.ORIGINAL[step](SphinxNeedsData(self.theirs), *args)  # type: ignore[arg-type]
        getattr(SphinxNeedsData(self.ours), step)(*args)  # type: ignore[arg-type]
        assert _state(self.ours) == _state(self.theirs), (step, args)

    def purge(self, docname: Any) -> None:
        needs = self.theirs._needs_all_needs
        self.purged[docname] = [need for need in needs.values() if need.is_in_document(docname)]
        self.both("remove_doc", docname)

    def reread(self, docname: str) -> None:
        for need in self.purged.pop(docname, []):
            self.both("add_need", need)

    def move(self, rng: random.Random) -> None:
        """A need of one document added again, under its id, from another (its docname is the other's)."""
        needs = list(self.theirs._needs_all_needs.values())
        if len(needs) < 2:
            return
        need, other = rng.sample(needs, 2)
        moved = copy.copy(need)
        moved._source = other._source
        self.both("add_need", moved)

    def merge(self, rng: random.Random) -> None:
        """A parallel read's merge (sphinx-needs' merge_data writes into the needs directly)."""
        if not self.purged:
            return
        docname = rng.choice(sorted(self.purged, key=str))
        for env in (self.theirs, self.ours):
            worker = Env(env)
            worker._needs_all_needs = {need["id"]: need for need in self.purged[docname]}
            merge_data(None, env, [docname], worker)  # type: ignore[arg-type]
            needs_purge.forget(None, env)  # as at env-merge-info
        del self.purged[docname]
        assert _state(self.ours) == _state(self.theirs)


def _random_steps(source: Any, seed: int, steps: int = 120) -> Pair:
    rng = random.Random(seed)
    pair = Pair(source)
    counts = {"remove_doc": 0, "removed": 0}
    for _ in range(steps):
        roll = rng.random()
        if roll < 0.45:
            docname = rng.choice([*pair.docnames, "no/such/document", None])
            before = len(pair.ours._needs_all_needs)
            pair.purge(docname)
            counts["remove_doc"] += 1
            counts["removed"] += before - len(pair.ours._needs_all_needs)
        elif roll < 0.75 and pair.purged:
            pair.reread(rng.choice(sorted(pair.purged, key=str)))
        elif roll < 0.85 and pair.ours._needs_all_needs:
            pair.both("remove_need", rng.choice(sorted(pair.ours._needs_all_needs)))
        elif roll < 0.95:
            pair.move(rng)
        else:
            pair.merge(rng)
    assert counts["remove_doc"] > 30 and counts["removed"] > 0, counts
    return pair


@pytest.fixture(scope="module")
def spec_environment(built_site: Path) -> Any:
    return _env(built_site / ".doctrees" / "environment.pickle")


def test_purging_every_document_of_the_spec_leaves_what_sphinx_needs_leaves(spec_environment: Any) -> None:
    pair = Pair(spec_environment)
    assert len(pair.ours._needs_all_needs) > 400
    for docname in pair.docnames:
        pair.purge(docname)
    left = pair.ours._needs_all_needs.values()
    assert all(need["is_external"] for need in left), "only needs of no document are left"


@pytest.mark.parametrize("seed", range(5))
def test_random_purges_and_rereads_of_the_spec(spec_environment: Any, seed: int) -> None:
    pair = _random_steps(spec_environment, seed)
    # the index is never wrong afterwards either: every document purged once more
    for docname in pair.docnames:
        pair.purge(docname)


def test_a_purge_after_the_needs_are_post_processed_is_refused_as_sphinx_needs_refuses_it(
    spec_environment: Any,
) -> None:
    pair = Pair(spec_environment)
    pair.ours._needs_is_post_processed = True
    with pytest.raises(RuntimeError, match="post-processed"):
        SphinxNeedsData(pair.ours).remove_doc(pair.docnames[0])  # type: ignore[arg-type]


def test_a_need_written_past_the_methods_is_found_by_building_the_index_again(spec_environment: Any) -> None:
    pair = Pair(spec_environment)
    pair.purge(pair.docnames[0])  # the index now exists
    needs = pair.ours._needs_all_needs
    planted = copy.copy(next(iter(needs.values())))
    planted._source = dataclasses.replace(planted._source, docname="planted/doc")
    for env in (pair.theirs, pair.ours):
        env._needs_all_needs["PLANTED_1"] = planted  # not through add_need: the count differs
    pair.purge("planted/doc")
    assert "PLANTED_1" not in needs


def test_another_sphinx_needs_release_is_left_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    import sphinx_needs

    needs_purge.uninstall()
    monkeypatch.setattr(sphinx_needs, "__version__", "9.2.0")
    assert needs_purge.install() is False
    assert SphinxNeedsData.remove_doc is not needs_purge.remove_doc
    monkeypatch.undo()
    assert needs_purge.install() is True
    assert SphinxNeedsData.remove_doc is needs_purge.remove_doc
