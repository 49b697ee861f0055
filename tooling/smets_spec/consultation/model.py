"""Responses to a consultation, as plain records, and how they map to need ids.

A :class:`Response` is one thing a respondent wrote: an answer to a question, a
comment (rating, text, proposed wording) on a requirement, or a general comment
under a topic. The importer makes them from a workbook; :func:`read_responses`
makes them back from the ``ccomment`` needs of a corpus, so the summary and the
site show exactly what was imported.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from ..corpus.diagnostics import Diagnostic, Location, Rule, Severity
from ..corpus.load import Corpus
from ..corpus.schema import (
    Consultation,
    ConsultationComment,
    ConsultationQuestion,
    Degree,
    Device,
    Rating,
    Requirement,
    Section,
    Status,
)
from . import layout
from .costevidence import CostEvidence, cost_of
from .textcodec import TextFormatError, decode_parts, plain


class Kind(StrEnum):
    ANSWER = "answer"
    REQUIREMENT = "requirement"
    GENERAL = "general"


@dataclass(frozen=True)
class Response:
    """One response; ``target`` is a question id, a requirement id, or ``""`` (general)."""

    kind: Kind
    target: str
    text: str | None = None
    wording: str | None = None
    rating: Rating | None = None
    topic: str | None = None
    fingerprint: str | None = None
    stale: bool = False
    source: str = ""
    cost: CostEvidence | None = None  # requirements only: the respondent's cost evidence


@dataclass(frozen=True)
class ResponseSet:
    """Everything one respondent returned for one consultation."""

    consultation: str
    respondent: str
    revision: str
    responses: tuple[Response, ...]


def slug(name: str) -> str:
    """A file-name slug of an organisation name: ``Elster Metering Ltd.`` -> ``elster-metering-ltd``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    if not text:
        text = "r-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return text


def stem(consultation_id: str) -> str:
    return consultation_id.removeprefix(Consultation.prefix)


def comment_id(consultation_id: str, respondent: str, response: Response, index: int) -> str:
    """The id of the ccomment holding ``response`` (``index`` numbers general comments)."""
    who = slug(respondent).upper().replace("-", "_")
    base = f"{ConsultationComment.prefix}{stem(consultation_id)}_{who}"
    if response.kind is Kind.REQUIREMENT:
        return f"{base}_{response.target.replace('.', '_')}"
    if response.kind is Kind.ANSWER:
        return f"{base}_Q{response.target.rsplit('_', 1)[-1]}"
    return f"{base}_G{index:02d}"


def consultations(corpus: Corpus) -> list[Consultation]:
    return corpus.of_type(Consultation)


def pick_consultation(corpus: Corpus, wanted: str | None) -> Consultation:
    """The consultation named ``wanted`` (an id, with or without ``CON_``), or the only one."""
    found = consultations(corpus)
    if wanted:
        key = wanted if wanted.startswith(Consultation.prefix) else Consultation.prefix + wanted.upper()
        for item in found:
            if item.id == key:
                return item
        names = ", ".join(c.id for c in found) or "none"
        raise ValueError(f"no consultation '{wanted}' in the spec (consultations: {names})")
    if len(found) != 1:
        names = ", ".join(c.id for c in found) or "none"
        raise ValueError(f"the spec has {len(found)} consultations ({names}); choose one with --consultation")
    return found[0]


def questions_of(corpus: Corpus, consultation_id: str) -> list[ConsultationQuestion]:
    found = [q for q in corpus.of_type(ConsultationQuestion) if consultation_id in q.part_of]
    return sorted(found, key=lambda q: (q.number or 0, q.id))


def question_text(question: ConsultationQuestion) -> str:
    return plain(question.content)


def _id_key(need_id: str) -> tuple[int, int, str]:
    head, _, number = need_id.partition("_")
    sections = list(Section)
    order = next((i for i, s in enumerate(sections) if s.value == head), len(sections))
    return (order, int(number) if number.isdigit() else 0, need_id)


def consulted_requirements(corpus: Corpus) -> list[Requirement]:
    """Every requirement not withdrawn, by section then number."""
    reqs = [r for r in corpus.requirements if r.status is not Status.WITHDRAWN]
    return sorted(reqs, key=lambda r: _id_key(r.id))


def requirement_text(req: Requirement) -> str:
    return req.content


#: The protected cells of a Requirements row, in column order: the header and how the cell's
#: text is made from the requirement (and the spec's devices). Export and import both use this
#: table, so a column added here is written, checked against git and compared in one place.
#: The third item is the cell's style in the export (``wrap`` for text that may run long).
REQUIREMENT_CELLS: tuple[tuple[str, Callable[[Requirement, list[Device]], str], str], ...] = (
    ("Id", lambda req, devices: req.id, "plain"),
    ("Section", lambda req, devices: req.section.value if req.section else "", "plain"),
    ("Title", lambda req, devices: req.title, "wrap"),
    ("Text", lambda req, devices: requirement_text(req), "wrap"),
    ("Devices", lambda req, devices: devices_text(req, devices), "wrap"),
    ("Impact class", lambda req, devices: req.impact.value if req.impact else "", "plain"),
)
assert tuple(h for h, _, _ in REQUIREMENT_CELLS) == layout.REQUIREMENT_COLUMNS[: layout.REQUIREMENT_PROTECTED]


def requirement_cells(req: Requirement, devices: list[Device]) -> list[str]:
    """The protected cells of ``req``'s row in the Requirements sheet."""
    return [make(req, devices) for _, make, _ in REQUIREMENT_CELLS]


def question_cells(question: ConsultationQuestion) -> list[str]:
    """The protected cells of a Questions row: number and text."""
    return [str(question.number or 0), question_text(question)]


def devices_text(req: Requirement, devices: list[Device]) -> str:
    """``ESME mandatory, IHD optional``: the devices it binds, with their degree."""
    parts = []
    for device in devices:
        degree = req.degree_for(device.id)
        if degree is not Degree.NOT_APPLICABLE:
            parts.append(f"{device.id.removeprefix(Device.prefix)} {degree.value}")
    return ", ".join(parts)


def response_of(need: ConsultationComment) -> Response:
    """The response a ccomment holds (raises :class:`TextFormatError` on bad content)."""
    parts = decode_parts(need.content) if need.content else {}
    unknown = set(parts) - {layout.PART_COMMENT, layout.PART_WORDING, layout.PART_ANSWER, layout.PART_COST}
    if unknown:
        raise TextFormatError(1, f"unknown part(s) {', '.join(sorted(unknown))}")
    if need.answers:
        kind, target = Kind.ANSWER, need.answers[0]
    elif need.comments_on:
        kind, target = Kind.REQUIREMENT, need.comments_on[0]
    else:
        kind, target = Kind.GENERAL, ""
    text = parts.get(layout.PART_ANSWER if kind is Kind.ANSWER else layout.PART_COMMENT)
    return Response(
        kind,
        target,
        text,
        parts.get(layout.PART_WORDING),
        need.rating,
        need.topic,
        need.fingerprint,
        bool(need.stale),
        need.source or "",
        cost_of(need, parts),
    )


@dataclass(frozen=True)
class Stored:
    """A response read back from the spec, with who gave it and where it is written."""

    need_id: str
    respondent: str
    response: Response
    location: Location


def read_responses(corpus: Corpus, consultation_id: str) -> tuple[list[Stored], list[Diagnostic]]:
    """Every response to a consultation stored in the spec, in source order."""
    out: list[Stored] = []
    problems: list[Diagnostic] = []
    for need in corpus.of_type(ConsultationComment):
        if consultation_id not in need.responds_to:
            continue
        where = corpus.location(need.id)
        try:
            response = response_of(need)
        except TextFormatError as exc:
            problems.append(
                Diagnostic(
                    where,
                    Severity.ERROR,
                    f"ccomment '{need.id}': {exc}",
                    Rule.CONSULT_FORMAT,
                    "re-import the respondent's workbook rather than editing this file",
                )
            )
            continue
        out.append(Stored(need.id, need.respondent or "", response, where))
    return out, problems


def respondents(stored: list[Stored]) -> list[str]:
    return sorted({s.respondent for s in stored}, key=str.casefold)
