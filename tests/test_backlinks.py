"""Our linear build_backlinks gives exactly what sphinx-needs' own gives, on the built spec's
needs and under random link edits (dead links, parts, repeated links, lists not empty)."""

from __future__ import annotations

import copy
import pickle
import random
from pathlib import Path
from typing import Any

import pytest

from smets_spec.sphinx import backlinks


@pytest.fixture(scope="module")
def environment(built_site: Path) -> Any:
    # the environment this test session's own build pickled (not outside input)
    with (built_site / ".doctrees" / "environment.pickle").open("rb") as handle:
        return pickle.load(handle)


def _original() -> Any:
    backlinks.install()
    assert backlinks.ORIGINAL, "install() keeps sphinx-needs' own build_backlinks"
    from sphinx_needs.directives import need as need_module

    assert need_module.build_backlinks is backlinks.build_backlinks
    return backlinks.ORIGINAL[0]


def _state(needs: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (
            {kind: list(entries) for kind, entries in need._backlinks.items()},
            {part: {k: list(v) for k, v in data.backlinks.items()} for part, data in need._parts.items()},
            need["has_dead_links"],
            need["has_forbidden_dead_links"],
        )
        for key, need in needs.items()
    }


def _link_fields(schema: Any, needs: dict[str, Any]) -> list[str]:
    sample = next(iter(needs.values()))
    return [link.name for link in schema.iter_link_fields() if link.name not in sample._derived]


def _edit(needs: dict[str, Any], fields: list[str], rng: random.Random) -> int:
    """Random links on a few needs: known ids, unknown ids, parts, the same link twice."""
    ids = sorted(needs)
    parts = [f"{key}.{part}" for key in ids for part in needs[key]._parts]
    edited = 0
    for key in rng.sample(ids, k=min(25, len(ids))):
        targets = rng.sample(ids, k=rng.randint(0, 6))
        targets += rng.sample(parts, k=min(len(parts), rng.randint(0, 2)))
        targets += ["NO_SUCH_NEED"] * rng.randint(0, 1) + [f"{ids[0]}.no_such_part"] * rng.randint(0, 1)
        targets += targets[:1]
        needs[key][rng.choice(fields)] = targets
        edited += 1
    return edited


def test_the_built_spec_gets_the_same_back_links(environment: Any) -> None:
    original = _original()
    needs, schema = environment._needs_all_needs, environment._needs_schema
    ours, theirs = copy.deepcopy(needs), copy.deepcopy(needs)
    backlinks.build_backlinks(ours, schema)
    original(theirs, schema)
    assert _state(ours) == _state(theirs)
    assert sum(len(v) for state in _state(ours).values() for v in state[0].values()) > 1000


@pytest.mark.parametrize("seed", range(6))
def test_random_link_edits_get_the_same_back_links(environment: Any, seed: int) -> None:
    original = _original()
    rng = random.Random(seed)
    needs, schema = copy.deepcopy(environment._needs_all_needs), environment._needs_schema
    assert _edit(needs, _link_fields(schema, needs), rng) == 25
    ours, theirs = copy.deepcopy(needs), copy.deepcopy(needs)
    backlinks.build_backlinks(ours, schema)
    original(theirs, schema)
    state = _state(ours)
    assert state == _state(theirs)
    assert any(flags[2] for flags in state.values()), "the edits made dead links"
    # without the reset, on lists already filled (resolve_functions' second call)
    backlinks.build_backlinks(ours, schema, reset=False)
    original(theirs, schema, reset=False)
    assert _state(ours) == _state(theirs)


def test_an_unknown_link_type_is_refused_as_sphinx_needs_refuses_it(environment: Any) -> None:
    needs = copy.deepcopy(environment._needs_all_needs)
    source, target = list(needs.values())[:2]
    from sphinx_needs.need_item import NeedLink

    source._links["no_such_link"] = [NeedLink(id=target.id)]
    with pytest.raises(KeyError, match="no_such_link"):
        backlinks.build_backlinks(needs, environment._needs_schema)


def test_another_sphinx_needs_release_keeps_its_own_build_backlinks(monkeypatch: pytest.MonkeyPatch) -> None:
    import sphinx_needs
    from sphinx_needs.directives import need as need_module

    original = _original()
    monkeypatch.setattr(need_module, "build_backlinks", original)
    monkeypatch.setattr(sphinx_needs, "__version__", "9.2.0")
    assert backlinks.install() is False
    assert need_module.build_backlinks is original
    monkeypatch.undo()
    assert backlinks.install() is True
    assert need_module.build_backlinks is backlinks.build_backlinks


@pytest.mark.parametrize("switch", ["on", "off"])
@pytest.mark.parametrize("seed", range(3))
def test_lists_already_holding_links_of_the_same_ids_get_the_same_back_links(
    environment: Any, seed: int, switch: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the reset, back-link lists that already hold links (plain ones of the ids the pass
    adds, and ones of the same ids with a part or a condition, which are not equal to them), with
    ``SMETS_LINK_PASS`` on (looked up by id) and off (by link): sphinx-needs' lists and flags."""
    from sphinx_needs.need_item import NeedLink

    monkeypatch.setenv("SMETS_LINK_PASS", switch)
    original = _original()
    rng = random.Random(seed)
    needs, schema = copy.deepcopy(environment._needs_all_needs), environment._needs_schema
    _edit(needs, _link_fields(schema, needs), rng)
    ids = sorted(needs)
    for key in rng.sample(ids, k=40):
        for name in rng.sample(sorted(needs[key]._backlinks), k=3):
            source = rng.choice(ids)
            needs[key]._backlinks[name] = rng.sample(
                [NeedLink(id=source), NeedLink(id=source, part="p"), NeedLink(id=source, condition="x")],
                k=rng.randint(1, 3),
            )
    ours, theirs = copy.deepcopy(needs), copy.deepcopy(needs)
    backlinks.build_backlinks(ours, schema, reset=False)
    original(theirs, schema, reset=False)
    assert _state(ours) == _state(theirs)
    assert any(flags[2] for flags in _state(ours).values()), "the edits made dead links"


def test_the_dead_links_met_while_adding_are_those_of_a_second_walk(environment: Any) -> None:
    """``_add_links``' dead links, need by need, are those :func:`backlinks._flags` finds walking
    each need's links again: unknown needs and unknown parts, in order, none of a live link."""
    rng = random.Random(4)
    needs, schema = copy.deepcopy(environment._needs_all_needs), environment._needs_schema
    _edit(needs, _link_fields(schema, needs), rng)
    for need in needs.values():
        need.reset_backlinks()
    met = backlinks._add_links(needs)
    allow = {link.name: link.allow_dead_links for link in schema.iter_link_fields()}
    walked = {
        key: backlinks._flags(need, needs.get, allow, lambda: frozenset()) for key, need in needs.items()
    }
    assert {key: found for key, found in walked.items() if found[0]} == {
        key: backlinks._dead_flags(links, allow, lambda: frozenset()) for key, links in met.items()
    }
    assert any(":" in link for found, _ in walked.values() for link in found if "no_such_part" in link)
