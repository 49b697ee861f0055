"""The rows of a returned workbook's Questions, Requirements and General sheets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..corpus.diagnostics import Rule, Severity
from ..corpus.schema import ConsultationQuestion, Requirement
from . import layout
from .costevidence import read_cost
from .model import Kind, Response, question_text, requirement_text
from .reader import Reader

_OPTION_UNSAFE = ("[[", "]]", "<<", ">>", "<{", "}>")
#: Column indexes by header, so a column added to the layout needs no change here.
_REQ = {h: i for i, h in enumerate(layout.REQUIREMENT_COLUMNS)}


def _cell(cells: list[Any], index: int) -> Any:
    return cells[index] if index < len(cells) else None


def _identify(reader: Reader, sheet: str, row: int, key: str, known: bool, seen: set[str], what: str) -> bool:
    """Is column A of this row a known, first-seen id (or number)? Report it when not."""
    where = reader.cell_name(sheet, row, 1, "Number" if what == "question" else "Id")
    if not known:
        reader.problem(
            f"{where}: unknown {what} {'number' if what == 'question' else 'id'} {key[:20]!r}",
            Rule.CONSULT_PROTECTED,
            f"restore column A from a fresh export; answer only listed {what}s",
        )
        return False
    if key in seen:
        reader.problem(
            f"{where}: {what} {key} appears twice",
            Rule.CONSULT_PROTECTED,
            f"keep one row per {what}; merge the two responses",
        )
        return False
    seen.add(key)
    return True


def _current(reader: Reader, sheet: str, row: int, need_id: str, kind: type[Any], what: str) -> Any:
    need = reader.corpus.needs.get(need_id)
    if not isinstance(need, kind):
        reader.problem(
            f"{reader.cell_name(sheet, row, 1, 'Number' if what == 'question' else 'Id')}: {what} {need_id} "
            "is no longer in the spec",
            Rule.CONSULT_PROTECTED,
            f"restore the {what}, or move the response to the General sheet",
        )
        return None
    return need


def _stale(reader: Reader, sheet: str, row: int, column: int, label: str, now: str, then: str) -> bool:
    """Has the text changed since the export? ``then`` is the text in the workbook, which matches
    the spec at the export revision (checked against git when the revision can be read)."""
    if now == then:
        return False
    header = "Question" if column == 2 else "Text"
    reader.problem(
        f"{reader.cell_name(sheet, row, column, header)}: {label} changed since the export; the "
        "response is kept and marked stale",
        Rule.CONSULT_STALE,
        "review the response against the current text",
        Severity.WARNING,
    )
    return True


def _question_row(
    reader: Reader,
    payload: layout.Payload,
    by_number: dict[int, str],
    row: int,
    cells: list[Any],
    seen: set[str],
) -> Response | None:
    sheet = layout.QUESTIONS
    number = reader.raw(_cell(cells, 0))
    answer = reader.text(_cell(cells, 2), sheet, row, "Answer") if len(cells) > 2 else None
    if not number and not reader.raw(_cell(cells, 1)) and answer is None:
        return None
    qid = by_number.get(int(number)) if number.isdigit() else None
    if not _identify(reader, sheet, row, number, qid is not None, seen, "question") or qid is None:
        return None
    expected = reader.baseline.questions[qid] if reader.baseline else payload.questions[qid][2]
    if not reader.protected(
        sheet, row, cells, expected, layout.QUESTION_COLUMNS[: layout.QUESTION_PROTECTED]
    ):
        return None
    exported = reader.raw(_cell(cells, 1))
    if answer is None:
        reader.report.skipped.append(f"{sheet} row {row}: question {number}: no answer")
        return None
    question = _current(reader, sheet, row, qid, ConsultationQuestion, "question")
    if question is None:
        return None
    stale = _stale(reader, sheet, row, 2, f"question {number}", question_text(question), exported)
    return Response(
        Kind.ANSWER,
        qid,
        text=answer,
        fingerprint=layout.fingerprint(exported),
        stale=stale,
        source=f"{sheet} row {row}",
    )


def _data_rows(
    reader: Reader, payload: layout.Payload, sheet: str, width: int
) -> Iterator[tuple[int, list[Any]]]:
    """The rows after a sheet's header (none if the header is not ours), extra cells reported."""
    for row, cells in reader.rows(sheet):
        if row == 1:
            if not reader.header(sheet, cells, payload):
                return
            continue
        reader.extra_cells(sheet, row, cells, width)
        yield row, cells


def read_questions(reader: Reader, payload: layout.Payload) -> list[Response]:
    sheet = layout.QUESTIONS
    if reader.baseline is not None:
        by_number = {int(cells[0]): qid for qid, cells in reader.baseline.questions.items()}
    else:
        by_number = {number: qid for qid, (number, _, _) in payload.questions.items()}
    out: list[Response] = []
    seen: set[str] = set()
    for row, cells in _data_rows(reader, payload, sheet, len(layout.QUESTION_COLUMNS)):
        response = _question_row(reader, payload, by_number, row, cells, seen)
        if response is not None:
            out.append(response)
    return out


def _text(reader: Reader, cells: list[Any], sheet: str, row: int, header: str) -> str | None:
    index = _REQ[header]
    return reader.text(cells[index], sheet, row, header) if index < len(cells) else None


def _requirement_row(
    reader: Reader, payload: layout.Payload, row: int, cells: list[Any], seen: set[str]
) -> Response | None:
    sheet = layout.REQUIREMENTS
    req_id = reader.raw(_cell(cells, _REQ["Id"]))
    rating = reader.rating(_cell(cells, _REQ["Issue"]), sheet, row) if len(cells) > _REQ["Issue"] else None
    comment = _text(reader, cells, sheet, row, "Comment")
    wording = _text(reader, cells, sheet, row, "Proposed wording")
    cost = read_cost(reader, cells, sheet, row)
    responded = rating is not None or comment is not None or wording is not None or cost is not None
    protected = cells[: layout.REQUIREMENT_PROTECTED]
    if not req_id and not responded and not any(reader.raw(c) for c in protected):
        return None
    entry = payload.requirements.get(req_id)
    expected: str | list[str] | None = entry[1] if entry else None
    if reader.baseline is not None:
        expected = reader.baseline.requirements.get(req_id)
    if (
        not _identify(reader, sheet, row, req_id, expected is not None, seen, "requirement")
        or expected is None
    ):
        return None
    if not reader.protected(
        sheet, row, cells, expected, layout.REQUIREMENT_COLUMNS[: layout.REQUIREMENT_PROTECTED]
    ):
        return None
    exported = reader.raw(_cell(cells, _REQ["Text"]))
    if not responded:
        reader.report.skipped.append(f"{sheet} row {row}: {req_id}: no response")
        return None
    req = _current(reader, sheet, row, req_id, Requirement, "requirement")
    if req is None:
        return None
    stale = _stale(reader, sheet, row, 4, f"requirement {req_id}", requirement_text(req), exported)
    return Response(
        Kind.REQUIREMENT,
        req_id,
        text=comment,
        wording=wording,
        rating=rating,
        fingerprint=layout.fingerprint(exported),
        stale=stale,
        source=f"{sheet} row {row}",
        cost=cost,
    )


def read_requirements(reader: Reader, payload: layout.Payload) -> list[Response]:
    sheet = layout.REQUIREMENTS
    out: list[Response] = []
    seen: set[str] = set()
    for row, cells in _data_rows(reader, payload, sheet, len(layout.REQUIREMENT_COLUMNS)):
        response = _requirement_row(reader, payload, row, cells, seen)
        if response is not None:
            out.append(response)
    ids = reader.baseline.requirements if reader.baseline is not None else payload.requirements
    order = {req_id: n for n, req_id in enumerate(ids)}
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
    for row, cells in _data_rows(reader, payload, sheet, len(layout.GENERAL_COLUMNS)):
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
