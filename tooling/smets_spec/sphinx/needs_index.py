"""The record beside needs.json that lets the next build keep each unchanged need's JSON text.

``OUT/.smets/needs.json.index`` holds a header (the digest of the serialisation settings, the
size of needs.json, the number of records), one record per need (the digest of the need's data
as sphinx-needs serialises it, and where the need's JSON value starts and ends in needs.json),
the digest of the token of the environment the needs came from (:mod:`.needs_reuse`) and each
record's need id (a JSON list), and a MAC: keyed BLAKE2b over needs.json and the rest of the
index. The key is a random secret kept in Sphinx's pickled environment (which Sphinx loads as
code anyway: whoever can write that file runs code in the build), so a needs.json or an index
that is planted, edited, truncated or left by another build never verifies, and nothing of it
reaches the new needs.json. Files are opened without following a symlink and only when regular
(a FIFO or a device in the output folder cannot block the build). Anything unexpected means:
nothing is kept, every need is serialised again.

A build whose needs.json would be the last one byte for byte (nothing changed) leaves it, and its
index, as they are: :func:`write` compares each piece with the verified last file before writing
anything, and starts the new file only at the first difference.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from ..corpus.files import atomic_path, read_regular, write_atomic

MAGIC = b"smets needs.json index 2\n"
INDEX = Path(".smets", "needs.json.index")
#: digest of the serialisation settings, size of needs.json, number of records
_HEAD = struct.Struct("<32sQQ")
#: digest of one need's data, start and end of its JSON value in needs.json
RECORD = struct.Struct("<16sQQ")
_MAC_SIZE = 32
#: the digest of the token of the environment the needs were post-processed from
TOKEN_SIZE = 32
NO_TOKEN = bytes(TOKEN_SIZE)
_LARGEST = 1 << 36  # 64 GiB: no needs.json this build wrote

Piece = bytes | memoryview


def new_mac(key: bytes) -> hashlib.blake2b:
    return hashlib.blake2b(key=key, digest_size=_MAC_SIZE)


@dataclass(frozen=True)
class Last:
    """The last needs.json and its index, verified: each need's value by the digest of its data,
    the file's bytes and the index's body (what :func:`write` compares the new ones with)."""

    kept: dict[bytes, memoryview]
    data: memoryview
    body: bytes
    #: the digest of the environment's token and the code (:data:`NO_TOKEN`: none)
    token: bytes = NO_TOKEN
    #: each recorded need's digest and value, by its id
    by_id: dict[str, tuple[bytes, memoryview]] | None = None


def load(
    out: Path, needs_file: str, key: bytes | None, settings: bytes
) -> tuple[dict[bytes, memoryview], str]:
    """The JSON value of each need of the last needs.json by the digest of its data, once the
    index verifies; otherwise nothing, and why."""
    last, why = load_last(out, needs_file, key, settings)
    return ({} if last is None else last.kept), why


def load_last(out: Path, needs_file: str, key: bytes | None, settings: bytes) -> tuple[Last | None, str]:
    """The last needs.json and its index once the index verifies (:class:`Last`); else None, and why."""
    if key is None:
        return None, "no key in the environment (a first build)"
    index = read_regular(out / INDEX, 1 << 32)
    if index is None:
        return None, f"no {INDEX.as_posix()}"
    data = read_regular(out / needs_file, _LARGEST)
    if data is None:
        return None, f"no {needs_file} to take needs from"
    body, mac = index[:-_MAC_SIZE], index[-_MAC_SIZE:]
    check = new_mac(key)
    check.update(data)
    check.update(body)
    if len(index) < len(MAGIC) + _HEAD.size + _MAC_SIZE or not hmac.compare_digest(check.digest(), mac):
        return None, f"{INDEX.as_posix()} is not the record of this {needs_file} (edited, replaced or broken)"
    if not body.startswith(MAGIC):
        return None, f"{INDEX.as_posix()} is of another format"
    digest, size, count = _HEAD.unpack_from(body, len(MAGIC))
    start_of = len(MAGIC) + _HEAD.size
    records = memoryview(body)[start_of : start_of + count * RECORD.size]
    token = bytes(body[start_of + count * RECORD.size :][:TOKEN_SIZE])
    ids = _ids(body[start_of + count * RECORD.size + TOKEN_SIZE :], count)
    if digest != settings:
        return None, "the serialisation settings changed"
    if size != len(data) or len(records) != count * RECORD.size or len(token) != TOKEN_SIZE or ids is None:
        return None, f"{INDEX.as_posix()} is of the wrong shape"
    view = memoryview(data)
    kept: dict[bytes, memoryview] = {}
    for need, start, end in RECORD.iter_unpack(records):
        if not start <= end <= size:
            return None, f"{INDEX.as_posix()} is of the wrong shape"
        kept[need] = view[start:end]
    pairs = zip(ids, RECORD.iter_unpack(records), strict=False)  # (no ids: none)
    by_id = {need_id: (need, kept[need]) for need_id, (need, _, _) in pairs}
    return Last(kept, view, body, token, by_id), ""


def _ids(raw: bytes, count: int) -> list[str] | None:
    """The records' need ids (a JSON list of ``count`` strings, or of none); None when not that."""
    try:
        ids = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(ids, list) or len(ids) not in (0, count) or not all(isinstance(i, str) for i in ids):
        return None
    return ids


def _index_body(
    settings: bytes, size: int, records: Sequence[tuple[bytes, int, int]], token: bytes, ids: Sequence[str]
) -> bytes:
    """The index but its MAC; ``ids``: each record's need id (or none at all)."""
    if ids and len(ids) != len(records):
        raise ValueError("not one need id per record")
    listed = json.dumps(list(ids)).encode("ascii")
    return b"".join(
        (MAGIC, _HEAD.pack(settings, size, len(records)), *(RECORD.pack(*r) for r in records), token, listed)
    )


def _after_the_same(old: memoryview, pieces: Iterator[Piece]) -> tuple[int, Piece | None]:
    """Take ``pieces`` while they are ``old`` from its start: how many bytes matched, and the first
    piece that did not (None: every piece matched)."""
    size = 0
    for piece in pieces:
        end = size + len(piece)
        if end > len(old) or old[size:end] != piece:
            return size, piece
        size = end
    return size, None


def write(
    out: Path,
    needs_file: str,
    pieces: Iterable[Piece],
    records: Sequence[tuple[bytes, int, int]],
    key: bytes | None,
    settings: bytes,
    last: Last | None = None,
    token: bytes = NO_TOKEN,
    ids: Sequence[str] = (),
) -> bool:
    """needs.json from ``pieces`` (atomically), then its index (without a key: no index, and an old
    one removed, so no build takes it for the record of this file). ``records`` is read once every
    piece is written: a generator of the pieces may fill it as it goes. With ``last`` (the verified
    last file, under this ``key``), a file that would be the same bytes is not written, nor an
    index that would be the same; True when needs.json was written. ``token``: the digest of the
    environment's token (:func:`.needs_splice._token`); ``ids``: each record's need id, read once every
    piece is written too (or none)."""
    stream = iter(pieces)
    same, first = (0, None) if last is None or key is None else _after_the_same(last.data, stream)
    if last is not None and key is not None and first is None and same == len(last.data):
        if _index_body(settings, same, records, token, ids) != last.body:  # the same file, other digests
            _write_index(out, settings, same, records, key, [last.data], None, token, ids)
        return False
    mac = new_mac(key) if key is not None else None
    size = 0
    with atomic_path(out / needs_file) as tmp, tmp.open("wb") as handle:
        head = [] if last is None or not same else [last.data[:same]]
        tail = [] if first is None else [first]
        for piece in chain(head, tail, stream):
            handle.write(piece)
            size += len(piece)
            if mac is not None:
                mac.update(piece)
    _write_index(out, settings, size, records, key, [], mac, token, ids)
    return True


def _write_index(
    out: Path,
    settings: bytes,
    size: int,
    records: Sequence[tuple[bytes, int, int]],
    key: bytes | None,
    data: Sequence[Piece],
    mac: hashlib.blake2b | None = None,
    token: bytes = NO_TOKEN,
    ids: Sequence[str] = (),
) -> None:
    """The index of a needs.json of ``size`` bytes (its MAC so far in ``mac``, else over ``data``)."""
    target = out / INDEX
    try:  # needs.json is written: an index that cannot be written only costs the next build time
        if key is None:
            target.unlink(missing_ok=True)
            return
        if mac is None:
            mac = new_mac(key)
            for piece in data:
                mac.update(piece)
        body = _index_body(settings, size, records, token, ids)
        mac.update(body)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, body + mac.digest(), durable=False)
    except OSError:
        with contextlib.suppress(OSError):
            target.unlink(missing_ok=True)
