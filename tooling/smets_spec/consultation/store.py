"""Write a respondent's responses as ``ccomment`` needs in one reST file.

One file per respondent and consultation, next to the consultation's own page:
``spec/consultations/<consultation folder>/<respondent-slug>.rst``. The file is
rendered deterministically from the responses, so importing the same workbook
again writes the same bytes ("unchanged"). A file that belongs to another
respondent (two names with one slug) is never touched, and a different
response from the same respondent replaces the file only with ``--replace``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from ..corpus.diagnostics import Diagnostic, Location, Rule, Severity
from ..corpus.ids import clause_for_id
from ..corpus.load import Corpus
from ..corpus.rstreader import RawNeed, read_file, read_text
from ..corpus.schema import Consultation, ConsultationComment
from ..markup.rst import escape
from . import layout
from .model import Kind, Response, ResponseSet, comment_id, slug
from .textcodec import encode_parts

#: File names in a consultation folder that are not respondents' files.
RESERVED = frozenset({"index", "questions"})


class Outcome(StrEnum):
    WRITTEN = "written"
    UNCHANGED = "unchanged"
    REPLACED = "replaced"
    REFUSED = "refused"


@dataclass(frozen=True)
class StoreResult:
    path: Path
    outcome: Outcome
    added: int = 0
    removed: int = 0
    changed: int = 0
    diagnostic: Diagnostic | None = None


def _title(respondent: str, response: Response, index: int) -> str:
    if response.kind is Kind.ANSWER:
        return f"{respondent}: answer to question {response.target.rsplit('_', 1)[-1].lstrip('0') or '0'}"
    if response.kind is Kind.REQUIREMENT:
        return f"{respondent} on {clause_for_id(response.target) or response.target}"  # the clause as printed
    return f"{respondent}: general comment {index}"


def _need(rs: ResponseSet, response: Response, index: int) -> str:
    options: list[tuple[str, str]] = [
        ("id", comment_id(rs.consultation, rs.respondent, response, index)),
        ("respondent", rs.respondent),
    ]
    if response.rating is not None:
        options.append(("rating", response.rating.value))
    options.append(("responds_to", rs.consultation))
    if response.kind is Kind.ANSWER:
        options.append(("answers", response.target))
    elif response.kind is Kind.REQUIREMENT:
        options.append(("comments_on", response.target))
    if response.topic is not None:
        options.append(("topic", response.topic))
    if response.fingerprint:
        options.append(("fingerprint", response.fingerprint))
    if response.stale:
        options.append(("stale", "true"))
    options.append(("source", response.source))
    parts: list[tuple[str, str]] = []
    if response.text is not None:
        parts.append(
            (layout.PART_ANSWER if response.kind is Kind.ANSWER else layout.PART_COMMENT, response.text)
        )
    if response.wording is not None:
        parts.append((layout.PART_WORDING, response.wording))
    lines = [f".. {ConsultationComment.directive}:: {_title(rs.respondent, response, index)}"]
    lines += [f"   :{name}: {value}" for name, value in options]
    if parts:
        lines.append("")
        lines += [f"   {line}" if line else "" for line in encode_parts(parts).split("\n")]
    return "\n".join(lines) + "\n"


def _heading_width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def render_file(rs: ResponseSet) -> str:
    """The reST text of one respondent's file."""
    title = escape(rs.respondent)
    out = [
        ".. Written by `smets consult import` from the respondent's workbook. To change it, import a",
        "   corrected workbook with --replace rather than editing this file.",
        "",
        title,
        "=" * _heading_width(title),
        "",
        f"Response of {title} to :need:`{rs.consultation}`, from a workbook exported at specification "
        f"revision ``{rs.revision}``.",
        "",
    ]
    general = 0
    for response in rs.responses:
        if response.kind is Kind.GENERAL:
            general += 1
        out.append(_need(rs, response, general))
    return "\n".join(out)


def consultation_folder(corpus: Corpus, root: Path, consultation_id: str) -> Path:
    """The folder holding the consultation's own page (where respondents' files go)."""
    need = corpus.needs.get(consultation_id)
    if not isinstance(need, Consultation):
        raise ValueError(f"consultation '{consultation_id}' is not in the spec")
    return (root / corpus.location(consultation_id).file).parent


def response_path(folder: Path, respondent: str) -> Path:
    name = slug(respondent)
    if name in RESERVED:
        name += "-response"
    return folder / f"{name}.rst"


def _needs(text: str, display: str) -> dict[str, RawNeed]:
    needs, _ = read_text(text, display, [ConsultationComment.directive])
    return {n.options["id"].value: n for n in needs if "id" in n.options}


def _differences(old: dict[str, RawNeed], new: dict[str, RawNeed]) -> tuple[int, int, int]:
    def key(n: RawNeed) -> tuple[object, ...]:
        return (
            n.title,
            tuple(sorted((k, v.value) for k, v in n.options.items() if k != "source")),
            n.content,
        )

    changed = sum(1 for i in old.keys() & new.keys() if key(old[i]) != key(new[i]))
    return len(new.keys() - old.keys()), len(old.keys() - new.keys()), changed


def store(
    rs: ResponseSet, folder: Path, display_root: Path, replace: bool = False, dry_run: bool = False
) -> StoreResult:
    """Write ``rs`` to its respondent's file, never touching another respondent's."""
    path = response_path(folder, rs.respondent)
    text = render_file(rs)
    try:
        shown = path.resolve().relative_to(display_root.resolve()).as_posix()
    except ValueError:
        shown = path.as_posix()
    if not path.exists():
        if not dry_run:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return StoreResult(path, Outcome.WRITTEN, added=len(rs.responses))
    old_text = path.read_text(encoding="utf-8")
    if old_text == text:
        return StoreResult(path, Outcome.UNCHANGED)
    old_needs, _ = read_file(path, shown, [ConsultationComment.directive])
    owners = {n.options["respondent"].value for n in old_needs if "respondent" in n.options}
    if owners and owners != {rs.respondent}:
        return StoreResult(
            path,
            Outcome.REFUSED,
            diagnostic=Diagnostic(
                Location(shown, 1),
                Severity.ERROR,
                f"{shown} holds the response of {', '.join(sorted(owners))}, not of {rs.respondent!r}",
                Rule.CONSULT_CONFLICT,
                "write the organisation's name exactly as in its earlier response, "
                "or a clearly different name",
            ),
        )
    added, removed, changed = _differences(_needs(old_text, shown), _needs(text, shown))
    if not replace:
        return StoreResult(
            path,
            Outcome.REFUSED,
            added,
            removed,
            changed,
            Diagnostic(
                Location(shown, 1),
                Severity.ERROR,
                f"{shown} already holds a different response from {rs.respondent} "
                f"({added} new, {removed} withdrawn, {changed} changed)",
                Rule.CONSULT_CONFLICT,
                "pass --replace to replace it with this workbook's response",
            ),
        )
    if not dry_run:
        path.write_text(text, encoding="utf-8")
    return StoreResult(path, Outcome.REPLACED, added, removed, changed)
