"""The cost model a change board edits: ``spec/costs.toml`` read, checked and evaluated.

Every figure is sourced (``value`` + ``source``, a key of ``[sources]``) or an explicit
assumption (``low``/``central``/``high`` + a one-line ``assumption``). Populations (installed
units of a device kind in one version window) and design costs name figures in small
formulas (numbers, figure names, ``+ - * /`` and brackets), evaluated as ranges by interval
arithmetic. Nothing here invents a figure: what the file does not give is unknown.
"""

from __future__ import annotations

import ast
import datetime as dt
import operator
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..corpus.diagnostics import Diagnostic, Location, Rule, Severity

COST_FILE = "spec/costs.toml"


@dataclass(frozen=True)
class Range:
    low: float
    central: float
    high: float

    def __add__(self, o: Range) -> Range:
        return Range(self.low + o.low, self.central + o.central, self.high + o.high)

    def __sub__(self, o: Range) -> Range:
        return Range(self.low - o.high, self.central - o.central, self.high - o.low)

    def __mul__(self, o: Range) -> Range:
        ends = [a * b for a in (self.low, self.high) for b in (o.low, o.high)]
        return Range(min(ends), self.central * o.central, max(ends))

    def __truediv__(self, o: Range) -> Range:
        if o.low <= 0 <= o.high:
            raise ZeroDivisionError("a divisor's range contains zero")
        ends = [a / b for a in (self.low, self.high) for b in (o.low, o.high)]
        return Range(min(ends), self.central / o.central, max(ends))

    @staticmethod
    def exact(value: float) -> Range:
        return Range(value, value, value)

    @property
    def values(self) -> tuple[float, float, float]:
        return self.low, self.central, self.high


ZERO = Range.exact(0.0)


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    url: str | None = None


@dataclass(frozen=True)
class Figure:
    """A named figure: sourced (``source``) or an assumption (``assumption``)."""

    name: str
    range: Range
    unit: str
    source: str | None = None  # a key of CostModel.sources
    assumption: str | None = None  # the one-line rationale
    note: str | None = None
    line: int | None = None

    @property
    def sourced(self) -> bool:
        return self.source is not None


@dataclass(frozen=True)
class Population:
    """Installed units of one device kind in one version window."""

    device: str
    window: str
    installed_from: str | None
    installed_until: str | None
    window_source: str | None
    formulas: Mapping[str, str]  # installed_base, unit_cost, visit_cost, ota_cost, ota_share
    note: str | None = None
    line: int | None = None

    @property
    def label(self) -> str:
        span = f"{self.installed_from or '…'} to {self.installed_until or 'open'}"
        return f"{self.window} (installed {span})"


@dataclass
class CostModel:
    path: str
    sources: dict[str, Source] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    populations: list[Population] = field(default_factory=list)
    design: dict[str, str] = field(default_factory=dict)  # device -> models formula
    design_cost: dict[str, str] = field(default_factory=dict)  # impact class -> per-model formula
    meta: dict[str, Any] = field(default_factory=dict)
    errors: list[Diagnostic] = field(default_factory=list)

    def populations_of(self, device: str) -> list[Population]:
        return [p for p in self.populations if p.device == device]

    def evaluate(self, formula: str, fixed: Mapping[str, float] | None = None) -> Range:
        """The range of ``formula``; ``fixed`` pins figures to one value (for sensitivity)."""
        return _eval(ast.parse(formula, mode="eval").body, self.figures, fixed or {})

    def names(self, formula: str) -> list[str]:
        return list(
            dict.fromkeys(n.id for n in ast.walk(ast.parse(formula, mode="eval")) if isinstance(n, ast.Name))
        )


_OPS: dict[type[ast.operator], Callable[[Range, Range], Range]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def _eval(node: ast.AST, figures: Mapping[str, Figure], fixed: Mapping[str, float]) -> Range:
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        return Range.exact(float(node.value))
    if isinstance(node, ast.Name):
        if node.id in fixed:
            return Range.exact(fixed[node.id])
        if node.id not in figures:
            raise KeyError(node.id)
        return figures[node.id].range
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval(node.left, figures, fixed), _eval(node.right, figures, fixed))
    raise ValueError(f"'{ast.unparse(node)}' is not a number, a figure name or + - * / of them")


def _line_of(lines: list[str], needle: str, nth: int = 0) -> int | None:
    seen = -1
    for number, text in enumerate(lines, start=1):
        if text.strip() == needle:
            seen += 1
            if seen == nth:
                return number
    return None


class _Reader:
    def __init__(self, model: CostModel, lines: list[str]) -> None:
        self.model, self.lines = model, lines

    def error(self, line: int | None, message: str, fix: str) -> None:
        where = Location(self.model.path, line)
        self.model.errors.append(Diagnostic(where, Severity.ERROR, message, Rule.COST_MODEL, fix))

    def number(self, value: Any) -> float | None:
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    def figure(self, name: str, data: Any) -> None:
        line = _line_of(self.lines, f"[figures.{name}]")
        if not isinstance(data, dict):
            self.error(line, f"figure '{name}' is not a table", "write it as [figures.NAME] with its keys")
            return
        unit, note = str(data.get("unit", "")), data.get("note")
        source, assumption = data.get("source"), data.get("assumption")
        if "value" in data and source is not None:
            value = self.number(data["value"])
            bounds = [self.number(data.get(k)) for k in ("low", "central", "high")]
            rng = (
                Range(*(b if b is not None else value or 0.0 for b in bounds)) if value is not None else None
            )
        elif assumption or source:
            ends = [self.number(data.get(k)) for k in ("low", "central", "high")]
            rng = Range(*(e or 0.0 for e in ends)) if None not in ends else None
        else:
            self.error(
                line,
                f"figure '{name}' has neither a source nor an assumption",
                "give `value` and `source` (a key of [sources]), or `low`, `central`, `high` and a "
                "one-line `assumption` saying why",
            )
            return
        if rng is None:
            self.error(
                line, f"figure '{name}' lacks a number", "give `value`, or `low`, `central` and `high`"
            )
            return
        if not rng.low <= rng.central <= rng.high:
            self.error(line, f"figure '{name}' is not low <= central <= high ({rng.values})", "reorder them")
            return
        if source is not None and source not in self.model.sources:
            self.error(line, f"figure '{name}' cites unknown source '{source}'", "add it under [sources]")
            return
        self.model.figures[name] = Figure(
            name, rng, unit, source, str(assumption) if assumption else None, note, line
        )

    def formula(self, line: int | None, where: str, text: Any) -> str | None:
        if not isinstance(text, str):
            self.error(line, f"{where} is not a formula string", 'write a formula such as "a * b"')
            return None
        try:
            self.model.evaluate(text)
        except SyntaxError:
            self.error(
                line, f"{where} '{text}' is not a formula", "use numbers, figure names, + - * / and ( )"
            )
            return None
        except KeyError as exc:
            self.error(line, f"{where} names unknown figure {exc}", "define it under [figures]")
            return None
        except (ValueError, ZeroDivisionError) as exc:
            self.error(line, f"{where}: {exc}", "use numbers, figure names, + - * / and ( )")
            return None
        return text


_POPULATION_FORMULAS = ("installed_base", "unit_cost", "visit_cost", "ota_cost", "ota_share")


def _date(text: Any) -> bool:
    try:
        dt.date.fromisoformat(str(text))
    except ValueError:
        return False
    return True


def _population(reader: _Reader, n: int, data: Any) -> None:
    line = _line_of(reader.lines, "[[population]]", n)
    if not isinstance(data, dict) or not isinstance(data.get("device"), str):
        reader.error(
            line, "a [[population]] lacks its `device`", 'give the device id, e.g. device = "DEV_GSME"'
        )
        return
    for key in ("installed_from", "installed_until"):
        if key in data and not _date(data[key]):
            reader.error(line, f"{key} '{data[key]}' is not a date", "write YYYY-MM-DD")
            return
    source = data.get("window_source")
    if source is not None and source not in reader.model.sources:
        reader.error(line, f"window_source '{source}' is not under [sources]", "add it under [sources]")
    formulas: dict[str, str] = {}
    for key in _POPULATION_FORMULAS:
        if key in data:
            text = reader.formula(line, f"{data['device']} {key}", data[key])
            if text is not None:
                formulas[key] = text
    reader.model.populations.append(
        Population(
            data["device"],
            str(data.get("window", "")),
            data.get("installed_from"),
            data.get("installed_until"),
            source,
            formulas,
            data.get("base_note"),
            line,
        )
    )


def parse(text: str, path: str = COST_FILE) -> CostModel:
    """The cost model of ``text``; refusals are in ``errors`` (with file and line)."""
    model = CostModel(path)
    reader = _Reader(model, text.splitlines())
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reader.error(None, f"not valid TOML: {exc}", "fix the syntax at the line given")
        return model
    model.meta = dict(data.get("meta", {}))
    for key, value in dict(data.get("sources", {})).items():
        if not isinstance(value, dict) or not value.get("title"):
            reader.error(
                _line_of(reader.lines, f"[sources.{key}]"), f"source '{key}' has no title", "add `title`"
            )
            continue
        model.sources[key] = Source(key, str(value["title"]), value.get("url"))
    for name, value in dict(data.get("figures", {})).items():
        reader.figure(name, value)
    for n, value in enumerate(data.get("population", [])):
        _population(reader, n, value)
    for n, value in enumerate(data.get("design", [])):
        line = _line_of(reader.lines, "[[design]]", n)
        if isinstance(value, dict) and isinstance(value.get("device"), str):
            models = reader.formula(line, f"{value['device']} models", value.get("models"))
            if models is not None:
                model.design[value["device"]] = models
        else:
            reader.error(line, "a [[design]] lacks its `device`", "give the device id")
    line = _line_of(reader.lines, "[design_cost]")
    for impact, value in dict(data.get("design_cost", {})).items():
        per_model = reader.formula(line, f"design_cost.{impact}", value)
        if per_model is not None:
            model.design_cost[impact] = per_model
    return model


def load(root: Path) -> CostModel | None:
    """The project's cost model, or None when it has no ``spec/costs.toml``."""
    path = root / COST_FILE
    if not path.is_file():
        return None
    return parse(path.read_text(encoding="utf-8"), COST_FILE)


__all__ = ["COST_FILE", "ZERO", "CostModel", "Figure", "Population", "Range", "Source", "load", "parse"]
