"""Our NeedItem.sort_links (no sort for a list of one link or none) leaves every need exactly as
sphinx-needs' own method does: on the built spec's needs and on random link lists (repeats, parts,
conditions, natural order of digits)."""

from __future__ import annotations

import copy
import pickle
import random
from pathlib import Path
from typing import Any

import pytest

from smets_spec.sphinx import needs_sort


@pytest.fixture(scope="module")
def environment(built_site: Path) -> Any:
    # the environment this test session's own build pickled (not outside input)
    with (built_site / ".doctrees" / "environment.pickle").open("rb") as handle:
        return pickle.load(handle)


def _original() -> Any:
    assert needs_sort.install(), "sphinx-needs is the release the replacement was written against"
    from sphinx_needs.need_item import NeedItem

    assert NeedItem.sort_links is needs_sort.sort_links
    return needs_sort.ORIGINAL[0]


def _lists(need: Any) -> list[tuple[str, str, list[Any]]]:
    found = [("link", name, value) for name, value in need._links.items()]
    found += [("back", name, value) for name, value in need._backlinks.items()]
    for part, data in need._parts.items():
        found += [(f"part {part}", name, value) for name, value in data.backlinks.items()]
    return found


def _state(needs: dict[str, Any]) -> dict[str, Any]:
    return {key: [(kind, name, list(v)) for kind, name, v in _lists(need)] for key, need in needs.items()}


def _sort_both(needs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    original = _original()
    ours, theirs = copy.deepcopy(needs), copy.deepcopy(needs)
    # the lists before, kept alive so that no id is reused
    before = {key: [v for _, _, v in _lists(need)] for key, need in ours.items()}
    for need in ours.values():
        need.sort_links()
    for need in theirs.values():
        original(need)
    for key, need in ours.items():
        # every list that holds a link a new one, as sphinx-needs makes them; an empty one kept
        # (SMETS_EMPTY_LINKS_KEPT; off: a new one too)
        old = {id(v) for v in before[key]}
        assert all((id(v) in old) == (not v and needs_sort.KEEP_EMPTY[0]) for _, _, v in _lists(need))
    return ours, theirs


def test_the_built_spec_s_needs_are_sorted_the_same(environment: Any) -> None:
    ours, theirs = _sort_both(environment._needs_all_needs)
    assert _state(ours) == _state(theirs)
    lengths = [len(v) for state in _state(ours).values() for _, _, v in state]
    assert sum(n > 1 for n in lengths) > 50 and sum(n == 1 for n in lengths) > 500  # all three paths taken


@pytest.mark.parametrize("seed", range(8))
def test_random_link_lists_are_sorted_the_same(environment: Any, seed: int) -> None:
    from sphinx_needs.need_item import NeedLink

    rng = random.Random(seed)
    needs = copy.deepcopy(environment._needs_all_needs)
    ids = sorted(needs)
    pool = [NeedLink.from_string(i) for i in rng.sample(ids, k=40)]
    odd = ("R_2", "R_10", "R_9", "R_02", "r_2", "R_2.part", "R_2[status == 'open']")
    pool += [NeedLink.from_string(s) for s in odd]
    for key in rng.sample(ids, k=min(60, len(ids))):
        for _, _name, value in rng.sample(_lists(needs[key]), k=4):
            value[:] = rng.choices(pool, k=rng.choice([0, 1, 1, 2, 3, 7]))  # repeats likely
    ours, theirs = _sort_both(needs)
    assert _state(ours) == _state(theirs)


def test_not_installed_on_another_release(monkeypatch: pytest.MonkeyPatch) -> None:
    import sphinx_needs
    from sphinx_needs.need_item import NeedItem

    original = _original()
    needs_sort.uninstall()
    assert NeedItem.sort_links is original
    monkeypatch.setattr(sphinx_needs, "__version__", "99.0.0")
    assert needs_sort.install() is False and NeedItem.sort_links is original
    monkeypatch.undo()
    assert needs_sort.install() and NeedItem.sort_links is needs_sort.sort_links


@pytest.mark.parametrize("seed", range(4))
def test_lists_of_plain_links_are_sorted_by_id_the_same(environment: Any, seed: int) -> None:
    """Lists of plain links only (no part, no condition: sorted by their ids, ``_sorted_plain``),
    with repeats of one id as distinct but equal objects: the same links as sphinx-needs keeps
    (the first of equal ones, the very object) in the same order."""
    from sphinx_needs.need_item import NeedLink

    _original()  # installed: sphinx-needs' key kept (a worker may run this test first)
    rng = random.Random(seed)
    needs = copy.deepcopy(environment._needs_all_needs)
    ids = sorted(needs)
    names = [*rng.sample(ids, k=30), "R_2", "R_10", "R_9", "R_02", "r_2", "R_2_1", "R_2_01"]
    for key in rng.sample(ids, k=min(60, len(ids))):
        for _, _name, value in rng.sample(_lists(needs[key]), k=4):
            value[:] = [NeedLink(id=rng.choice(names)) for _ in range(rng.choice([2, 3, 7, 12]))]
    plain = [v for need in needs.values() for _, _, v in _lists(need) if len(v) > 1]
    assert plain and all(needs_sort._sorted_plain(v) is not None for v in plain)
    expected = {id(v): sorted(set(v), key=needs_sort._KEY[0]) for v in plain}
    for value in plain:
        found = needs_sort._sorted_plain(value)
        assert found == expected[id(value)]
        assert all(a is b for a, b in zip(found, expected[id(value)], strict=True))
    ours, theirs = _sort_both(needs)
    assert _state(ours) == _state(theirs)


def test_a_list_with_a_part_or_a_condition_is_sorted_through_the_set() -> None:
    from sphinx_needs.need_item import NeedLink

    _original()
    for odd in (NeedLink(id="R_2", part="p"), NeedLink(id="R_2", condition="status == 'open'")):
        value = [NeedLink(id="R_10"), odd, NeedLink(id="R_2")]
        assert needs_sort._sorted_plain(value) is None
        assert needs_sort._sorted(value) == sorted(set(value), key=needs_sort._KEY[0])


def test_switched_off_every_list_goes_through_the_set(
    environment: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``SMETS_LINK_PASS=off``, read when installed: no list sorted by id, the same result."""
    calls: list[int] = []
    plain = needs_sort._sorted_plain
    monkeypatch.setattr(needs_sort, "_sorted_plain", lambda value: calls.append(1) or plain(value))
    monkeypatch.setenv("SMETS_LINK_PASS", "off")
    _original()
    assert needs_sort.PLAIN == [False]
    ours, theirs = _sort_both(environment._needs_all_needs)
    assert _state(ours) == _state(theirs) and calls == []
    monkeypatch.delenv("SMETS_LINK_PASS")
    _original()
    assert needs_sort.PLAIN == [True]
    ours, theirs = _sort_both(environment._needs_all_needs)
    assert _state(ours) == _state(theirs) and len(calls) > 50


def test_switched_off_every_empty_list_is_made_anew(
    environment: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``SMETS_EMPTY_LINKS_KEPT=off``, read when installed: every list a new one (``_sort_both``
    checks which), the same result."""
    monkeypatch.setenv(needs_sort.EMPTY_KEPT, "off")
    _original()
    assert needs_sort.KEEP_EMPTY == [False]
    ours, theirs = _sort_both(environment._needs_all_needs)
    assert _state(ours) == _state(theirs)
    monkeypatch.delenv(needs_sort.EMPTY_KEPT)
    _original()
    assert needs_sort.KEEP_EMPTY == [True]
    ours, theirs = _sort_both(environment._needs_all_needs)
    assert _state(ours) == _state(theirs)
    empty = [v for need in ours.values() for _, _, v in _lists(need) if not v]
    assert len(empty) > 1000
