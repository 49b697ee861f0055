"""The requirement pages' bodies kept in the user cache, so a full build with a warm cache only
assembles them (``req/<ID>.html``: the shell around a body, see :mod:`.reqpages`).

A body is kept with the record :mod:`.reqindex` keeps for its page: the digest of everything the
page was drawn from (the global inputs, the requirement's own key, the needs linking to it, its
neighbours, its text, and the needs it shows), the needs it shows, and each analysis panel's
digest; a body may hold markers where a spliced panel's fill goes (the conformance run line),
kept with the digest of those panels' HTML with the markers (:mod:`.reqsplice`). A kept body is
used only where the same test that lets an incremental build keep a page holds: the digest
computed from this build's inputs and the kept needs is the kept one, and each analysis panel's
HTML, computed again (or, for a panel with a stamp in :data:`.reqindex.PANEL_STAMPS`, its stamp
unchanged), has the kept digest (a spliced panel's, with its markers, the kept neutral digest:
this build's fill goes in where the page is written). Anything else draws the page as before,
and the new body replaces the kept one.

The bodies live under ``<user cache>/req-pages/`` in :data:`SHARDS` JSON files per project (by a
hash of the requirement's id; the file's name is a hash of the format, the project's source
folder and the shard), each holding only the requirements of the last full draw, so it never
grows. Nothing in it can run code: :func:`smets_spec.corpus.usercache.read_regular_entry` reads
JSON from a regular file only, every entry is checked field by field, and a body holding markup
the extension never renders (:func:`.rendercache.foreign`: a script, an event handler) is not
used. ``SMETS_REQ_CACHE=off`` (or ``SMETS_RENDER_CACHE=off``) switches it off.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeGuard

from ..corpus.cachedir import switched_off
from ..corpus.usercache import digest, read_regular_entry, user_cache_folder, write_entry
from .rendercache import foreign
from .reqindex import Record

FORMAT = "smets-req-pages/2"
KIND = "req-pages"
SHARDS = 64
SWITCHES = ("SMETS_REQ_CACHE", "SMETS_RENDER_CACHE")

#: a kept page: its record (:data:`.reqindex.Record`), its body, and (a body kept with markers
#: where spliced panels' fills go, :mod:`.reqsplice`) each spliced panel's neutral digest ({}: a
#: body kept whole)
Entry = tuple[Record, str, dict[str, str]]


def enabled() -> bool:
    return not switched_off(*SWITCHES)


def shard_of(req_id: str) -> int:
    return (
        int.from_bytes(
            hashlib.blake2b(req_id.encode("utf-8", "surrogatepass"), digest_size=2).digest(), "big"
        )
        % SHARDS
    )


def by_shard(ids: Iterable[str]) -> dict[int, list[str]]:
    """``ids`` grouped by their shard (each group in the order given)."""
    groups: dict[int, list[str]] = {}
    for req_id in ids:
        groups.setdefault(shard_of(req_id), []).append(req_id)
    return groups


@dataclass
class Shard:
    """One file's pages, as read (``kept``) and as this build leaves them (``pages``)."""

    number: int
    stamps: dict[str, str]
    kept: dict[str, Entry]
    pages: dict[str, Entry] = field(default_factory=dict)


def _strings(value: object) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def _entry(value: object) -> Entry | None:
    """A kept page checked field by field (None: not one of ours)."""
    if not (isinstance(value, list) and len(value) == 5):
        return None
    found, deps, panels, body, spliced = value
    deps = _strings(deps)
    if not isinstance(found, str) or deps is None or not isinstance(body, str):
        return None
    if not (_texts(panels) and _texts(spliced)) or foreign(body):
        return None
    return (found, deps, panels), body, spliced


def _texts(value: object) -> TypeGuard[dict[str, str]]:
    """Whether ``value`` is a mapping of strings to strings."""
    if not isinstance(value, dict):
        return False
    return all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


class PageCache:
    """The bodies of one project's requirement pages (``folder``: the user cache folder)."""

    def __init__(self, srcdir: Path, folder: Path | None = None) -> None:
        self.where = str(srcdir.resolve())
        self.folder = folder if folder is not None else user_cache_folder()

    def _key(self, number: int) -> str:
        return digest([FORMAT, self.where, str(number)])

    def load(self, number: int) -> Shard:
        data = read_regular_entry(KIND, self._key(number), self.folder)
        kept: dict[str, Entry] = {}
        stamps: dict[str, str] = {}
        if isinstance(data, dict) and data.get("format") == FORMAT:
            pages, found = data.get("pages"), data.get("stamps")
            if isinstance(found, dict) and all(isinstance(v, str) for v in found.values()):
                stamps = {str(k): v for k, v in found.items()}
            if isinstance(pages, dict):
                for req_id, value in pages.items():
                    entry = _entry(value)
                    if entry is not None:
                        kept[str(req_id)] = entry
        return Shard(number, stamps, kept)

    def save(self, shard: Shard, stamps: Mapping[str, str]) -> None:
        """The shard's pages of this build, written when they differ from those read."""
        if shard.pages == shard.kept and dict(stamps) == shard.stamps:
            return
        pages = {k: [*record, body, spliced] for k, (record, body, spliced) in shard.pages.items()}
        write_entry(
            KIND,
            self._key(shard.number),
            {"format": FORMAT, "stamps": dict(stamps), "pages": pages},
            self.folder,
        )
