"""sphinx-needs' post-processing and field schema check with our passes give, need by need and
warning by warning, what sphinx-needs' own functions give: on the built spec's needs and on seeded
random edits of them (titles, texts, links added and removed, dead links, links to needs of the
wrong type, links to parts, conditions, invalid field values, needs deleted); and the link check
of an incremental build (:func:`needs_reuse.link_check_set`), after seeded edits of a spec with
faults, reports what sphinx-needs' full check reports."""

from __future__ import annotations

import copy
import json
import pickle
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from smets_spec.sphinx import backlinks, needs_post, needs_reuse, needs_sort


@pytest.fixture(scope="module")
def environment(built_site: Path) -> Any:
    # the environment this test session's own build pickled (not outside input)
    with (built_site / ".doctrees" / "environment.pickle").open("rb") as handle:
        return pickle.load(handle)


@contextmanager
def _sphinx_needs_own() -> Iterator[None]:
    """sphinx-needs' own functions for the length of the block (ours again after it)."""
    from sphinx_needs.directives import need as need_module

    assert needs_post.install() and needs_sort.install() and backlinks.install()
    needs_post.uninstall()
    needs_sort.uninstall()
    need_module.build_backlinks = backlinks.ORIGINAL[0]
    try:
        yield
    finally:
        assert needs_post.install() and needs_sort.install() and backlinks.install()


def _post(needs: dict[str, Any], env: Any) -> tuple[list[Any], dict[str, Any]]:
    """sphinx-needs' post-processing steps after the dynamic functions (none in our spec) and its
    field schema check, through the functions its modules call: the warnings logged, in order,
    and the validation's findings."""
    from sphinx_needs.config import NeedsSphinxConfig
    from sphinx_needs.directives import need as need_module
    from sphinx_needs.schema import process as process_module

    config, schema = NeedsSphinxConfig(env.config), env._needs_schema
    logged: list[Any] = []
    original_log = need_module.log_warning

    def log(logger: Any, message: str, subtype: str, location: Any = None, **kwargs: Any) -> None:
        logged.append((message, subtype, location, sorted(kwargs.items())))

    need_module.log_warning = log
    try:
        for need in needs.values():
            need.reset_backlinks()
        need_module.build_backlinks(needs, schema, reset=False)
        need_module.check_links(needs, config, schema)
        for need in needs.values():
            need.sort_links()
        need_module.process_constraints(needs, config)
        found = process_module.validate_field_link_schemas(config, schema, needs)
    finally:
        need_module.log_warning = original_log
    return logged, found


def _need_state(need: Any) -> dict[str, Any]:
    return {
        "core": dict(need._core),
        "extras": dict(need._extras),
        "links": {k: list(v) for k, v in need._links.items()},
        "backlinks": {k: list(v) for k, v in need._backlinks.items()},
        "parts": {p: {k: list(v) for k, v in d.backlinks.items()} for p, d in need._parts.items()},
        "computed": need._computed,
        "constraints": None if need._constraint_results is None else dict(need._constraint_results),
        "items": list(need.items()),
    }


def _findings(found: dict[str, Any]) -> dict[str, Any]:
    return {
        key: [{k: (v["id"] if k == "need" else v) for k, v in warning.items()} for warning in warnings]
        for key, warnings in found.items()
    }


def _both(needs: dict[str, Any], env: Any) -> tuple[Any, Any]:
    ours, theirs = copy.deepcopy(needs), copy.deepcopy(needs)
    ours_logged, ours_found = _post(ours, env)
    with _sphinx_needs_own():
        theirs_logged, theirs_found = _post(theirs, env)
    assert list(ours) == list(theirs)
    for key in ours:
        assert _need_state(ours[key]) == _need_state(theirs[key]), key
    assert ours_logged == theirs_logged
    assert _findings(ours_found) == _findings(theirs_found)
    return ours_logged, _findings(ours_found)


def _edit(needs: dict[str, Any], env: Any, rng: random.Random) -> dict[str, int]:
    """Seeded random edits of every kind the passes read."""
    from sphinx_needs.need_item import NeedLink

    schema = env._needs_schema
    ids = sorted(needs)
    done = {"links": 0, "values": 0, "status": 0, "deleted": 0, "conditions": 0}
    link_fields = [link.name for link in schema.iter_link_fields() if link.name not in needs[ids[0]]._derived]
    extras = [name for name in needs[ids[0]]._extras if name not in needs[ids[0]]._derived]
    for key in rng.sample(ids, k=min(30, len(ids))):
        need = needs[key]
        kind = rng.random()
        if kind < 0.5:  # links added and removed: live, dead, to a part, twice, wrong target type
            targets = rng.sample(ids, k=rng.randint(0, 5)) + ["NO_SUCH_NEED"] * rng.randint(0, 1)
            targets += targets[:1]
            need[rng.choice(link_fields)] = targets
            done["links"] += 1
        elif kind < 0.6:  # a link with a condition on its target
            field = rng.choice(link_fields)
            need._links[field] = [
                *need._links[field],
                NeedLink(id=rng.choice(ids), condition="status == 'draft'"),
            ]
            done["conditions"] += 1
        elif kind < 0.9:  # a field value its schema refuses (or a new title)
            name = rng.choice([*extras, "title", "status"])
            value = "bogus value" if name == "status" else rng.choice(["bogus value", "", "42", "GS.08"])
            try:
                need[name] = value
            except (KeyError, TypeError):
                continue
            done["values"] += 1
            done["status"] += name == "status"
        else:
            del needs[key]
            done["deleted"] += 1
    return done


def test_the_built_spec_is_post_processed_and_checked_alike(environment: Any) -> None:
    logged, found = _both(environment._needs_all_needs, environment)
    assert len(environment._needs_all_needs) > 400
    # the spec as written is clean: nothing logged, nothing found
    assert logged == [] and found == {}


@pytest.mark.parametrize("seed", range(8))
def test_random_edits_are_post_processed_and_checked_alike(environment: Any, seed: int) -> None:
    needs = copy.deepcopy(environment._needs_all_needs)
    done = _edit(needs, environment, random.Random(seed))
    logged, found = _both(needs, environment)
    assert sum(done.values()) >= 20, done
    # the edits are seen: warnings of several kinds and schema findings
    subtypes = {entry[1] for entry in logged}
    assert "link_outgoing" in subtypes or "link_target_type" in subtypes, (done, subtypes)
    if done["status"]:  # "bogus value" is not one of the statuses the schema allows
        assert found, done


def test_schema_report_and_formatted_warnings_are_the_same(environment: Any, tmp_path: Path) -> None:
    from sphinx_needs.schema.reporting import generate_json_schema_validation_report, get_formatted_warnings

    needs = copy.deepcopy(environment._needs_all_needs)
    _edit(needs, environment, random.Random(99))
    reports = []
    for which in ("ours", "theirs"):
        copied = copy.deepcopy(needs)
        if which == "ours":
            _logged, found = _post(copied, environment)
        else:
            with _sphinx_needs_own():
                _logged, found = _post(copied, environment)
        path = tmp_path / f"{which}.json"
        generate_json_schema_validation_report(
            duration=1.0,
            need_2_warnings=found,
            report_file_path=path,
            validated_needs_count=len(copied),
            validated_rate=1,
        )
        reports.append((json.loads(path.read_text(encoding="utf-8")), get_formatted_warnings(found)))
    assert reports[0] == reports[1]
    assert reports[0][1], "the edits gave formatted schema warnings"


def test_another_sphinx_needs_release_keeps_its_own_functions(monkeypatch: pytest.MonkeyPatch) -> None:
    import sphinx_needs
    from sphinx_needs.directives import need as need_module
    from sphinx_needs.schema import process as process_module

    assert needs_post.install()
    needs_post.uninstall()
    own = (
        need_module.check_links,
        need_module.process_constraints,
        process_module.validate_field_link_schemas,
    )
    monkeypatch.setattr(sphinx_needs, "__version__", "9.2.0")
    assert needs_post.install() is False
    assert (
        need_module.check_links,
        need_module.process_constraints,
        process_module.validate_field_link_schemas,
    ) == own
    monkeypatch.undo()
    assert needs_post.install() is True
    assert need_module.check_links is needs_post.check_links


def _second_round(needs: dict[str, Any], rng: random.Random) -> set[str]:
    """Seeded edits of needs others link to (made another type, retitled, deleted) and of links,
    as a document read again would bring them: the ids of the needs changed."""
    linked = sorted({link.id for need in needs.values() for refs in need._links.values() for link in refs})
    linked = [key for key in linked if key in needs]
    types = sorted({need._core["type"] for need in needs.values()})
    changed: set[str] = set()
    for key in rng.sample(linked, k=min(12, len(linked))):
        kind = rng.random()
        if kind < 0.4:  # another type: the needs linking to it now link to a need of that type
            needs[key]._core["type"] = rng.choice([t for t in types if t != needs[key]._core["type"]])
        elif kind < 0.8:  # the same type and parts: what links to it is checked as before
            needs[key]._core["title"] += " (edited)"
        else:
            del needs[key]
        changed.add(key)
    ids = sorted(needs)
    for key in rng.sample(ids, k=6):  # links added: live, dead, to a need of any type
        field = rng.choice([name for name in needs[key]._links if name not in needs[key]._derived])
        needs[key][field] = [*rng.sample(ids, k=2), "NO_SUCH_NEED"][: rng.randint(1, 3)]
        changed.add(key)
    return changed


def _with_plan(needs: dict[str, Any], env: Any, plan: Any) -> list[Any]:
    needs_reuse.CURRENT[:] = [plan]
    try:
        logged, _found = _post(needs, env)
    finally:
        needs_reuse.CURRENT.clear()
    return logged


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("facts", [True, False])
def test_an_incremental_link_check_reports_what_the_full_check_reports(
    environment: Any, seed: int, facts: bool
) -> None:
    """The last build (a spec with faults, every need checked, its record kept), then seeded
    edits: the needs the plan selects report, in order, what sphinx-needs' own check of every
    need reports; with the types and parts of the changed needs' old versions (``facts``) and
    without (``SMETS_LINK_FACTS=off``: every need linking to a changed one checked again)."""
    rng = random.Random(seed)
    spec = copy.deepcopy(environment._needs_all_needs)
    _edit(spec, environment, rng)
    last = copy.deepcopy(spec)
    record = needs_reuse.Plan(needs=last, changed=None)
    _with_plan(last, environment, record)
    now = copy.deepcopy(spec)
    changed = _second_round(now, rng)
    changed |= set(spec).symmetric_difference(now)
    plan = needs_reuse.Plan(
        needs=now,
        changed=changed,
        old_checked=set(record.checked),
        old_dead=record.dead,
        old_facts={key: needs_reuse.facts(spec[key]) for key in changed if key in spec} if facts else None,
    )
    theirs = copy.deepcopy(now)
    ours = _with_plan(now, environment, plan)
    with _sphinx_needs_own():
        full, _found = _post(theirs, environment)
    assert ours == full
    assert any(entry[1] == "link_target_type" for entry in full), "the edits gave wrong-type links"
    every = set(now)
    selected = needs_reuse.link_check_set(plan)
    assert selected is not None and len(selected) < len(every)
