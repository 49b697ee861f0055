"""Declarations that link reference-model code to the specification.

A reference model declares the requirement ids it implements with the
:func:`reference_model` decorator; where the spec text is too vague to test, the
model records the reading it chose with :func:`open_question`. Both are
collected here, with the file and line of the declaration, and become
``refmodel`` and ``cquestion`` needs in ``spec/models/`` (written by
``smets conform --write-spec`` and checked by ``smets conform --check``).
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

#: Every module that declares models or open questions, in the order they are listed on the site.
MODEL_MODULES: tuple[str, ...] = (
    "smets_spec.reference.prepayment",
    "smets_spec.reference.tariff",
    "smets_spec.reference.supply",
    "smets_spec.reference.registers",
    "smets_spec.reference.events",
    "smets_spec.reference.clock",
    "smets_spec.reference.battery",
    "smets_spec.reference.devices",
)


@dataclass(frozen=True)
class ModelInfo:
    """One reference model: a class or function and the requirements it implements."""

    id: str
    title: str
    doc: str
    module: str
    qualname: str
    implements: tuple[str, ...]
    file: Path
    line: int
    end_line: int

    @property
    def ref(self) -> str:
        return f"{self.module}:{self.qualname}"


@dataclass(frozen=True)
class OpenQuestion:
    """A reading of vague spec text that a model had to choose, put to consultation."""

    id: str
    about: tuple[str, ...]
    model: str
    question: str
    interpretation: str
    file: Path
    line: int


#: each declared model's object and the ids it implements, in declaration order; its
#: :class:`ModelInfo` (its source lines read and its block cut: ~2 ms a class, for nothing when the
#: models are only run, as by the conformance suite) is made by :func:`load_registry`
_DECLARED: dict[str, tuple[object, tuple[str, ...]]] = {}
QUESTIONS: dict[str, OpenQuestion] = {}


def _docparts(obj: object) -> tuple[str, str]:
    doc = inspect.getdoc(obj) or ""
    first, _, rest = doc.partition("\n")
    return first.strip().rstrip("."), rest.strip()


def reference_model(model_id: str, *, implements: tuple[str, ...]) -> Callable[[T], T]:
    """Class or function decorator: ``model_id`` (``MOD_...``) implements these requirement ids."""

    def declare(obj: T) -> T:
        known = _DECLARED.get(model_id)
        if known is not None and _qualname(known[0]) != _qualname(obj):
            raise ValueError(f"reference model id {model_id} is declared twice")
        _DECLARED[model_id] = (obj, tuple(implements))
        setattr(obj, "IMPLEMENTS", tuple(implements))  # noqa: B010 - visible to readers of the object
        return obj

    return declare


def _qualname(obj: object) -> str:
    return str(getattr(obj, "__qualname__", ""))


def model_info(model_id: str, obj: object, implements: tuple[str, ...]) -> ModelInfo:
    """What :func:`reference_model` records of ``obj``: its title and text, where its source is."""
    lines, start = inspect.getsourcelines(obj)  # type: ignore[arg-type]
    title, doc = _docparts(obj)
    return ModelInfo(
        id=model_id,
        title=title or model_id,
        doc=doc,
        module=str(getattr(obj, "__module__", "")),
        qualname=_qualname(obj),
        implements=implements,
        file=Path(inspect.getsourcefile(obj) or "?"),  # type: ignore[arg-type]
        line=start,
        end_line=start + len(lines) - 1,
    )


def open_question(
    question_id: str, *, about: tuple[str, ...], model: str, question: str, interpretation: str
) -> str:
    """Record an open question (``CQ_...``) and the interpretation the model chose; returns the id."""
    caller = sys._getframe(1)
    QUESTIONS[question_id] = OpenQuestion(
        id=question_id,
        about=tuple(about),
        model=model,
        question=" ".join(question.split()),
        interpretation=" ".join(interpretation.split()),
        file=Path(caller.f_code.co_filename),
        line=caller.f_lineno,
    )
    return question_id


def load_registry() -> tuple[dict[str, ModelInfo], dict[str, OpenQuestion]]:
    """Import every model module and return the models and open questions, in declaration order."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    models = {
        model_id: model_info(model_id, obj, implements) for model_id, (obj, implements) in _DECLARED.items()
    }
    return models, dict(QUESTIONS)
