"""needs.json written again only for the needs whose data changed; the same bytes as sphinx-needs.

sphinx-needs 9.1 writes needs.json at every build (``NeedsBuilder.finish``): one dict per need
from its ~150 fields (``NeedsList.add_need``), then ``json.dumps`` of the whole, sorted: 2.8 s of
CPU at 10,000 requirements (18,500 needs, 61 MB), of which building the dicts is two thirds.

:func:`finish` does the same steps, but takes each need's JSON value from the last needs.json
when the need's data is what it was. Why the result is sphinx-needs' own, byte for byte:

* ``json.dumps(data, sort_keys=True)`` writes a dict as ``{`` + the ``"key": value`` pairs sorted
  by key, joined by ``, `` + ``}``, each value written alone with the same settings. So the file
  is the envelope (written by ``NeedsList`` itself, the version's needs stood in for by a marker)
  with the needs' values, each ``json.dumps(value, sort_keys=True)``, spliced in id order.
* A need's value is a function of what ``add_need`` reads of it (``NeedItem.items`` and
  ``iter_links_items``: the core, extra, source, content and computed fields, each link's id,
  part, condition and filter string, the back links) and of the settings (excluded fields, link
  conditions, defaults removed). :func:`fingerprint` is a digest of exactly those, marshalled
  (``marshal`` writes values type for type, ``True`` is not ``1``, and refuses every other type,
  subclasses of str included: such a need is simply serialised again); the settings' digest is
  in the index header. Equal digests, equal values.
* The last file's values are taken only from a needs.json whose index verifies
  (:mod:`.needs_index`); otherwise, and on a first build, every need is serialised.
* When the result is that file byte for byte (a build that changed no need), it is not written
  again (:func:`.needs_index.write` compares before it writes).
* A need :mod:`.needs_reuse` vouches for is not fingerprinted at all: when the last file's index
  names the token of the environment this build loaded (the needs the last build post-processed
  and wrote), a need outside :attr:`.needs_reuse.Unchanged.suspects` (the needs of the documents
  read or removed, those they link to now or linked to before, those whose dead links changed) is
  post-processed into what it was then, so its fingerprint is the recorded one and its value the
  recorded value (about 0.4 s of CPU at 10,000 requirements). ``SMETS_NEEDS_JSON_TRUST=off``
  fingerprints every need.
* In that build (of an edit), the file is written by a forked copy of the build's process while
  the build goes on, and waited for at the end of ``build-finished`` (:func:`_beside`,
  :func:`settle`): the same code on the same needs, so the same file; a copy that fails is
  followed by the build's own write. ``SMETS_NEEDS_JSON_BESIDE=off`` writes it in the build.
  In a parallel build the copy starts as the HTML builder's finish begins, in any build
  (:mod:`.needs_early`, ``SMETS_NEEDS_JSON_EARLY``).
* A need serialised here has its value made by :mod:`.needs_quickjson` (the dict ``add_need``
  stores, made in one pass; ``SMETS_QUICK_NEED_JSON=off``: ``add_need``).

The fingerprint reads sphinx-needs' private fields, so it is used only with the release in
:data:`.needs_release.RELEASE`; any other, a ``needs_file`` (other versions merged in) or anything unexpected
takes sphinx-needs' own steps. ``tests/test_needs_json_splice.py`` compares the file with
sphinx-needs' own after seeded random edits of every kind.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import secrets
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Any

from ..corpus.cachedir import switched_off
from . import needs_index, needs_quickjson, needs_release, needs_reuse
from .state import builder_app

#: the attribute of Sphinx's environment that holds the key of the index's MAC
KEY = "smets_needs_json_key"
_MARSHAL = 2  # no references and no interned-string flags: the bytes depend on the values alone
_LINK = attrgetter("id", "part", "condition", "_filter_string")

#: sphinx-needs' own NeedsBuilder.finish, taken when this one cannot be used
ORIGINAL_FINISH: list[Any] = []


@dataclass(frozen=True)
class Outcome:
    """What the last :func:`finish` did: ``spliced`` (some values kept), ``full`` (every need
    serialised here) or ``sphinx-needs`` (sphinx-needs' own steps), and why nothing was kept."""

    mode: str
    reused: int
    serialised: int
    reason: str = ""
    #: False when the file would have been the last one byte for byte and was left as it was
    written: bool = True
    #: needs fingerprinted (the others were vouched for by :mod:`.needs_reuse`)
    fingerprinted: int = 0


#: the outcome of the last :func:`finish` of this process (for the tests and the benchmark)
LAST: list[Outcome] = []


def keep_key(app: Any, env: Any, docnames: list[str]) -> None:
    """``env-before-read-docs``: give the environment the index's key, once (it is pickled with it)."""
    if not isinstance(getattr(env, KEY, None), bytes):
        setattr(env, KEY, secrets.token_bytes(32))


def fingerprint(need: Any, item_type: Any, link_type: Any) -> bytes | None:
    """Digest of everything ``NeedsList.add_need`` reads of ``need``; None when it cannot be
    taken type for type (the need is then serialised)."""
    if type(need) is not item_type:
        return None
    try:
        links, back = need._links, need._backlinks
        out, into = list(chain.from_iterable(links.values())), list(chain.from_iterable(back.values()))
        if not set(map(type, out)).union(map(type, into)) <= {link_type}:
            return None
        raw = marshal.dumps(
            (
                need._core,
                need._extras,
                need._source.dict_repr,
                need._content.dict_repr,
                need._computed,
                need._backlinks_keymap,
                list(links),
                list(map(len, links.values())),
                list(map(_LINK, out)),
                list(back),
                list(map(len, back.values())),
                list(map(_LINK, into)),
            ),
            _MARSHAL,
        )
    except (AttributeError, TypeError, ValueError):
        return None
    return hashlib.blake2b(raw, digest_size=16).digest()


def settings_digest(needs_config: Any, needs_list: Any) -> bytes | None:
    """Digest of every setting a need's JSON value depends on, besides the need."""
    import sphinx_needs

    remove = bool(needs_config.json_remove_defaults)
    try:
        raw = marshal.dumps(
            (
                1,
                sphinx_needs.__version__,
                list(sys.version_info[:2]),
                sorted(needs_config.json_exclude_fields),
                bool(needs_config.json_include_link_conditions),
                remove,
                needs_list._need_defaults if remove else None,
            ),
            _MARSHAL,
        )
    except (TypeError, ValueError):
        return None
    return hashlib.sha256(raw).digest()


def _unusable(env: Any, needs_config: Any) -> str:
    import sphinx_needs

    if not needs_release.matches():
        return f"sphinx-needs {sphinx_needs.__version__} is not a version this writer was tested with"
    if needs_config.file:
        return "needs_file is set (the versions of another file are merged in)"
    return ""


#: the environment whose needs.json a copy started early is writing (:mod:`.needs_early`)
EARLY: list[Any] = []


def finish(builder: Any) -> None:
    """``NeedsBuilder.finish`` of sphinx-needs 9.1, keeping unchanged needs' JSON (module docstring);
    nothing when a copy started as the HTML builder's finish began writes it (:mod:`.needs_early`)."""
    if EARLY and EARLY[0] is builder.env:
        EARLY.clear()  # :func:`settle` joins the copy, as one started here
        return
    job = job_of(builder)
    if job is not None and not _beside(job):
        _write_here(job)


def job_of(builder: Any) -> _Job | None:
    """What :func:`finish` writes needs.json from; None when sphinx-needs' own steps wrote it."""
    from sphinx_needs.builder import LOGGER
    from sphinx_needs.config import NeedsSphinxConfig
    from sphinx_needs.data import SphinxNeedsData
    from sphinx_needs.filter_common import filter_needs_view

    env = builder.env
    needs_config = NeedsSphinxConfig(env.config)
    why = _unusable(env, needs_config)
    if why:
        LAST[:] = [Outcome("sphinx-needs", 0, 0, why)]
        ORIGINAL_FINISH[0](builder)
        return None
    if Path(builder.srcdir, "needs.json").exists():
        LOGGER.info("needs.json found, but will not be used because needs_file not configured.")
    version = getattr(env.config, "version", "unset")
    filtered = filter_needs_view(
        SphinxNeedsData(env).get_needs_view(),
        needs_config,
        needs_config.builder_filter,
        append_warning="(from need_builder_filter)",
    )
    app = builder_app(builder)
    unchanged = needs_reuse.unchanged_for(app)
    return _Job(builder, env, needs_config, version, filtered, unchanged)


@dataclass(frozen=True)
class _Job:
    """What :func:`finish` writes needs.json from (here, or in a forked copy: :func:`_beside`)."""

    builder: Any
    env: Any
    needs_config: Any
    version: str
    filtered: list[Any]
    unchanged: needs_reuse.Unchanged | None

    def splice(self) -> Outcome:
        from sphinx_needs.needsfile import NeedsList

        builder = self.builder
        needs_list = NeedsList(self.env, builder.outdir, builder.srcdir)
        needs_list.wipe_version(self.version)
        out = Path(builder.outdir)
        return splice(
            out, self.env, self.needs_config, needs_list, self.version, self.filtered, self.unchanged
        )


def _write_here(job: _Job) -> None:
    """needs.json written by this process, as :func:`finish` always did: spliced, or on any error
    by sphinx-needs' own ``NeedsList``."""
    from sphinx_needs.builder import LOGGER
    from sphinx_needs.needsfile import NeedsList

    builder, env, version = job.builder, job.env, job.version
    try:
        LAST[:] = [job.splice()]
    except Exception as error:
        LAST[:] = [Outcome("sphinx-needs", 0, 0, f"{type(error).__name__}: {error}")]
        needs_list = NeedsList(env, builder.outdir, builder.srcdir)
        needs_list.wipe_version(version)
        for need in job.filtered:
            needs_list.add_need(version, need)
        try:
            needs_list.write_json()
        except Exception as failure:
            LOGGER.error(f"Error during writing json file: {failure}")
            return
    LOGGER.info("Needs successfully exported")


#: ``SMETS_NEEDS_JSON_BESIDE=off``: needs.json written by the build's own process, before it goes on
BESIDE = "SMETS_NEEDS_JSON_BESIDE"
#: the forked copy writing needs.json, the end of the pipe its outcome comes by, and its job
_PENDING: list[tuple[Any, Any, _Job]] = []


def _beside(job: _Job, any_build: bool = False) -> bool:
    """needs.json written by a forked copy of this process while the build goes on (at
    ``build-finished``: the search index, the requirement pages' records...), joined by
    :func:`settle` at the end of ``build-finished``; True when the copy was started.

    Only where :func:`settle` listens to this build's ``build-finished``, and (unless
    ``any_build``: :mod:`.needs_early`) only in the build
    of an edit whose needs :mod:`.needs_reuse` vouched for (where nearly every
    value is the last file's: about 0.45 s of CPU at 10,000 requirements, of which hashing and
    writing the 61 MB are most). The copy runs :func:`splice` on what this process holds at the
    fork, which nothing changes after sphinx-needs' post-processing, so the file is the one this
    process would have written; a copy that fails or ends without an outcome is followed by
    :func:`_write_here` in this process, which writes the file as before (needs.json and its index
    are each written atomically: a broken copy leaves the last file or its own, never a part)."""
    from .. import forking
    from .beside import waits_at_finish

    unchanged = job.unchanged
    vouched = unchanged is not None and unchanged.suspects is not None
    if not (vouched or any_build) or switched_off(BESIDE):
        return False
    if not forking.may_fork():
        return False
    app = builder_app(job.builder)
    if not waits_at_finish(app, settle):
        return False  # nothing would wait for the copy before the build ends
    settle()
    started = forking.start_piped(_in_copy, (job,), "smets-needs-json")
    if started is None:
        return False
    _PENDING.append((*started, job))
    return True


def _in_copy(job: _Job, send: Any) -> None:
    """In the forked copy: the file written, its outcome sent back (or why it was not)."""
    try:
        outcome = job.splice()
    except Exception as error:
        send.send_bytes(json.dumps({"error": f"{type(error).__name__}: {error}"}).encode("utf-8"))
        return
    send.send_bytes(json.dumps({"outcome": asdict(outcome)}).encode("utf-8"))


def settle(app: Any = None, exception: BaseException | None = None) -> None:
    """``build-finished``, last: wait for the copy writing needs.json; its outcome is this build's
    (:data:`LAST`); if it failed, needs.json is written here (:func:`_write_here`)."""
    from sphinx_needs.builder import LOGGER

    from .. import forking

    while _PENDING:
        child, receive, job = _PENDING.pop()
        message = forking.received_json(child, receive)
        outcome = message.get("outcome") if isinstance(message, dict) else None
        if isinstance(outcome, dict):
            LAST[:] = [Outcome(**outcome)]
            LOGGER.info("Needs successfully exported")
        else:
            _write_here(job)


def splice(
    out: Path,
    env: Any,
    needs_config: Any,
    needs_list: Any,
    version: str,
    needs: Iterable[Any],
    unchanged: needs_reuse.Unchanged | None = None,
) -> Outcome:
    """Write ``out/needs.json`` with ``needs`` (``needs_list`` is a fresh ``NeedsList``), each need's
    value kept from the last file where its fingerprint is unchanged, and its index; the needs
    ``unchanged`` vouches for are not fingerprinted (module docstring).

    The file is written need by need, in id order, as each value is made: no need's JSON is
    held beyond its own (at 10,000 requirements, 61 MB that the main process held at once)."""
    settings = settings_digest(needs_config, needs_list)
    key = getattr(env, KEY, None)
    key = key if isinstance(key, bytes) and settings is not None else None
    name = "needs.json"
    last, why = needs_index.load_last(out, name, key, settings or b"")
    kept = {} if last is None else last.kept
    by_id = {need["id"]: need for need in needs}  # a later need of the same id wins, as in sphinx-needs
    records: list[tuple[bytes, int, int]] = []
    ids: list[str] = []
    counts = [0, 0, 0]  # kept, serialised, fingerprinted
    trusted = _trusted(last, unchanged)
    pieces = _pieces(needs_list, version, by_id, kept, trusted, (records, ids), counts)
    token = _token(None if unchanged is None else unchanged.token)
    written = needs_index.write(out, name, pieces, records, key, settings or b"", last, token, ids)
    reused, serialised, fingerprinted = counts
    reason = "" if reused else why
    return Outcome("spliced" if reused else "full", reused, serialised, reason, written, fingerprinted)


#: the last file's digest and value of each need vouched for, by id (the others are not in it)
_Trusted = tuple[dict[str, tuple[bytes, memoryview]], frozenset[str]]


def _trusted(last: needs_index.Last | None, unchanged: needs_reuse.Unchanged | None) -> _Trusted | None:
    """The last file's needs this build may take by id, and the suspects that it may not: when
    the last file was written from the environment this build loaded (module docstring)."""
    if last is None or unchanged is None or unchanged.suspects is None or not last.by_id:
        return None
    if switched_off("SMETS_NEEDS_JSON_TRUST"):
        return None
    if last.token == needs_index.NO_TOKEN or last.token != _token(unchanged.old_token):
        return None
    return last.by_id, unchanged.suspects


def _token(token: str | None) -> bytes:
    """What the index keeps of the environment's token: with this package's code and libraries
    (the post-processing that made the values is theirs; other code vouches for nothing)."""
    if token is None:
        return needs_index.NO_TOKEN
    from .rendercache import context_digest

    return bytes.fromhex(context_digest(("needs.json token", token)))


def _value(
    needs_list: Any,
    version: str,
    need: Any,
    kept: dict[bytes, memoryview],
    trusted: _Trusted | None,
    counts: list[int],
    quick: needs_quickjson.Maker | None = None,
) -> tuple[bytes | None, needs_index.Piece]:
    """A need's digest and JSON value: the last file's where the need is vouched for or its digest
    is there, else made here (by ``quick``'s maker when there is one, :mod:`.needs_quickjson`)."""
    from sphinx_needs.need_item import NeedItem, NeedLink

    if trusted is not None and need["id"] not in trusted[1]:
        taken = trusted[0].get(need["id"])
        if taken is not None:
            counts[0] += 1
            return taken
    counts[2] += 1
    digest = fingerprint(need, NeedItem, NeedLink)
    value: needs_index.Piece | None = kept.get(digest) if digest is not None else None
    if value is not None:
        counts[0] += 1
        return digest, value
    counts[1] += 1
    if quick is not None and digest is not None:  # (a digest: the need's types were checked)
        return digest, needs_quickjson.ENCODE(quick(need)).encode("ascii")
    needs_list.add_need(version, need)
    fresh = needs_list.needs_list["versions"][version]["needs"].pop(need["id"])
    return digest, json.dumps(fresh, sort_keys=True).encode("ascii")


def _pieces(
    needs_list: Any,
    version: str,
    by_id: dict[str, Any],
    kept: dict[bytes, memoryview],
    trusted: _Trusted | None,
    index: tuple[list[tuple[bytes, int, int]], list[str]],
    counts: list[int],
) -> Iterator[needs_index.Piece]:
    """The pieces of the file, each need's value made as it is reached; ``index`` gets where each
    fingerprinted need's value lies in the file, and its id (complete once every piece is taken)."""
    records, record_ids = index
    ids = sorted(by_id)
    if not all(isinstance(need_id, str) for need_id in ids):
        raise TypeError("a need id is not a string")
    head, tail = _envelope(needs_list, version, len(ids))
    quick = needs_quickjson.maker(needs_list)
    yield head
    yield b"{"
    at = len(head) + 1
    for number, need_id in enumerate(ids):
        digest, value = _value(needs_list, version, by_id[need_id], kept, trusted, counts, quick)
        key = ((", " if number else "") + json.dumps(need_id) + ": ").encode("ascii")
        yield key
        yield value
        at += len(key)
        if digest is not None:
            records.append((digest, at, at + len(value)))
            record_ids.append(need_id)
        at += len(value)
    yield b"}"
    yield tail


def _envelope(needs_list: Any, version: str, amount: int) -> tuple[bytes, bytes]:
    """The file around the needs' values: what comes before the version's ``needs`` and after it."""
    needs_list.update_or_add_version(version)
    marker = f"smets-needs-{secrets.token_hex(16)}"
    entry = needs_list.needs_list["versions"][version]
    entry["needs"] = marker
    entry["needs_amount"] = amount
    needs_list._finalise()
    envelope = json.dumps(needs_list.needs_list, sort_keys=True)
    quoted = json.dumps(marker)
    if envelope.count(quoted) != 1:
        raise ValueError("the needs' place in the envelope is not unique")
    head, tail = envelope.split(quoted)
    entry["needs"] = {}
    return head.encode("ascii"), tail.encode("ascii")
