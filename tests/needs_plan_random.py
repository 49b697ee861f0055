"""Driver of tests/test_needs_plan.py, run as its own process:

    python tests/needs_plan_random.py ROOT OUT SEED [SEED...]

builds the project at ROOT (``smets build``, ``-j 1``) with every ``generate_need`` call of the
build run both ways and compared (:func:`needs_plan_compare.compare`), then, with the build's own
configuration and schema, seeded random calls: every need type, ids good, bad and missing, given
and missing core values, fields and link types (good values, bad values, dynamic functions, fields
an author cannot set, fields of other types, unknown names), parts, jinja content, templates and
imported needs (those go to sphinx-needs' own function). Prints ``BUILD``, ``RANDOM`` and the
counts of results, errors and warnings seen.
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from typing import Any

from sphinx_needs.need_item import NeedItemSourceDirective, NeedItemSourceUnknown

from needs_plan_compare import compare
from smets_spec import cli
from smets_spec.sphinx import needs_plan

SEEN: Counter[str] = Counter()
CALLS: list[dict[str, Any]] = []

_TEXT = ["", "plain", "x", "Two words", "ESME, GSME", "a;b|c", " spaced ", "[[copy('id')]]", "<<x>>", "[[bad"]
_TEXT += ["[[copy('title')]] and more", "unknown", "true", "false", "0", "12", "-3", "1.5", "GS.08", "IM.1"]
_LINKS = ["", "GS_08", "GS_08, GS_09", "DEV_ESME;DEV_GSME", "GS_08.part", "GS_08[status=='draft']", "X[["]
_LINKS += ["A[b]c", "[[copy('id')]]", "GS_08,", " , ", "DEV_ESME"]


def _tally(result: Any, warnings: list[Any]) -> None:
    SEEN["error" if isinstance(result, tuple) else "need"] += 1
    SEEN["warning"] += len(warnings)
    if isinstance(result, tuple):
        SEEN[f"error {result[1]}"] += 1


def _checking(real: Any) -> Any:
    def run(*args: Any, **params: Any) -> Any:
        assert not args
        CALLS.append(params)
        _tally(*compare(params))
        SEEN["build call"] += 1
        return real(**params)

    return run


_GOOD = {"integer": ["0", "12", "-3"], "number": ["1.5", "2"], "boolean": ["true", "false", "yes"]}
_GOOD |= {"array": ["a, b", "x", "", "a;b"], "string": ["plain", "Two words", "GS.08", "x", ""]}


def _value(rng: random.Random, kind: str) -> str | None:
    """Mostly a value of the field's type, sometimes anything (a bad value, a function, None)."""
    return rng.choice([*_TEXT, None]) if rng.random() < 0.15 else rng.choice(_GOOD.get(kind, _TEXT))


def _fields(rng: random.Random, schema: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for scheme in schema.iter_extra_fields():
        chance = 0.3 if scheme.directive_option else 0.02
        if rng.random() < chance:
            fields[scheme.name] = _value(rng, scheme.type)
    for scheme in schema.iter_link_fields():
        if rng.random() < (0.25 if scheme.directive_option else 0.03):
            anything = rng.random() < 0.2
            fields[scheme.name] = rng.choice([*_LINKS, None]) if anything else rng.choice(_LINKS[1:5])
    if rng.random() < 0.03:
        fields["no_such_field"] = "x"
    return dict(rng.sample(sorted(fields.items()), len(fields)))  # any order, as a directive gives them


def _id(rng: random.Random, prefix: str, index: int) -> str | None:
    roll = rng.random()
    if roll < 0.04:
        return None
    if roll < 0.1:
        return rng.choice(["bad id", "gs_08", "GS_8888", ""])
    return f"{prefix}R{index}" if prefix else f"GS_{index % 1000}"


def _call(rng: random.Random, template: dict[str, Any], index: int) -> dict[str, Any]:
    config, schema_all = template["needs_config"], template["needs_schema"]
    types = [kind["directive"] for kind in config.types]
    need_type = rng.choice([*types, "nosuchtype"]) if rng.random() < 0.02 else rng.choice(types)
    prefix = next((kind["prefix"] for kind in config.types if kind["directive"] == need_type), "")
    source: Any = NeedItemSourceDirective(docname=f"doc{index % 7}", lineno=index, lineno_content=index + 3)
    if rng.random() < 0.03:
        source = NeedItemSourceUnknown(docname=None, lineno=None, is_import=True)
    params = dict(template, need_type=need_type, need_source=source, id=_id(rng, prefix, index))
    params["title"] = rng.choice(["A title", f"Title {index}", "[[copy('id')]]", ""])
    params["content"] = rng.choice(["", "Some text.", "Text with :need:`GS_08`."])
    for name in ("status", "tags", "constraints", "layout", "style", "hide", "collapse"):
        kind = schema_all.get_core_field(name).type
        params[name] = _value(rng, kind) if rng.random() < 0.2 else None
    if params["constraints"] and rng.random() < 0.7:
        params["constraints"] = None
    if rng.random() < 0.02:
        params[rng.choice(["template", "pre_template", "post_template"])] = "no_such_template"
    if rng.random() < 0.02:
        params["jinja_content"] = True
    if rng.random() < 0.02:
        params["parts"] = {"1": {"id": "1", "content": "part"}}
    if rng.random() < 0.05:
        params["allow_type_coercion"] = False
    if need_type in types:
        params.update(_fields(rng, schema_all.for_type(need_type)))
    return params


def main(argv: list[str]) -> int:
    root, out, *seeds = argv
    from sphinx_needs.api import need as need_module

    real = need_module.generate_need
    needs_plan.ORIGINAL[:] = [need_module, real]
    install = needs_plan.install
    # the build checks both and goes on with sphinx-needs' result
    needs_plan.install = lambda: True  # type: ignore[assignment]
    need_module.generate_need = _checking(real)
    status = cli.main(["--root", root, "build", "--out-dir", out, "-j", "1"])
    print("BUILD", status, SEEN["build call"], dict(SEEN))
    needs_plan.install = install  # type: ignore[method-assign]
    template = {key: CALLS[0][key] for key in ("needs_config", "needs_schema", "template_root")}
    SEEN.clear()
    for seed in seeds:
        rng = random.Random(int(seed))
        for index in range(1500):
            _tally(*compare(_call(rng, template, index)))
    print("RANDOM", dict(SEEN))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
