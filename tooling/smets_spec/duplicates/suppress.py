"""Reviewed findings: a TOML file in the repository that hides findings judged harmless.

``spec/reviews/duplicates.toml``::

    [[suppress]]
    pair = ["HA_01", "WA_01"]
    class = "parallel"
    reason = "HAN and WAN are two interfaces; both need open standards"
    reviewer = "J. Smith"
    fingerprints = ["3f1c0a9b2e77", "9a0d4c1e8b55"]   # of the two texts, in pair order

    [[suppress]]
    term = "GMT"
    check = "undefined-abbreviation"
    reason = "..."
    reviewer = "..."

Two optional keys record a finding that is real but not resolved yet:
``status = "open"`` (default ``"accepted"``: judged harmless) and ``see``, the
need id (a consultation comment) or URL where it is discussed. An open entry
hides the finding from the exit code like any entry, and is listed as
"known and open" in every report.

A pair entry hides the finding of that class for those two needs while both
texts still have the fingerprints recorded; when either text changes the
finding shows again, marked "reviewed, but changed since". A malformed file,
an unknown key, class or id is an error with the file and line.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..corpus.diagnostics import Diagnostic, Location, Rule, Severity
from .classify import Finding, Kind
from .terms import CHECKS, TermFinding
from .text import normalised

PAIR_KEYS = ("pair", "class", "reason", "reviewer", "fingerprints")
OPTIONAL_KEYS = ("status", "see")
STATUSES = ("accepted", "open")
TERM_KEYS = ("term", "check", "reason", "reviewer")
_HEADER = re.compile(r"^\s*\[\[\s*suppress\s*\]\]\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\"'-]+)\s*=")
_LINE = re.compile(r"at line (\d+)")


def fingerprint(text: str) -> str:
    """12 hex digits of the SHA-256 of the text, whitespace collapsed."""
    return hashlib.sha256(normalised(text).encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Suppression:
    location: Location
    reason: str
    reviewer: str
    pair: tuple[str, str] = ("", "")
    kind: Kind | None = None
    fingerprints: tuple[str, str] = ("", "")
    term: str = ""
    check: str = ""
    status: str = "accepted"  # or "open": a real finding, recorded as known and not yet resolved
    see: str = ""  # where it is discussed: a need id or a URL


@dataclass
class Suppressions:
    entries: list[Suppression] = field(default_factory=list)
    path: str = ""

    def for_pair(self, ids: Iterable[str], kind: Kind) -> Suppression | None:
        wanted = frozenset(ids)
        return next((s for s in self.entries if s.kind is kind and frozenset(s.pair) == wanted), None)

    def for_term(self, finding: TermFinding) -> Suppression | None:
        return next((s for s in self.entries if s.term == finding.term and s.check == finding.check), None)


def _lines(text: str) -> list[tuple[int, dict[str, int]]]:
    """For each ``[[suppress]]`` table: its header line and the line of each key."""
    tables: list[tuple[int, dict[str, int]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if _HEADER.match(line):
            tables.append((number, {}))
        elif tables and (key := _KEY.match(line)):
            tables[-1][1].setdefault(key.group(1).strip("\"'"), number)
    return tables


class _Checker:
    def __init__(self, rel: str, known: frozenset[str]) -> None:
        self.rel, self.known, self.problems = rel, known, list[Diagnostic]()

    def error(self, line: int | None, message: str, fix: str) -> None:
        self.problems.append(
            Diagnostic(Location(self.rel, line), Severity.ERROR, message, Rule.DUPS_SUPPRESSION, fix)
        )

    def text(self, entry: Mapping[str, Any], key: str, line: int) -> str:
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            self.error(line, f"'{key}' must be a non-empty string", f'write {key} = "..."')
            return ""
        return value.strip()

    def ids(self, entry: Mapping[str, Any], line: int) -> tuple[str, str]:
        pair = entry.get("pair")
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
            self.error(line, "'pair' must be a list of two need ids", 'write pair = ["HA_01", "WA_01"]')
            return ("", "")
        for need_id in pair:
            if need_id not in self.known:
                close = difflib.get_close_matches(need_id, sorted(self.known), n=1)
                hint = f"did you mean '{close[0]}'?" if close else "remove the entry or correct the id"
                self.error(line, f"unknown need id '{need_id}' in 'pair'", hint)
        return (pair[0], pair[1])

    def entry(self, entry: Mapping[str, Any], header: int, keys: dict[str, int]) -> Suppression | None:
        allowed = TERM_KEYS if "term" in entry else PAIR_KEYS
        before = len(self.problems)
        for key in entry:
            if key not in allowed and key not in OPTIONAL_KEYS:
                close = difflib.get_close_matches(key, allowed, n=1)
                fix = f"did you mean '{close[0]}'?" if close else f"keys of this entry: {', '.join(allowed)}"
                self.error(keys.get(key, header), f"unknown key '{key}' in a [[suppress]] entry", fix)
        for key in allowed:
            if key not in entry:
                self.error(
                    header,
                    f"[[suppress]] entry lacks '{key}'",
                    f"add {key} = ... (entry keys: {', '.join(allowed)})",
                )
        if len(self.problems) > before:
            return None
        where = Location(self.rel, header)
        reason = self.text(entry, "reason", keys.get("reason", header))
        reviewer = self.text(entry, "reviewer", keys.get("reviewer", header))
        if "term" in entry:
            check = self.text(entry, "check", keys.get("check", header))
            if check and check not in CHECKS:
                self.error(
                    keys.get("check", header), f"unknown check '{check}'", f"use one of {', '.join(CHECKS)}"
                )
            term = self.text(entry, "term", keys.get("term", header))
            status, see = self.status(entry, keys, header)
            return (
                None
                if len(self.problems) > before
                else Suppression(where, reason, reviewer, term=term, check=check, status=status, see=see)
            )
        pair = self.ids(entry, keys.get("pair", header))
        kind_name = entry.get("class")
        kind = Kind(kind_name) if kind_name in {k.value for k in Kind} else None
        if kind is None:
            self.error(
                keys.get("class", header),
                f"unknown class {kind_name!r}",
                f"use one of {', '.join(k.value for k in Kind)}",
            )
        prints = entry.get("fingerprints") or []
        if not (
            isinstance(prints, list)
            and len(prints) == 2
            and all(isinstance(p, str) and re.fullmatch(r"[0-9a-f]{8,64}", p) for p in prints)
        ):
            self.error(
                keys.get("fingerprints", header),
                "'fingerprints' must be two hex fingerprints, one per text",
                "copy them from `smets dups` output, or add the entry with `smets dups --accept A,B`",
            )
        status, see = self.status(entry, keys, header)
        if len(self.problems) > before:
            return None
        return Suppression(
            where, reason, reviewer, pair, kind, (prints[0], prints[1]), status=status, see=see
        )

    def status(self, entry: Mapping[str, Any], keys: dict[str, int], header: int) -> tuple[str, str]:
        status = entry.get("status", "accepted")
        if status not in STATUSES:
            self.error(keys.get("status", header), f"unknown status {status!r}", 'use "accepted" or "open"')
        see = entry.get("see", "")
        if not isinstance(see, str) or (
            see and not see.startswith(("http://", "https://")) and see not in self.known
        ):
            self.error(
                keys.get("see", header),
                f"'see' must be a need id of this spec or a URL, not {see!r}",
                'write see = "CC_..." (a consultation comment id) or a https:// address',
            )
            see = ""
        return str(status), see


def load_suppressions(
    path: Path, known_ids: frozenset[str], rel: str | None = None
) -> tuple[Suppressions, list[Diagnostic]]:
    """Read a suppression file; every problem is an error with its line. A missing file suppresses nothing."""
    shown = rel or str(path)
    if not path.is_file():
        return Suppressions(path=shown), []
    text = path.read_text(encoding="utf-8")
    checker = _Checker(shown, known_ids)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = _LINE.search(str(exc))
        line: int | None = int(where.group(1)) if where else None
        if line is None and "end of document" in str(exc):
            line = max(1, len(text.splitlines()))
        checker.error(line, f"malformed TOML: {exc}", "fix the TOML syntax at that line")
        return Suppressions(path=shown), checker.problems
    tables = _lines(text)
    for key in data:
        if key != "suppress":
            top = next(
                (n for n, line in enumerate(text.splitlines(), 1) if line.strip().startswith(key)), None
            )
            checker.error(top, f"unknown top-level key '{key}'", "write each entry as a [[suppress]] table")
    entries = data.get("suppress", [])
    if not isinstance(entries, list):
        checker.error(None, "'suppress' must be an array of tables", "write each entry under [[suppress]]")
        entries = []
    out = Suppressions(path=shown)
    for index, entry in enumerate(entries):
        header, keys = tables[index] if index < len(tables) else (None, {})
        found = checker.entry(entry, header or 1, keys) if isinstance(entry, dict) else None
        if found is not None:
            out.entries.append(found)
    return out, checker.problems


@dataclass
class Outcome:
    """Findings after the review file: shown, suppressed, reviewed-but-changed, and unused entries."""

    active: list[Finding] = field(default_factory=list)
    suppressed: list[tuple[Finding, Suppression]] = field(default_factory=list)
    stale: dict[int, tuple[Suppression, list[str]]] = field(
        default_factory=dict
    )  # id(finding) -> entry, changed ids
    terms: list[TermFinding] = field(default_factory=list)
    terms_suppressed: list[tuple[TermFinding, Suppression]] = field(default_factory=list)
    unused: list[Suppression] = field(default_factory=list)


def apply(
    findings: Iterable[Finding],
    terms: Iterable[TermFinding],
    suppressions: Suppressions,
    texts: Mapping[str, str],
) -> Outcome:
    """Split findings into shown and suppressed; a suppression whose fingerprints no longer match is stale."""
    out = Outcome()
    used: set[int] = set()
    for finding in findings:
        entry = suppressions.for_pair(finding.ids, finding.kind)
        if entry is None:
            out.active.append(finding)
            continue
        used.add(id(entry))
        recorded = dict(zip(entry.pair, entry.fingerprints, strict=True))
        changed = [i for i in entry.pair if fingerprint(texts.get(i, "")) != recorded[i]]
        if changed:
            out.active.append(finding)
            out.stale[id(finding)] = (entry, changed)
        else:
            out.suppressed.append((finding, entry))
    for term in terms:
        entry = suppressions.for_term(term)
        if entry is None:
            out.terms.append(term)
        else:
            used.add(id(entry))
            out.terms_suppressed.append((term, entry))
    out.unused = [s for s in suppressions.entries if id(s) not in used]
    return out


def entry_text(finding: Finding, reason: str, reviewer: str, status: str = "accepted", see: str = "") -> str:
    """The TOML of a suppression entry for ``finding``."""

    def quoted(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return (
        "\n[[suppress]]\n"
        f"pair = [{quoted(finding.a.id)}, {quoted(finding.b.id)}]\n"
        f"class = {quoted(finding.kind.value)}\n"
        f"reason = {quoted(reason)}\n"
        f"reviewer = {quoted(reviewer)}\n"
        f"fingerprints = [{quoted(fingerprint(finding.a.text))}, {quoted(fingerprint(finding.b.text))}]\n"
        + (f"status = {quoted(status)}\n" if status != "accepted" else "")
        + (f"see = {quoted(see)}\n" if see else "")
    )
