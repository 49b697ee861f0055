"""The requirement pages' records gathered as text (reqrecords): the same index as reqindex.save writes.

Seeded random records (ids, dependency lists, panel digests, with characters JSON escapes) are
saved both ways and compared byte for byte; sent through a real pipe from a forked process in
batches, they arrive whole; and the memory the gathered text takes is measured against the records.
"""

from __future__ import annotations

import multiprocessing
import random
import string
import tracemalloc
from pathlib import Path

import pytest

from smets_spec.sphinx import reqindex, reqrecords

_CHARS = string.ascii_letters + string.digits + '_."\\/é€\u2028<>&\n'


def _word(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(_CHARS) for _ in range(rng.randint(1, size)))


def _records(rng: random.Random, count: int) -> dict[str, reqindex.Record]:
    records: dict[str, reqindex.Record] = {}
    for n in range(count):
        deps = sorted({_word(rng, 12) for _ in range(rng.randint(0, 25))})
        panels = {_word(rng, 8): f"{rng.getrandbits(128):032x}" for _ in range(rng.randint(0, 6))}
        records[f"{_word(rng, 6)}_{n}"] = (f"{rng.getrandbits(128):032x}", deps, panels)
    return records


def _order(rng: random.Random, records: dict[str, reqindex.Record]) -> list[str]:
    """The corpus order: the records' ids shuffled, with ids that have no record among them."""
    ids = [*records, *(f"missing_{n}" for n in range(rng.randint(0, 5)))]
    rng.shuffle(ids)
    return ids


@pytest.mark.parametrize("seed", range(25))
def test_the_index_written_from_text_is_the_index_of_the_records(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    records = _records(rng, rng.choice([0, 1, 2, rng.randint(3, 400)]))
    order = _order(rng, records)
    stamps = {_word(rng, 10): _word(rng, 40) for _ in range(rng.randint(0, 3))}
    glob = _word(rng, 32)
    plain, text = tmp_path / "plain", tmp_path / "text"
    reqindex.save(plain, glob, {i: records[i] for i in order if i in records}, stamps)
    shuffled = list(reqrecords.encoded(records).items())
    rng.shuffle(shuffled)  # the writers' text arrives in any order
    reqrecords.save(text, glob, order, dict(shuffled), stamps)
    written = (text / reqindex.INDEX).read_bytes()
    assert written == (plain / reqindex.INDEX).read_bytes()
    loaded = reqindex.load(text, glob)
    assert loaded is not None
    assert loaded.records == {i: (r[0], r[1], r[2]) for i, r in records.items()}
    assert loaded.stamps == stamps


def _sender(conn: multiprocessing.connection.Connection, seed: int, count: int) -> None:
    records = _records(random.Random(seed), count)
    reqrecords.send(conn, reqrecords.encoded(records).items())
    conn.close()


@pytest.mark.parametrize(
    ("seed", "count"), [(1, 0), (2, 1), (3, reqrecords.BATCH), (4, 3 * reqrecords.BATCH + 7)]
)
def test_records_sent_in_batches_from_a_forked_writer_arrive_whole(seed: int, count: int) -> None:
    context = multiprocessing.get_context("fork")
    reader, sender = context.Pipe(duplex=False)
    writer = context.Process(target=_sender, args=(sender, seed, count))
    writer.start()
    sender.close()
    got: dict[str, str] = {}
    reqrecords.receive(reader, got)
    writer.join()
    assert writer.exitcode == 0
    assert got == reqrecords.encoded(_records(random.Random(seed), count))


def test_a_writer_that_ends_early_is_noticed() -> None:
    context = multiprocessing.get_context("fork")
    reader, sender = context.Pipe(duplex=False)
    sender.send([("A_1", '"A_1":[]')])
    sender.close()  # no end mark: the writer died
    got: dict[str, str] = {}
    with pytest.raises(EOFError):
        reqrecords.receive(reader, got)
    assert got == {"A_1": '"A_1":[]'}


def test_the_text_takes_far_less_memory_than_the_records() -> None:
    """What the main process keeps per page: one string, not a tuple, a list of ids and a dict."""
    rng = random.Random(7)
    shaped = {
        f"REQ_{n:05}": (
            f"{rng.getrandbits(128):032x}",
            sorted(f"DEP_{rng.randint(0, 99999):05}" for _ in range(20)),
            {name: f"{rng.getrandbits(128):032x}" for name in ("a", "duplicates", "consultation", "history")},
        )
        for n in range(2000)
    }
    blob = reqrecords.encoded(shaped)
    tracemalloc.start()
    try:
        as_records = {k: (v[0], list(v[1]), dict(v[2])) for k, v in _copy(shaped).items()}
        records_size = tracemalloc.get_traced_memory()[0]
        del as_records
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        as_text = {k: "".join(v) for k, v in blob.items()}  # fresh strings
        text_size = tracemalloc.get_traced_memory()[0] - before
        del as_text
    finally:
        tracemalloc.stop()
    assert text_size < 0.5 * records_size, (text_size, records_size)


def _copy(records: dict[str, reqindex.Record]) -> dict[str, reqindex.Record]:
    """Records whose strings are fresh objects (as unpickled from a writer's pipe)."""
    return {
        "".join(k): ("".join(d), ["".join(x) for x in deps], {"".join(a): "".join(b) for a, b in p.items()})
        for k, (d, deps, p) in records.items()
    }
