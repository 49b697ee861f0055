"""Suspect links: links to a requirement whose normative content changed, until reviewed.

The links concerned join a requirement and what was written against its text: a
conformance test that ``verifies`` it, a reference model that ``implements`` it, a
data item it ``uses``. When the requirement changes normatively between two
revisions (see :mod:`smets_spec.change.editorial`), each such link that existed before
the change becomes *suspect*. Links written in the same change are not suspect
(they were written against the new text).

A review is recorded in the repository, in ``spec/reviews/accepted.toml``
(``smets accept ID...``), so it is visible in the pull request: per link, the
*fingerprint* of the requirement it was reviewed against. A suspect is cleared
while the requirement's fingerprint equals the recorded one; a later normative
change makes it suspect again.

The fingerprint is a hash of the requirement's normative content: title and
text in the comparison form of :func:`smets_spec.change.editorial.normal_form` (case,
spacing and punctuation do not count) and every field that is not metadata.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..corpus.diagnostics import Location
from ..corpus.files import write_atomic
from ..corpus.schema import Requirement
from .diff import ChangeKind, NeedChange, is_metadata, show
from .editorial import normal_form
from .specindex import SpecIndex

REVIEWS_FILE = "spec/reviews/accepted.toml"
#: link field -> the kind of need at the other end of the requirement
SUSPECT_LINKS: dict[str, str] = {"verifies": "conftest", "implements": "refmodel", "uses": "dataitem"}
_HEADER = """\
# Reviewed links: a link between a requirement and a test, reference model or data item
# stays reviewed while the requirement's fingerprint equals the one recorded here.
# Written by `smets accept ID...`; commit it with the change (see docs/change-control.md).
"""


@dataclass(frozen=True, order=True)
class Link:
    """A link as written: ``source`` has ``link`` listing ``target``."""

    source: str
    link: str
    target: str

    @property
    def requirement(self) -> str:
        return self.source if self.link == "uses" else self.target

    @property
    def other(self) -> str:
        return self.target if self.link == "uses" else self.source

    def __str__(self) -> str:
        return f"{self.source} {self.link} {self.target}"

    @classmethod
    def parse(cls, text: str) -> Link | None:
        parts = text.split()
        if len(parts) != 3 or parts[1] not in SUSPECT_LINKS:
            return None
        return cls(*parts)


@dataclass(frozen=True)
class Review:
    link: Link
    fingerprint: str
    reviewer: str = ""
    date: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Suspect:
    link: Link
    fingerprint: str  # the requirement's current fingerprint
    reason: str
    location: Location  # where the link is written
    review: Review | None = None  # an older review, made against another fingerprint


def fingerprint(req: Requirement) -> str:
    """A short hash of the requirement's normative content (see the module docstring)."""
    parts = [normal_form(req.title), normal_form(req.content)]
    parts += [
        f"{name}={show(getattr(req, name))}" for name in sorted(req.own_fields()) if not is_metadata(name)
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def links_of(index: SpecIndex, req_id: str) -> list[Link]:
    """The links of a requirement that can become suspect, in a stable order."""
    found = [Link(req_id, name, target) for name, target in index.links.get(req_id, ()) if name == "uses"]
    found += [
        Link(source, name, req_id)
        for source, name in index.sources(req_id)
        if name in SUSPECT_LINKS and name != "uses"
    ]
    return sorted(link for link in found if link.other in index.nodes)


def _existed(index: SpecIndex, link: Link) -> bool:
    return (link.link, link.target) in index.links.get(link.source, ())


def read_reviews(text: str | None, shown_as: str = REVIEWS_FILE) -> dict[Link, Review]:
    """The recorded reviews; a malformed file is an error naming the line and the fix."""
    if not text:
        return {}
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(
            f"{shown_as}: error: not valid TOML: {exc} [smets.reviews]\n"
            "    fix: repair the file, or delete it and run `smets accept` again"
        ) from exc
    lines = {
        m[1]: n
        for n, line in enumerate(text.splitlines(), 1)
        if (m := re.match(r'\s*link\s*=\s*"(.*)"', line))
    }
    out: dict[Link, Review] = {}
    for entry in data.get("accepted", []):
        raw = str(entry.get("link", ""))
        link = Link.parse(raw)
        if link is None or not isinstance(entry.get("fingerprint"), str):
            line = lines.get(raw)
            raise ValueError(
                f"{shown_as}:{line or 1}: error: entry link = {raw!r} is not 'SOURCE LINK TARGET' with a "
                f"fingerprint (LINK one of {', '.join(SUSPECT_LINKS)}) [smets.reviews]\n"
                "    fix: let `smets accept ID` write the entry"
            )
        out[link] = Review(
            link,
            entry["fingerprint"],
            str(entry.get("reviewer", "")),
            str(entry.get("date", "")),
            lines.get(raw),
        )
    return out


def write_reviews(path: Path, reviews: dict[Link, Review]) -> None:
    out = [_HEADER]
    for link in sorted(reviews):
        review = reviews[link]
        out.append(
            f'\n[[accepted]]\nlink = "{link}"\nfingerprint = "{review.fingerprint}"\n'
            f'reviewer = "{_escape(review.reviewer)}"\ndate = "{review.date}"\n'
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, "".join(out))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def find_suspects(
    changes: list[NeedChange],
    base: SpecIndex,
    head: SpecIndex,
    records: dict[str, Requirement],
    reviews: dict[Link, Review],
) -> list[Suspect]:
    """Links made suspect by the normative requirement ``changes`` (base → head) and not yet reviewed.

    ``records`` holds the head-side record of each changed requirement.
    """
    found: list[Suspect] = []
    for change in changes:
        req = records.get(change.id)
        if not (change.normative and change.kind is ChangeKind.MODIFIED and req is not None):
            continue
        current = fingerprint(req)
        reason = "; ".join(change.reasons) or "normative change"
        for link in links_of(head, change.id):
            if not _existed(base, link):
                continue
            review = reviews.get(link)
            if review is not None and review.fingerprint == current:
                continue
            node = head.nodes[link.source]
            found.append(Suspect(link, current, reason, Location(node.file, node.line), review))
    return found


def accept(
    path: Path, links: list[Link], fingerprints: dict[str, str], reviewer: str, today: date | None = None
) -> list[Review]:
    """Record ``links`` as reviewed against the requirements' current fingerprints."""
    text = path.read_text(encoding="utf-8") if path.is_file() else None
    reviews = read_reviews(text, path.as_posix())
    when = (today or date.today()).isoformat()
    added = []
    for link in links:
        review = Review(link, fingerprints[link.requirement], reviewer, when)
        reviews[link] = review
        added.append(review)
    write_reviews(path, reviews)
    return added
