"""needs_generate.deepcopy builds what copy.deepcopy builds: for every default (and predicate
default) of the spec's schema, and for seeded random values of every shape a default can take."""

from __future__ import annotations

import copy
import pickle
import random
from pathlib import Path
from typing import Any

import pytest
from sphinx_needs.need_item import NeedLink
from sphinx_needs.needs_schema import FieldFunctionArray, FieldLiteralValue, LinksLiteralValue

from smets_spec.sphinx import needs_generate


def _walk(value: Any) -> list[tuple[type, Any, int]]:
    """``value`` and every object inside it, depth first: type, the object, its ``id``."""
    found = [(type(value), value, id(value))]
    if isinstance(value, FieldLiteralValue | LinksLiteralValue | FieldFunctionArray):
        found += _walk(value.value)
    elif isinstance(value, list | tuple):
        for item in value:
            found += _walk(item)
    return found


def _compare(value: Any) -> None:
    """Equal, the same types throughout, a new object wherever deepcopy makes one and the
    same object wherever it keeps one (an atomic value, by exact type)."""
    ours, theirs = needs_generate.deepcopy(value), copy.deepcopy(value)
    assert ours == theirs
    mine, other, original = _walk(ours), _walk(theirs), _walk(value)
    assert (
        [kind for kind, _, _ in mine] == [kind for kind, _, _ in other] == [kind for kind, _, _ in original]
    )
    for (kind, a, ida), (_, b, idb), (_, o, ido) in zip(mine, other, original, strict=True):
        assert a == b == o
        assert (ida == ido) is (idb == ido), (kind, a)


def _random_value(rng: random.Random) -> Any:
    atoms: list[Any] = ["", "text", 0, 7, 1.5, True, False, None]
    kind = rng.randrange(6)
    if kind == 0:
        return FieldLiteralValue(rng.choice(atoms))
    if kind == 1:
        return FieldLiteralValue([rng.choice(atoms[:6]) for _ in range(rng.randrange(4))])
    if kind == 2:
        return LinksLiteralValue([])
    if kind == 3:
        return LinksLiteralValue([NeedLink(id=f"REQ_{rng.randrange(9)}") for _ in range(rng.randrange(1, 3))])
    if kind == 4:
        return FieldFunctionArray(tuple(rng.choice(atoms[:6]) for _ in range(rng.randrange(3))))
    return FieldLiteralValue([["nested"], "x"])


@pytest.mark.parametrize("seed", range(4))
def test_random_defaults_are_copied_as_deepcopy_copies_them(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(200):
        _compare(_random_value(rng))


def test_every_default_of_the_spec_schema_is_copied_as_deepcopy_copies_it(built_site: Path) -> None:
    with (built_site / ".doctrees" / "environment.pickle").open("rb") as handle:  # this session's build
        schema = pickle.load(handle)._needs_schema
    fields = [*schema.iter_extra_fields(), *schema.iter_link_fields()]
    defaults = [field.default for field in fields if field.default is not None]
    defaults += [value for field in fields for _, value in field.predicate_defaults]
    assert len(defaults) >= 3
    for default in defaults:
        _compare(default)


def test_a_memo_and_another_sphinx_needs_release_go_to_copy_deepcopy(monkeypatch: pytest.MonkeyPatch) -> None:
    value, memo = FieldLiteralValue("x"), {}
    assert needs_generate.deepcopy(value, memo) == value and id(value) in memo
    import sphinx_needs
    from sphinx_needs.api import need as need_module

    needs_generate.uninstall()
    monkeypatch.setattr(sphinx_needs, "__version__", "9.2.0")
    assert needs_generate.install() is False
    assert need_module.deepcopy is copy.deepcopy  # type: ignore[attr-defined]
    monkeypatch.undo()
    assert needs_generate.install() is True
    assert need_module.deepcopy is needs_generate.deepcopy  # type: ignore[attr-defined]
