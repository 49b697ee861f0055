"""What the duplicate analysis reads: texts with ids, groups and locations.

Two sources: this project's typed corpus (requirements, data item descriptions
and glossary definitions, each compared only within its own group), and any
sphinx-needs ``needs.json``, read generically: every need type is a group, the
text is the need's content (or its title when it has none), and nothing of this
project's schema is assumed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..corpus.diagnostics import Location
from ..corpus.load import Corpus
from ..corpus.schema import DataItem, Term
from .reader import reader_text


@dataclass(frozen=True)
class Item:
    """One text to compare."""

    id: str
    text: str
    group: str  # items are compared only within a group
    section: str  # where it sits, for grouping findings on the page
    location: Location
    title: str = ""
    kind: str = ""  # the need type, shown when items of different types are compared


@dataclass(frozen=True)
class GlossaryEntry:
    id: str
    term: str
    abbreviation: str = ""
    synonyms: tuple[str, ...] = ()
    location: Location = field(default_factory=lambda: Location("?"))


@dataclass
class Source:
    """Every group of items of one specification, and its glossary."""

    origin: str
    groups: dict[str, list[Item]] = field(default_factory=dict)
    glossary: list[GlossaryEntry] = field(default_factory=list)
    has_glossary: bool = False  # False when the source has no glossary type at all
    all_ids: frozenset[str] = frozenset()
    #: needs with no body (their text is their title): compared by title only
    bodyless: list[Item] = field(default_factory=list)

    def items(self) -> list[Item]:
        return [item for group in self.groups.values() for item in group]

    def by_id(self) -> dict[str, Item]:
        return {item.id: item for item in self.items()}


class ReaderTexts:
    """:func:`~.reader.reader_text` of a need's content, taken from ``kept`` (the answers of an earlier
    run of the same code, by the content's digest: the scan state's, store.py) when it has the
    content, and each answer given in :attr:`used` (the answers to keep)."""

    def __init__(self, kept: Mapping[str, str] | None = None) -> None:
        self.kept: Mapping[str, str] = kept or {}
        self.used: dict[str, str] = {}

    def __call__(self, content: str) -> str:
        key = hashlib.blake2b(content.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        text = self.kept.get(key)
        if text is None:
            text = reader_text(content)
        self.used[key] = text
        return text


REQUIREMENTS = "requirements"
DATA_ITEMS = "data items"
DEFINITIONS = "definitions"


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def from_corpus(corpus: Corpus, origin: str = "spec", texts: Callable[[str], str] = reader_text) -> Source:
    """Requirements, data item descriptions and glossary definitions of this project's corpus
    (``texts``: :func:`~.reader.reader_text`, or a :class:`ReaderTexts` giving its answers)."""
    source = Source(origin, all_ids=frozenset(corpus.needs))
    reqs = [
        Item(
            r.id,
            texts(r.content) or r.title,
            REQUIREMENTS,
            r.section.value if r.section else "",
            corpus.location(r.id),
            r.title,
            "requirement",
        )
        for r in corpus.requirements
    ]
    data = [
        Item(d.id, text, DATA_ITEMS, "data", corpus.location(d.id), d.title, "data item")
        for d in corpus.of_type(DataItem)
        if (text := texts(d.content))
    ]
    terms = corpus.of_type(Term)
    definitions = [
        Item(t.id, text, DEFINITIONS, "glossary", corpus.location(t.id), t.title, "term")
        for t in terms
        if (text := texts(t.content))
    ]
    source.groups = {
        name: items
        for name, items in ((REQUIREMENTS, reqs), (DATA_ITEMS, data), (DEFINITIONS, definitions))
        if items
    }
    source.glossary = [
        GlossaryEntry(t.id, t.title, t.abbreviation or "", _split(t.synonyms), corpus.location(t.id))
        for t in terms
    ]
    source.has_glossary = True
    return source


def _text(need: dict[str, Any], need_types: frozenset[str]) -> str:
    """The need's body as a reader sees it ("" when it has none)."""
    for name in ("content", "description"):
        value = need.get(name)
        if isinstance(value, str) and value.strip():
            text = reader_text(value, need_types, need)
            if text:
                return text
    return ""


def _line(need: dict[str, Any]) -> int:
    line = need.get("lineno")
    return line if isinstance(line, int) and not isinstance(line, bool) else 0


def from_needs_json(path: Path, version: str | None = None, types: Collection[str] = ()) -> Source:
    """Every need of a sphinx-needs needs.json, grouped by need type (any project, any types).

    ``types`` (type names or titles, e.g. ``req`` or ``Requirement``) restricts the groups compared;
    the glossary is read from ``term`` needs (or needs with an ``abbreviation``) whatever ``types`` says.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        versions = data["versions"]
        chosen = version or data.get("current_version") or next(iter(versions))
        if chosen not in versions:
            chosen = next(iter(versions))
        needs: dict[str, dict[str, Any]] = versions[chosen]["needs"]
    except (OSError, ValueError, KeyError, TypeError, StopIteration) as exc:
        raise ValueError(
            f"{path}: not a sphinx-needs needs.json file ({type(exc).__name__}: {exc}) [smets.input]"
        ) from exc
    source = Source(str(path), all_ids=frozenset(needs))
    groups: dict[str, list[Item]] = {}
    need_types = frozenset(str(n.get("type") or "") for n in needs.values() if isinstance(n, dict)) - {""}
    if not isinstance(needs, dict):
        raise ValueError(f"{path}: 'needs' of version {chosen!r} is not an object [smets.input]")
    for key, need in needs.items():
        if not isinstance(need, dict):
            raise ValueError(
                f"{path}: need {key!r} is a {type(need).__name__}, not an object [smets.input]\n"
                "    fix: export the needs.json again with sphinx-needs (builder 'needs')"
            )
    ordered = sorted(needs.values(), key=lambda n: (str(n.get("docname") or ""), _line(n)))
    for need in ordered:
        need_id = str(need.get("id") or "")
        if not need_id:
            continue
        docname = need.get("docname")
        where = (
            Location(f"{docname}{need.get('doctype') or '.rst'}", _line(need) or None)
            if docname
            else Location(str(path))
        )
        kind = str(need.get("type") or "need")
        if kind == "term" or need.get("abbreviation"):
            source.has_glossary = True
            source.glossary.append(
                GlossaryEntry(
                    need_id,
                    str(need.get("title") or ""),
                    str(need.get("abbreviation") or ""),
                    _split(str(need.get("synonyms") or "")),
                    where,
                )
            )
        if types and kind not in types and str(need.get("type_name")) not in types:
            continue
        text = _text(need, need_types)
        title = " ".join(str(need.get("title") or "").split())
        section = str(need.get("section") or need.get("section_name") or docname or "")
        group = DEFINITIONS if kind == "term" else str(need.get("type_name") or kind)
        if not text:
            if title:
                source.bodyless.append(Item(need_id, title, group, section, where, title, kind))
            continue
        groups.setdefault(group, []).append(Item(need_id, text, group, section, where, title, kind))
    source.groups = groups
    return source
