"""The requirement pages' records gathered as JSON text, and their index written piece by piece.

Each page drawn leaves a record of what it was drawn from (:data:`.reqindex.Record`), and the
index of all of them is saved as one JSON file (:func:`.reqindex.save`). At 10,000 requirements
the records, as Python objects (a tuple, a list of about twenty ids and a dict of panel digests
each), are about 20 MB; gathered from the forked writers whole through a pipe (the pickled bytes,
then the objects) and then encoded as one JSON string, they were the peak of the main process at
``build-finished`` (+37 MB over the rest of the build).

Here a record travels and waits as the text it takes in the index instead: each writer encodes
its records (:func:`encode`, one short string each, exactly what ``json.dumps`` writes for that
entry of the index) and sends them in batches of :data:`BATCH`; the main process keeps one string
per page and writes the index from them in corpus order (:func:`save`), one entry at a time. The
file is the same, byte for byte, as :func:`.reqindex.save` writes (``tests/test_reqrecords.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from multiprocessing.connection import Connection
from pathlib import Path

from ..corpus.files import atomic_path
from . import reqindex

#: records sent through the pipe at once by a writer (a batch of text is about 500 bytes a page)
BATCH = 500
_SEPARATORS = (",", ":")  # as reqindex.save
_ENCODER = json.JSONEncoder(separators=_SEPARATORS)  # json.dumps makes one per call with options
_END = None  # what a writer sends after its last batch


def encode(req_id: str, record: reqindex.Record) -> str:
    """The entry of ``req_id`` in the index's ``pages`` object, as :func:`json.dumps` writes it there."""
    return f"{_ENCODER.encode(req_id)}:{_ENCODER.encode(list(record))}"


def encoded(records: Mapping[str, reqindex.Record]) -> dict[str, str]:
    """Every record of ``records`` as its entry's text (:func:`encode`)."""
    return {req_id: encode(req_id, record) for req_id, record in records.items()}


def send(conn: Connection, entries: Iterable[tuple[str, str]]) -> None:
    """Send ``entries`` (id, entry text) in batches of :data:`BATCH`, then the end mark."""
    batch: list[tuple[str, str]] = []
    for entry in entries:
        batch.append(entry)
        if len(batch) >= BATCH:
            conn.send(batch)
            batch = []
    if batch:
        conn.send(batch)
    conn.send(_END)


def receive(conn: Connection, into: dict[str, str]) -> None:
    """Receive what :func:`send` sent into ``into``, batch by batch (EOFError: the writer ended first)."""
    while True:
        batch = conn.recv()
        if batch is _END:
            return
        into.update(batch)


def save(
    outdir: Path,
    glob: str,
    order: Iterable[str],
    entries: Mapping[str, str],
    stamps: Mapping[str, str],
    target: Path | None = None,
) -> None:
    """The index as :func:`.reqindex.save` writes it for the records of ``entries`` (their text) in
    the order of the ids of ``order`` (an id with no entry is left out), written entry by entry
    (to ``target`` instead of the index's place in ``outdir`` when given)."""
    head = {"version": reqindex._version(), "global": glob, "stamps": dict(stamps)}
    target = target or outdir / reqindex.INDEX
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target, durable=False) as tmp, tmp.open("w", encoding="utf-8") as out:
        out.write(_ENCODER.encode(head)[:-1])
        out.write(',"pages":{')
        for n, text in enumerate(_present(order, entries)):
            out.write("," + text if n else text)
        out.write("}}")


def _present(order: Iterable[str], entries: Mapping[str, str]) -> Iterator[str]:
    for req_id in order:
        text = entries.get(req_id)
        if text is not None:
            yield text
