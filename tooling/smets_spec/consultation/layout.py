"""The consultation workbook's layout, its integrity data and its limits.

Shared by the exporter and the importer so that both agree on every sheet name,
column and cell. The integrity data lives in a *very hidden* sheet (Excel and
LibreOffice offer no way to show it without a macro or an editor): a marker,
the consultation id, the specification revision, and a JSON payload with the
fingerprint of every requirement's text and a short hash of every protected
cell, so the importer can tell a workbook that is not ours, protected text that
was edited, and requirements that changed since the export.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

MARKER = "smets-consultation-workbook"
FORMAT_VERSION = 1

COVER = "Cover"
QUESTIONS = "Questions"
REQUIREMENTS = "Requirements"
GENERAL = "General"
INTEGRITY = "_smets"
SHEETS = (COVER, QUESTIONS, REQUIREMENTS, GENERAL, INTEGRITY)


@dataclass(frozen=True)
class EvidenceColumn:
    """A cost-evidence column of the Requirements sheet: its header, how it is checked, and the
    ``ccomment`` field it is stored in (``None``: the free text, stored in the content)."""

    header: str
    width: int
    kind: str  # "choice", "number" or "text"
    field: str | None
    prompt: str
    choices: tuple[str, ...] = ()
    maximum: float = 0.0


#: The respondent's cost evidence per requirement, after the comment columns (J-M).
COST_COLUMNS = (
    EvidenceColumn(
        "Cost kind",
        11,
        "choice",
        "cost_kind",
        "hardware or firmware: what meeting it costs you",
        ("hardware", "firmware"),
    ),
    EvidenceColumn(
        "Cost per unit (GBP)",
        12,
        "number",
        "cost_gbp_per_unit",
        "pounds per unit (0 to 100,000), a number",
        maximum=100_000,
    ),
    EvidenceColumn(
        "Lead time (months)", 11, "number", "lead_time_months", "months (0 to 240), a number", maximum=240
    ),
    EvidenceColumn("Cost evidence", 40, "text", None, "the basis of the figures: what they include"),
)

REQUIREMENT_COLUMNS = (
    "Id",
    "Section",
    "Title",
    "Text",
    "Devices",
    "Impact class",
    "Issue",
    "Comment",
    "Proposed wording",
    *(c.header for c in COST_COLUMNS),
)
REQUIREMENT_WIDTHS = (9, 8, 28, 60, 24, 13, 10, 50, 40, *(c.width for c in COST_COLUMNS))
#: Column index (0-based) of the first cost-evidence column.
COST_FIRST = 9
#: Columns A-F are the spec's text (protected, made by ``model.REQUIREMENT_CELLS``); G-I and the
#: cost-evidence columns are the respondent's. A new column is added here (and, if protected, in
#: ``REQUIREMENT_CELLS``); the importer finds every column by its header (:func:`column`).
REQUIREMENT_PROTECTED = 6
QUESTION_COLUMNS = ("Number", "Question", "Answer")
QUESTION_WIDTHS = (8, 70, 80)
QUESTION_PROTECTED = 2
GENERAL_COLUMNS = ("Topic", "Issue", "Comment", "Proposed wording")
GENERAL_WIDTHS = (30, 10, 70, 50)
#: Pre-formatted rows of the General sheet (the respondent may insert more).
GENERAL_ROWS = 100


def column(headers: tuple[str, ...], header: str) -> int:
    """The 0-based index of the column headed ``header``."""
    return headers.index(header)


RATINGS = ("Major", "Minor", "none")
RESPONDENT_LABEL = "Your organisation"
RESPONDENT_CELL = "B6"

#: Labels of the text parts in a consultation comment's content.
PART_COMMENT = "Comment"
PART_WORDING = "Proposed wording"
PART_ANSWER = "Answer"
PART_COST = "Cost evidence"

#: Integrity data is split into cells of this many characters (Excel holds 32,767).
CHUNK = 30_000


@dataclass(frozen=True)
class Limits:
    """What the importer accepts; anything larger is refused with a message."""

    #: size of the .xlsx file
    file_bytes: int = 20 * 1024 * 1024
    #: total size of the files inside the .xlsx (a zip): guards against zip bombs
    unzipped_bytes: int = 200 * 1024 * 1024
    #: files inside the .xlsx
    zip_entries: int = 500
    #: characters in one cell: Excel's own limit
    cell_chars: int = 32_767
    #: characters in the organisation name
    respondent_chars: int = 120
    #: characters in a general comment's topic
    topic_chars: int = 200
    #: rows of the General sheet
    general_rows: int = 2_000


def fingerprint(text: str) -> str:
    """The fingerprint of a requirement's (or question's) text: 16 hex digits of its SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def cell_hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:8]


def cells_hash(values: list[str]) -> str:
    """Short hashes of a row's protected cells, so a change can be named by column."""
    return " ".join(cell_hash(v) for v in values)


@dataclass
class Payload:
    """The integrity data of one exported workbook."""

    consultation: str
    revision: str
    #: requirement id -> (text fingerprint, protected cells hash)
    requirements: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: question id -> (number, text fingerprint, protected cells hash)
    questions: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    #: the Cover sheet's protected cells as exported, by coordinate (empty in older workbooks)
    cover: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "marker": MARKER,
            "format": FORMAT_VERSION,
            "consultation": self.consultation,
            "revision": self.revision,
            "respondent_cell": RESPONDENT_CELL,
            "headers": self.headers,
            "requirements": [[k, *v] for k, v in self.requirements.items()],
            "questions": [[k, *v] for k, v in self.questions.items()],
        }
        if self.cover:
            data["cover"] = self.cover
        return json.dumps(data, ensure_ascii=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Payload:
        data = json.loads(text)
        if data.get("marker") != MARKER:
            raise ValueError("marker missing")
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"format {data.get('format')!r}, expected {FORMAT_VERSION}")
        payload = cls(str(data["consultation"]), str(data["revision"]))
        payload.headers = {str(k): str(v) for k, v in data["headers"].items()}
        payload.requirements = {str(r[0]): (str(r[1]), str(r[2])) for r in data["requirements"]}
        payload.questions = {str(q[0]): (int(q[1]), str(q[2]), str(q[3])) for q in data["questions"]}
        payload.cover = {str(k): str(v) for k, v in data.get("cover", {}).items()}
        return payload

    def checksum(self) -> str:
        return hashlib.sha256(self.to_json().encode("ascii")).hexdigest()


def chunks(text: str) -> list[str]:
    return [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]
