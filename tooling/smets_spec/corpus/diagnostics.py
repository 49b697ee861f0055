"""Locations, diagnostics and the one message handler that counts them.

Messages are gcc-style: ``spec/pc.rst:41: error: <message> [smets.<rule>]``,
followed by an indented ``fix:`` line when a fix can be suggested.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TextIO


@dataclass(frozen=True, order=True)
class Location:
    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


class Rule(StrEnum):
    """Every rule a diagnostic can name. The value is the id shown in brackets."""

    SYNTAX = "smets.syntax"
    UNKNOWN_FIELD = "smets.unknown-field"
    ENUM = "smets.enum"
    TYPE = "smets.type"
    REQUIRED = "smets.required"
    ID = "smets.id"
    DUPLICATE_ID = "smets.duplicate-id"
    LINK_MISSING = "smets.link-missing"
    LINK_TYPE = "smets.link-type"
    APPLICABILITY = "smets.applicability"
    CONSISTENCY = "smets.consistency"
    INPUT = "smets.input"
    SPHINX = "smets.sphinx"
    CONFORMANCE = "smets.conformance"
    CONFIG = "smets.config"
    PLACEHOLDER = "smets.placeholder"  # a TODO that `smets new` wrote, not yet replaced
    # hostile or damaged sources (corpus/safety.py, the fast reader, validate.py)
    UNSAFE_MARKUP = "smets.unsafe-markup"
    UNSAFE_LINK = "smets.unsafe-link"
    CONFLICT_MARKER = "smets.conflict-marker"
    CONTROL_CHAR = "smets.control-char"
    TOO_LONG = "smets.too-long"
    INDENTATION = "smets.indentation"
    LINK_CYCLE = "smets.link-cycle"
    # consultation workbooks (smets consult import)
    CONSULT_FILE = "smets.consult-file"
    CONSULT_WORKBOOK = "smets.consult-workbook"
    CONSULT_PROTECTED = "smets.consult-protected"
    CONSULT_VALUE = "smets.consult-value"
    CONSULT_STALE = "smets.consult-stale"
    CONSULT_CONFLICT = "smets.consult-conflict"
    CONSULT_FORMAT = "smets.consult-format"
    # duplicate detection (smets dups): the suppression file of reviewed findings
    DUPS_SUPPRESSION = "smets.dups-suppression"
    # the cost model of change (spec/costs.toml)
    COST_MODEL = "smets.cost-model"
    # protocol catalogue checks (smets protocols): DLMS/COSEM via gurux-dlms, ZigBee SE via zigpy
    PROTOCOL_OBIS = "smets.protocol-obis"
    PROTOCOL_CLASS = "smets.protocol-interface-class"
    PROTOCOL_RANGE = "smets.protocol-obis-range"
    PROTOCOL_ZIGBEE = "smets.protocol-zigbee"
    PROTOCOL_UNIT = "smets.protocol-unit"
    PROTOCOL_TYPE = "smets.protocol-type"
    PROTOCOL_CATALOGUE = "smets.protocol-catalogue"
    PROTOCOL_ASSESSMENT = "smets.protocol-assessment"
    # a requirement's clause number and its need id (GS.08 and GS_08)
    CLAUSE = "smets.clause"
    # ReqIF exchange (smets reqif export/import)
    REQIF = "smets.reqif"


@dataclass(frozen=True)
class Diagnostic:
    location: Location
    severity: Severity
    message: str
    rule: Rule
    fix: str | None = None
    related: Location | None = None

    def format(self) -> str:
        text = f"{self.location}: {self.severity.value}: {self.message} [{self.rule.value}]"
        if self.related is not None:
            text += f"\n{self.related}: note: first defined here"
        if self.fix:
            text += f"\n    fix: {self.fix}"
        return text

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        data["rule"] = self.rule.value
        return data


@dataclass
class Reporter:
    """Collects diagnostics; the exit code of a command comes from its counts."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def error(
        self,
        location: Location,
        message: str,
        rule: Rule,
        fix: str | None = None,
        related: Location | None = None,
    ) -> None:
        self.add(Diagnostic(location, Severity.ERROR, message, rule, fix, related))

    def warning(self, location: Location, message: str, rule: Rule, fix: str | None = None) -> None:
        self.add(Diagnostic(location, Severity.WARNING, message, rule, fix))

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics.extend(diagnostics)

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.WARNING)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(sorted(self.diagnostics, key=lambda d: (d.location.file, d.location.line or 0)))

    def print(self, stream: TextIO | None = None, as_json: bool = False) -> None:
        out = stream if stream is not None else sys.stderr
        if as_json:
            json.dump([d.to_json() for d in self], out, indent=2)
            out.write("\n")
            return
        for diagnostic in self:
            out.write(diagnostic.format() + "\n")
        if self.diagnostics:
            out.write(f"{self.errors} error(s), {self.warnings} warning(s)\n")


class SpecError(Exception):
    """Raised where a command cannot go on; carries the diagnostics that stopped it."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("\n".join(d.format() for d in diagnostics))
        self.diagnostics = diagnostics
