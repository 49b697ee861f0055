"""Traceability gaps and the policy that says which of them fail ``smets check``.

The policy lives in the repository (``policy.toml`` at its root)::

    [rules]
    approved-without-test = "error"     # fails the check (exit 1)
    data-item-unmapped = "warning"      # reported, does not fail
    requirement-without-data = "off"    # not checked

    [minimum]                           # shares from 0 to 1; below is an error
    test-coverage = 0.0

A rule missing from the file takes its default level (see :data:`RULES`).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..corpus.diagnostics import Location
from ..corpus.load import Corpus
from ..corpus.schema import Assessment, DataItem, ProtocolObject, Requirement, Status
from .coverage import (
    devices_of,
    index_of,
    overall,
    protocol_coverage,
    requirements_of,
    verification,
    withdrawn,
)

POLICY_FILE = "policy.toml"


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    OFF = "off"


@dataclass(frozen=True)
class RuleInfo:
    summary: str
    default: Level


RULES: dict[str, RuleInfo] = {
    "approved-without-test": RuleInfo("an approved requirement no conformance test verifies", Level.ERROR),
    "link-to-withdrawn": RuleInfo("a need that links to a withdrawn requirement", Level.ERROR),
    "data-item-unused": RuleInfo("a data item that no requirement uses", Level.ERROR),
    "requirement-without-test": RuleInfo("a draft or proposed requirement no test verifies", Level.WARNING),
    "requirement-without-model": RuleInfo("a requirement no reference model implements", Level.WARNING),
    "requirement-without-data": RuleInfo("a requirement that uses no data item", Level.OFF),
    "data-item-unmapped": RuleInfo("a data item carried by neither DLMS/COSEM nor ZigBee SE", Level.WARNING),
    "protocol-object-unused": RuleInfo("a protocol object no data item maps to", Level.WARNING),
    "device-without-requirements": RuleInfo("a device no requirement binds", Level.WARNING),
    "coverage-below-minimum": RuleInfo("a coverage share below the policy's [minimum]", Level.ERROR),
    "suspect-link": RuleInfo(
        "a link to a requirement changed normatively since the last version tag, not reviewed", Level.WARNING
    ),
}

#: ``[minimum]`` keys: the share each names, computed from the corpus.
MINIMUMS: dict[str, str] = {
    "test-coverage": "share of requirements verified by a test",
    "model-coverage": "share of requirements implemented by a reference model",
    "protocol-coverage": "share of data items mapped to DLMS/COSEM or ZigBee SE",
}


@dataclass(frozen=True)
class Policy:
    levels: dict[str, Level]
    minimum: dict[str, float] = field(default_factory=dict)
    path: str = POLICY_FILE
    lines: dict[str, int] = field(default_factory=dict)

    def level(self, rule: str) -> Level:
        return self.levels.get(rule, RULES[rule].default)


def default_policy() -> Policy:
    return Policy({name: info.default for name, info in RULES.items()}, path="(default policy)")


def _line_of(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", line):
            return number
    return None


def _policy_error(where: str, message: str, fix: str) -> ValueError:
    return ValueError(f"{where}: error: {message} [smets.policy]\n    fix: {fix}")


def load_policy(path: Path, shown_as: str | None = None) -> Policy:
    """Read a policy file; every mistake is an error naming the file, line and fix."""
    name = shown_as or path.as_posix()
    text = path.read_text(encoding="utf-8")
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        line = getattr(exc, "lineno", None) or (int(found[1]) if found else None)
        raise _policy_error(
            f"{name}:{line}" if line else name, f"not valid TOML: {exc}", "fix the TOML syntax"
        ) from exc
    unknown_tables = sorted(set(data) - {"rules", "minimum"})
    if unknown_tables:
        raise _policy_error(
            f"{name}:{_line_of(text, '[' + unknown_tables[0]) or 1}",
            f"unknown table [{unknown_tables[0]}]",
            "use [rules] and [minimum]",
        )
    levels: dict[str, Level] = {}
    lines: dict[str, int] = {}
    for rule, value in data.get("rules", {}).items():
        where = f"{name}:{_line_of(text, rule) or 1}"
        if rule not in RULES:
            close = difflib.get_close_matches(rule, list(RULES), n=1)
            raise _policy_error(
                where,
                f"unknown rule '{rule}'",
                f"did you mean '{close[0]}'?" if close else f"use one of {', '.join(RULES)}",
            )
        if value not in {level.value for level in Level}:
            raise _policy_error(
                where, f"rule '{rule}' has level {value!r}", 'use "error", "warning" or "off"'
            )
        levels[rule] = Level(value)
    minimum: dict[str, float] = {}
    for key, value in data.get("minimum", {}).items():
        line = _line_of(text, key) or 1
        where = f"{name}:{line}"
        if key not in MINIMUMS:
            raise _policy_error(where, f"unknown minimum '{key}'", f"use one of {', '.join(MINIMUMS)}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise _policy_error(where, f"minimum '{key}' is {value!r}", "write a share from 0 to 1, e.g. 0.8")
        minimum[key] = float(value)
        lines[key] = line
    return Policy(levels, minimum, name, lines)


@dataclass(frozen=True)
class Gap:
    """One finding: a rule, the need it is about and where that need is written."""

    rule: str
    level: Level
    need_id: str
    location: Location
    message: str
    fix: str

    def format(self) -> str:
        return f"{self.location}: {self.level.value}: {self.message} [trace.{self.rule}]\n    fix: {self.fix}"

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "level": self.level.value,
            "id": self.need_id,
            "file": self.location.file,
            "line": self.location.line,
            "message": self.message,
            "fix": self.fix,
        }


Finder = Callable[[Corpus], Iterator[tuple[str, str | None, str, str]]]
#: rule -> generator of (need id, field whose line to show, message, fix)
FINDERS: dict[str, Finder] = {}


def finder(rule: str) -> Callable[[Finder], Finder]:
    def register(func: Finder) -> Finder:
        FINDERS[rule] = func
        return func

    return register


@finder("approved-without-test")
def _approved_without_test(corpus: Corpus) -> Iterator[tuple[str, str | None, str, str]]:
    tests = verification(corpus).tests
    for req in requirements_of(corpus):
        if req.status is Status.APPROVED and not tests[req.id]:
            yield (
                req.id,
                "status",
                f"approved requirement '{req.id}' has no conformance test",
                f"add a conftest with ':verifies: {req.id}' (smets new conftest), or set it back to proposed",
            )


@finder("requirement-without-test")
def _without_test(corpus: Corpus) -> Iterator[tuple[str, str | None, str, str]]:
    tests = verification(corpus).tests
    for req in requirements_of(corpus):
        if req.status in (Status.DRAFT, Status.PROPOSED, None) and not tests[req.id]:
            yield (
                req.id,
                None,
                f"requirement '{req.id}' has no conformance test",
                f"add a conftest with ':verifies: {req.id}'",
            )


@finder("requirement-without-model")
def _without_model(corpus: Corpus) -> Iterator[tuple[str, str | None, str, str]]:
    models = verification(corpus).models
    for req in requirements_of(corpus):
        if req.status is not Status.WITHDRAWN and not models[req.id]:
            yield (
                req.id,
                None,
                f"requirement '{req.id}' has no reference model",
                f"add '{req.id}' to the ':implements:' of a refmodel (or write one)",
            )


@finder("requirement-without-data")
def _without_data(corpus: Corpus) -> Iterator[tuple[str, str | None, str, str]]:
    for req in requirements_of(corpus):
        if req.status is not Status.WITHDRAWN and not req.uses:
            yield (
                req.id,
                None,
                f"requirement '{req.id}' uses no data item",
                "add ':uses:' with the data items it reads or writes (DAT_...)",
            )


@finder("link-to-withdrawn")
def _link_to_withdrawn(corpus: Corpus) -> Iterator[tuple[str, str | None, str, str]]:
    gone = withdrawn(corpus)
    for need in corpus:
        if isinstance(need, Requirement) and need.status is Status.WITHDRAWN:
            continue
        for name, targets in need.outgoing().items():
            for target in targets:
                if target in gone:
                    yield (
                        need.id,
                        name,
                        f"'{need.id}' :{name}: withdrawn requirement '{target}'",
                        f"remove '{target}' from ':{name}:' or link its replacement",
                    )


@finder("data-item-unused")
def _unused_item(corpus: Corpus) -> Iterator[tuple[str, str | None, str, str]]:
    index = index_of(corpus)
    for item in corpus.of_type(DataItem):
        if not index.sources(item.id, "uses"):
            yield (
                item.id,
                None,
                f"data item '{item.id}' is used by no requirement",
                f"add '{item.id}' to the ':uses:' of the requirements that need it, or remove it",
            )


@finder("data-item-unmapped")
def _unmapped_item(corpus: Corpus) -> Iterator[tuple[str, str | None, str, str]]:
    """Unmapped items, told apart by their assessment (``smets protocols``): no standard object
    (needs a GB extension), a standard object not yet accepted, or not yet assessed. Items
    assessed local-only are not carried by a protocol by design and are no gap."""
    for item in protocol_coverage(corpus).none:
        if item.assessment is Assessment.LOCAL_ONLY:
            continue
        if item.assessment is Assessment.NEEDS_EXTENSION:
            what, fix = (
                "has no standard object (needs a GB extension)",
                "define the GB extension object, then map it",
            )
        elif item.assessment is Assessment.STANDARD_OBJECT:
            what = "has a standard object, not yet accepted as its mapping"
            fix = f"review the candidates and run 'smets protocols accept {item.id} PO_...'"
        else:
            what = "is not yet assessed against DLMS/COSEM and ZigBee SE"
            fix = "run 'smets protocols' and set ':assessment:' (or accept a candidate)"
        yield (item.id, "mapping_evidence", f"data item '{item.id}' {what}", fix)


@finder("protocol-object-unused")
def _unused_object(corpus: Corpus) -> Iterator[tuple[str, str | None, str, str]]:
    index = index_of(corpus)
    for obj in corpus.of_type(ProtocolObject):
        if not index.sources(obj.id, "maps_to") and not index.sources(obj.id, "carried_by"):
            yield (
                obj.id,
                None,
                f"protocol object '{obj.id}' carries no data item",
                f"add '{obj.id}' to the ':maps_to:' of the data item it carries, or remove it",
            )


@finder("device-without-requirements")
def _idle_device(corpus: Corpus) -> Iterator[tuple[str, str | None, str, str]]:
    bound = {d for r in requirements_of(corpus) for d in (*r.mandatory_for, *r.optional_for)}
    for device in devices_of(corpus):
        if device.id not in bound:
            yield (
                device.id,
                None,
                f"device '{device.id}' is bound by no requirement",
                f"add '{device.id}' to ':mandatory_for:' or ':optional_for:' of the requirements binding it",
            )


def shares(corpus: Corpus) -> dict[str, float]:
    """The shares the ``[minimum]`` table can bound."""
    every = overall(corpus)
    coverage = protocol_coverage(corpus)
    return {
        "test-coverage": every.share(every.tested),
        "model-coverage": every.share(every.modelled),
        "protocol-coverage": coverage.share(coverage.total - len(coverage.none)),
    }


def find_gaps(corpus: Corpus, policy: Policy, finders: Mapping[str, Finder] | None = None) -> list[Gap]:
    """Every gap the policy does not switch off, in rule order then source order.

    ``finders`` defaults to :data:`FINDERS`, the gaps of the link graph alone; layers above
    add their own (change control adds ``suspect-link``: see
    :func:`smets_spec.change.changelog.gap_finders`).
    """
    gaps: list[Gap] = []
    for rule, find in (FINDERS if finders is None else finders).items():
        level = policy.level(rule)
        if level is Level.OFF:
            continue
        for need_id, field_name, message, fix in find(corpus):
            gaps.append(Gap(rule, level, need_id, corpus.location(need_id, field_name), message, fix))
    level = policy.level("coverage-below-minimum")
    if level is not Level.OFF:
        actual = shares(corpus)
        for key, minimum in policy.minimum.items():
            if actual[key] < minimum:
                gaps.append(
                    Gap(
                        "coverage-below-minimum",
                        level,
                        key,
                        Location(policy.path, policy.lines.get(key)),
                        f"{MINIMUMS[key]} is {actual[key]:.0%}, below the minimum {minimum:.0%}",
                        "close the gaps listed above, or lower the minimum in the policy",
                    )
                )
    return gaps
