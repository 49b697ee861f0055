"""The rows of a returned workbook's Questions, Requirements and General sheets."""

from __future__ import annotations

from typing import Any

from ..diagnostics import Rule, Severity
from ..schema import ConsultationQuestion, Requirement
from . import layout
from .model import Kind, Response, question_text, requirement_text
from .reader import Reader

_OPTION_UNSAFE = ("[[", "]]", "<<", ">>", "<{", "}>")


def _cell(cells: list[Any], index: int) -> Any:
    return cells[index] if index < len(cells) else None


def read_questions(reader: Reader, payload: layout.Payload) -> list[Response]:
    sheet = layout.QUESTIONS
    by_number = {number: (qid, fp, cells) for qid, (number, fp, cells) in payload.questions.items()}
    out: list[Response] = []
    seen: set[str] = set()
    for row, cells in reader.rows(sheet):
        if row == 1:
            if not reader.header(sheet, cells, payload):
                return []
            continue
        reader.extra_cells(sheet, row, cells, len(layout.QUESTION_COLUMNS))
        number_text = reader.raw(_cell(cells, 0))
        answer = reader.text(_cell(cells, 2), sheet, row, "Answer") if len(cells) > 2 else None
        if not number_text and not reader.raw(_cell(cells, 1)) and answer is None:
            continue
        entry = by_number.get(int(number_text)) if number_text.isdigit() else None
        if entry is None:
            reader.problem(
                f"{reader.cell_name(sheet, row, 1, 'Number')}: unknown question number {number_text[:20]!r}",
                Rule.CONSULT_PROTECTED,
                "restore the question numbers from a fresh export",
            )
            continue
        qid, exported_fp, cells_hash = entry
        if qid in seen:
            reader.problem(
                f"{reader.cell_name(sheet, row, 1, 'Number')}: question {number_text} appears twice",
                Rule.CONSULT_PROTECTED,
                "keep one row per question",
            )
            continue
        seen.add(qid)
        if not reader.protected(sheet, row, cells, cells_hash, layout.QUESTION_COLUMNS[:2]):
            continue
        if answer is None:
            reader.report.skipped.append(f"{sheet} row {row}: question {number_text}: no answer")
            continue
        current = reader.corpus.needs.get(qid)
        if not isinstance(current, ConsultationQuestion):
            reader.problem(
                f"{reader.cell_name(sheet, row, 1, 'Number')}: question {qid} is no longer in the spec",
                Rule.CONSULT_PROTECTED,
                "restore the question, or ask the respondent to move the answer",
            )
            continue
        stale = layout.fingerprint(question_text(current)) != exported_fp
        if stale:
            reader.problem(
                f"{reader.cell_name(sheet, row, 2, 'Question')}: question {number_text} changed since "
                "the export; the answer is kept and marked stale",
                Rule.CONSULT_STALE,
                "review the answer against the current question",
                Severity.WARNING,
            )
        out.append(
            Response(
                Kind.ANSWER,
                qid,
                text=answer,
                fingerprint=exported_fp,
                stale=stale,
                source=f"{sheet} row {row}",
            )
        )
    return out


def _requirement_row(
    reader: Reader, payload: layout.Payload, row: int, cells: list[Any], seen: set[str]
) -> Response | None:
    sheet = layout.REQUIREMENTS
    req_id = reader.raw(_cell(cells, 0))
    rating = reader.rating(_cell(cells, 6), sheet, row) if len(cells) > 6 else None
    comment = reader.text(_cell(cells, 7), sheet, row, "Comment") if len(cells) > 7 else None
    wording = reader.text(_cell(cells, 8), sheet, row, "Proposed wording") if len(cells) > 8 else None
    responded = rating is not None or comment is not None or wording is not None
    if not req_id and not responded and not any(reader.raw(c) for c in cells[:6]):
        return None
    entry = payload.requirements.get(req_id)
    if entry is None:
        reader.problem(
            f"{reader.cell_name(sheet, row, 1, 'Id')}: unknown requirement id {req_id[:20]!r}",
            Rule.CONSULT_PROTECTED,
            "restore the id from a fresh export; comment only on listed rows",
        )
        return None
    if req_id in seen:
        reader.problem(
            f"{reader.cell_name(sheet, row, 1, 'Id')}: requirement {req_id} appears twice",
            Rule.CONSULT_PROTECTED,
            "keep one row per requirement; merge the two comments",
        )
        return None
    seen.add(req_id)
    exported_fp, cells_hash = entry
    if not reader.protected(sheet, row, cells, cells_hash, layout.REQUIREMENT_COLUMNS[:6]):
        return None
    if not responded:
        reader.report.skipped.append(f"{sheet} row {row}: {req_id}: no response")
        return None
    current = reader.corpus.needs.get(req_id)
    if not isinstance(current, Requirement):
        reader.problem(
            f"{reader.cell_name(sheet, row, 1, 'Id')}: requirement {req_id} is no longer in the spec",
            Rule.CONSULT_PROTECTED,
            "restore the requirement, or move the comment to the General sheet",
        )
        return None
    stale = layout.fingerprint(requirement_text(current)) != exported_fp
    if stale:
        reader.problem(
            f"{reader.cell_name(sheet, row, 4, 'Text')}: requirement {req_id} changed since the export; "
            "the comment is kept and marked stale",
            Rule.CONSULT_STALE,
            "review the comment against the current text",
            Severity.WARNING,
        )
    return Response(
        Kind.REQUIREMENT,
        req_id,
        text=comment,
        wording=wording,
        rating=rating,
        fingerprint=exported_fp,
        stale=stale,
        source=f"{sheet} row {row}",
    )


def read_requirements(reader: Reader, payload: layout.Payload) -> list[Response]:
    sheet = layout.REQUIREMENTS
    out: list[Response] = []
    seen: set[str] = set()
    for row, cells in reader.rows(sheet):
        if row == 1:
            if not reader.header(sheet, cells, payload):
                return []
            continue
        reader.extra_cells(sheet, row, cells, len(layout.REQUIREMENT_COLUMNS))
        response = _requirement_row(reader, payload, row, cells, seen)
        if response is not None:
            out.append(response)
    order = {req_id: n for n, req_id in enumerate(payload.requirements)}
    return sorted(out, key=lambda r: order[r.target])


def _topic(reader: Reader, cell: Any, row: int) -> str | None:
    text = reader.text(cell, layout.GENERAL, row, "Topic")
    topic = text.strip() if text else None
    if not topic:
        return None
    where = reader.cell_name(layout.GENERAL, row, 1, "Topic")
    if (
        len(topic) > reader.limits.topic_chars
        or "\n" in topic
        or any(u in topic for u in _OPTION_UNSAFE)
        or any(ord(c) < 32 or c in "\x85\u2028\u2029" for c in topic)
    ):
        reader.problem(
            f"{where}: a topic must be one line of at most {reader.limits.topic_chars} characters "
            "without '[[', ']]', '<<', '>>', '<{' or '}>'",
            Rule.CONSULT_VALUE,
            "write a short topic; put the detail in the Comment column",
        )
        return None
    return topic


def read_general(reader: Reader, payload: layout.Payload) -> list[Response]:
    sheet = layout.GENERAL
    out: list[Response] = []
    for row, cells in reader.rows(sheet):
        if row == 1:
            if not reader.header(sheet, cells, payload):
                return []
            continue
        reader.extra_cells(sheet, row, cells, len(layout.GENERAL_COLUMNS))
        if not any(reader.raw(c) for c in cells[:4]):
            continue
        if row > reader.limits.general_rows + 1:
            reader.problem(
                f"sheet '{sheet}', row {row}: more than {reader.limits.general_rows} general comments",
                Rule.CONSULT_VALUE,
                "merge general comments",
            )
            break
        topic = _topic(reader, _cell(cells, 0), row)
        rating = reader.rating(_cell(cells, 1), sheet, row) if len(cells) > 1 else None
        comment = reader.text(_cell(cells, 2), sheet, row, "Comment") if len(cells) > 2 else None
        wording = reader.text(_cell(cells, 3), sheet, row, "Proposed wording") if len(cells) > 3 else None
        if rating is None and comment is None and wording is None:
            if topic is not None:
                reader.problem(
                    f"{reader.cell_name(sheet, row, 1, 'Topic')}: a topic with no comment",
                    Rule.CONSULT_VALUE,
                    "write the comment in column C, or clear the topic",
                )
            continue
        out.append(
            Response(
                Kind.GENERAL,
                "",
                text=comment,
                wording=wording,
                rating=rating,
                topic=topic,
                source=f"{sheet} row {row}",
            )
        )
    return out
