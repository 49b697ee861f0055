"""needs_plan.generate_need gives what sphinx-needs' own generate_need gives: the same NeedItem (every
slot, value types, no list shared between needs that sphinx-needs gives each its own), the same
error (code and message) and the same warnings in the same order, on every call of a real build
of the spec (a generated project: the repository's spec and generated requirements) and on seeded
random calls (needs_plan_random.py). The whole build with and without it is compared by
tests/test_needs_patched_build.py (site, needs.json, every need)."""

from __future__ import annotations

import ast
import inspect
import os
import re
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sphinx_needs.need_item import NeedLink
from sphinx_needs.needs_schema import FieldFunctionArray, FieldLiteralValue, LinksLiteralValue

from clitools import run_ok
from smets_spec.corpus.synthetic import generate
from smets_spec.sphinx import needs_generate, needs_plan, needs_typeplan

HERE = Path(__file__).parent


def test_every_call_of_a_build_and_random_calls_give_the_same_needs_errors_warnings(tmp_path: Path) -> None:
    project = generate(tmp_path / "project", 80)
    driver = HERE / "needs_plan_random.py"
    argv = [sys.executable, str(driver), str(project), str(tmp_path / "out"), "11", "12"]
    env = dict(os.environ, SMETS_CACHE_DIR=str(tmp_path / "cache"))
    result = run_ok(argv, env=env, cwd=HERE)
    build = re.search(r"^BUILD (\d+) (\d+) ", result.stdout, re.MULTILINE)
    assert build is not None and build.group(1) == "0", result.stdout[-3000:]
    assert int(build.group(2)) > 450  # every need of the spec and of the 80 requirements
    found = re.search(r"^RANDOM (.*)$", result.stdout, re.MULTILINE)
    assert found is not None
    seen = ast.literal_eval(found.group(1))
    assert seen["need"] > 1000 and seen["warning"] > 1000
    for code in ("invalid_field_value", "invalid_link_option", "invalid_value", "invalid_id", "missing_id"):
        assert seen[f"error {code}"] > 10, code
    for code in ("invalid_kwargs", "invalid_constraints", "invalid_type"):
        assert seen[f"error {code}"] >= 1, code


def test_another_release_or_signature_keeps_sphinx_needs_function(monkeypatch: pytest.MonkeyPatch) -> None:
    import sphinx_needs
    from sphinx_needs.api import need as need_module

    needs_generate.uninstall()
    original = need_module.generate_need
    assert inspect.getmodule(original) is need_module
    monkeypatch.setattr(sphinx_needs, "__version__", "9.2.0")
    assert needs_plan.install() is False and need_module.generate_need is original
    monkeypatch.undo()

    def changed(needs_config: object, needs_schema: object, need_type: str, *, new: int = 0) -> None:
        raise AssertionError("never called")

    monkeypatch.setattr(need_module, "generate_need", changed)
    assert needs_plan.install() is False and need_module.generate_need is changed
    monkeypatch.undo()
    assert needs_generate.install() is True
    assert need_module.generate_need is needs_plan.generate_need
    needs_generate.uninstall()
    assert need_module.generate_need is original
    assert needs_generate.install() is True


def _field(name: str, **given: object) -> SimpleNamespace:
    shape: dict[str, object] = {"name": name, "predicate_defaults": (), "default": None, "nullable": True}
    shape |= {"directive_option": True, "derived": False, "type": "string", "copy": False}
    return SimpleNamespace(**(shape | given))


class _Schema:
    """A need type's schema as the plan reads it: core fields, one extra field, one link type."""

    def __init__(self, core: dict[str, SimpleNamespace], extra: Any, link: Any) -> None:
        self.core, self.extra, self.link = core, extra, link

    def get_core_field(self, name: str) -> SimpleNamespace | None:
        return self.core.get(name)

    def iter_extra_fields(self) -> list[SimpleNamespace]:
        return [self.extra]

    def iter_link_fields(self) -> list[SimpleNamespace]:
        return [self.link]

    def iter_extra_field_names(self) -> list[str]:
        return [self.extra.name]

    def iter_link_field_names(self) -> list[str]:
        return [self.link.name]

    def copying_link_types(self) -> list[str]:
        return ["other"] if self.link.copy else []

    def declares(self, name: str) -> bool:
        return True


@pytest.mark.parametrize(
    "change",
    [
        {"status": _field("status", predicate_defaults=(("type == 'req'", FieldLiteralValue("x")),))},
        {"tags": _field("tags", default=FieldLiteralValue([["nested"]]))},
        {"template": _field("template", default=FieldLiteralValue("a_template"))},
        {"extra": _field("extra", default=FieldFunctionArray(("x",)))},
        {"link": _field("link", default=LinksLiteralValue([NeedLink(id="GS_08")]))},
        {"link": _field("link", copy=True)},
    ],
)
def test_a_type_the_plan_does_not_cover_goes_to_sphinx_needs(change: dict[str, SimpleNamespace]) -> None:
    from sphinx_needs.api import need as need_module

    core = {name: _field(name) for name in needs_typeplan.CORE}
    core |= {name: field for name, field in change.items() if name in core}
    plain = _Schema({name: _field(name) for name in needs_typeplan.CORE}, _field("extra"), _field("link"))
    assert needs_typeplan.plan_for(plain, "t", need_module) is not None
    extra, link = change.get("extra", plain.extra), change.get("link", plain.link)
    assert needs_typeplan.plan_for(_Schema(core, extra, link), "t", need_module) is None
