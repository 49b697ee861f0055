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
from ..corpus.files import write_atomic
from ..corpus.ids import clause_for_id
from ..corpus.load import Corpus
from ..corpus.rstreader import RawNeed, read_text
from ..corpus.schema import Consultation, ConsultationComment
from . import layout
from .model import Kind, Response, ResponseSet, comment_id, slug
from .textcodec import encode_line, encode_parts

#: File names in a consultation folder that are not respondents' files.
RESERVED = frozenset({"index", "questions"})
#: The first lines of every file :func:`render_file` writes: how a response file is recognised.
HEADER = (
    ".. Written by `smets consult import` from the respondent's workbook. To change it, import a",
    "   corrected workbook with --replace rather than editing this file.",
)


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
    if response.cost is not None:
        options += response.cost.options()
    parts: list[tuple[str, str]] = []
    if response.text is not None:
        parts.append(
            (layout.PART_ANSWER if response.kind is Kind.ANSWER else layout.PART_COMMENT, response.text)
        )
    if response.wording is not None:
        parts.append((layout.PART_WORDING, response.wording))
    if response.cost is not None and response.cost.note is not None:
        parts.append((layout.PART_COST, response.cost.note))
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
    title = "".join(encode_line(rs.respondent))
    out = [
        *HEADER,
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


def is_response_file(text: str) -> bool:
    """Does ``text`` look as :func:`render_file` writes it (header, title, intro, ccomments only)?

    A page that does not (an index, a questions page, a hand-written page that happens to
    have a respondent's name) is never overwritten by an import.
    """
    lines = text.split("\n")
    if tuple(lines[: len(HEADER)]) != HEADER or len(lines) < 8:
        return False
    directive = f".. {ConsultationComment.directive}:: "
    return all(not line or line.startswith(("   ", directive)) for line in lines[8:])


def _refused(
    path: Path, shown: str, message: str, fix: str, counts: tuple[int, int, int] = (0, 0, 0)
) -> StoreResult:
    diagnostic = Diagnostic(Location(shown, 1), Severity.ERROR, message, Rule.CONSULT_CONFLICT, fix)
    return StoreResult(path, Outcome.REFUSED, *counts, diagnostic=diagnostic)


def _unsafe_target(path: Path, folder: Path, root: Path, shown: str) -> StoreResult | None:
    """A refusal when ``path`` is not a place a response file may be written."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        return _refused(
            path,
            shown,
            f"{shown} is a symbolic link or not a regular file, not a response file written by smets",
            "remove or rename it (git keeps history), then import again",
        )
    try:
        folder.resolve().relative_to(root.resolve())
    except ValueError:
        return _refused(
            path,
            shown,
            f"{shown}: the consultation folder leads out of the repository ({folder.resolve()})",
            "replace the symbolic link by a real folder inside the repository",
        )
    return None


def store(
    rs: ResponseSet, folder: Path, display_root: Path, replace: bool = False, dry_run: bool = False
) -> StoreResult:
    """Write ``rs`` to its respondent's file, never touching another respondent's (or any other) page."""
    path = response_path(folder, rs.respondent)
    text = render_file(rs)
    shown = _shown(path, display_root)
    unsafe = _unsafe_target(path, folder, display_root, shown)
    if unsafe is not None:
        return unsafe
    if not path.exists():
        if not dry_run:
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(path, text)
        return StoreResult(path, Outcome.WRITTEN, added=len(rs.responses))
    old_text = path.read_bytes().decode("utf-8", errors="replace")
    if old_text == text:
        return StoreResult(path, Outcome.UNCHANGED)
    if not is_response_file(old_text):
        return _refused(
            path,
            shown,
            f"{shown} is not a response file written by `smets consult import`; it is left as it is",
            "rename that page (or the organisation in the workbook), then import again",
        )
    old_needs, _ = read_text(old_text, shown, [ConsultationComment.directive])
    owners = {n.options["respondent"].value for n in old_needs if "respondent" in n.options}
    if owners and owners != {rs.respondent}:
        return _refused(
            path,
            shown,
            f"{shown} holds the response of {', '.join(sorted(owners))}, not of {rs.respondent!r}",
            "write the organisation's name exactly as in its earlier response, or a clearly different name",
        )
    counts = _differences(_needs(old_text, shown), _needs(text, shown))
    if not replace:
        added, removed, changed = counts
        return _refused(
            path,
            shown,
            f"{shown} already holds a different response from {rs.respondent} "
            f"({added} new, {removed} withdrawn, {changed} changed)",
            "pass --replace to replace it with this workbook's response",
            counts,
        )
    if not dry_run:
        write_atomic(path, text)
    return StoreResult(path, Outcome.REPLACED, *counts)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
