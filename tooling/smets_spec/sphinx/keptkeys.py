"""Need keys kept between builds: nothing hashed again that cannot have changed.

Every incremental build needs every need's key (:mod:`~..corpus.needkeys`) to find what changed;
hashing all of them costs about 0.4 s at 10,000 requirements. The keys are kept in Sphinx's
environment with the corpus's stamp and each source file's digest. A build whose corpus has the
kept stamp (the same code, the same files with the same bytes, the same names) takes them as they
are and finds no change; otherwise a need whose file's digest is the kept one, and whose kept key
names that file, keeps its key: a need's record, location and field lines come from the file that
holds it alone (the loader's first occurrence of an id wins, and a file's needs are read from its
own bytes). The file digests are the loader's (:attr:`~..corpus.load.Corpus.file_digests`), taken
from the very bytes the corpus was read from, so a file saved while the build loaded is never
mistaken: the keys are kept with the digest of what they were computed from, and the next build
reads the saved bytes, whose digest differs. Nothing is read again here.

``tests/test_kept_keys.py`` compares the keys so obtained with the keys computed from scratch after
seeded random edits of every kind.
"""

from __future__ import annotations

import functools
import hashlib
import weakref

from ..corpus.load import Corpus
from ..corpus.needkeys import NeedKey, keys_of, need_key
from ..trace.graph import per_corpus
from .rendercache import context_digest

#: index of the file in a key (see :func:`~..corpus.needkeys.need_key`)
_FILE = 5


@functools.cache
def keys_version() -> str:
    """This package's code and libraries: keys kept by another version are not compared."""
    return context_digest(("page-index", "1"))


@per_corpus
def corpus_stamp(corpus: Corpus) -> str | None:
    """What everything computed from ``corpus`` is a function of, besides this package's code: the
    files it was read from (names and bytes, :attr:`~..corpus.load.Corpus.digest`) and the folder
    its locations are named from. Equal stamps (with equal code): equal corpora. None: unknown."""
    if corpus.digest is None:
        return None
    files = sorted({where.file for where in corpus.locations.values()})
    return hashlib.sha1("\0".join([keys_version(), corpus.digest, *files]).encode()).hexdigest()


def file_digests(corpus: Corpus) -> dict[str, str] | None:
    """A digest of each file the corpus was read from (its bytes as the loader read them), by its
    name below the spec folder; None when the corpus was not read from a spec folder."""
    if corpus.source is None or corpus.digest is None:
        return None
    return corpus.file_digests


#: What a build keeps: (code version, keys, corpus stamp, file digests).
Kept = tuple[str, dict[str, NeedKey], str | None, dict[str, str] | None]


def kept_from(value: object) -> Kept | None:
    """``value`` as kept by this version of the package (None: absent, older shape, other code)."""
    if not isinstance(value, tuple) or len(value) != 4 or value[0] != keys_version():
        return None
    return value


def keep(corpus: Corpus, keys: dict[str, NeedKey]) -> Kept:
    return (keys_version(), keys, corpus_stamp(corpus), file_digests(corpus))


def keys_reusing(corpus: Corpus, kept: Kept | None) -> dict[str, NeedKey]:
    """Every need's key, in the corpus's order (equal to :func:`~..corpus.needkeys.keys_of`), taking
    the kept ones that cannot have changed (see the module's doc)."""
    if kept is None:
        return keys_of(corpus)
    stamp = corpus_stamp(corpus)
    if stamp is not None and kept[2] == stamp:
        return kept[1]
    files, old_files = file_digests(corpus), kept[3]
    if files is None or old_files is None:
        return keys_of(corpus)
    same = {name for name, value in files.items() if old_files.get(name) == value}
    old = kept[1]
    out: dict[str, NeedKey] = {}
    for need_id, need in corpus.needs.items():
        key = old.get(need_id)
        where = corpus.locations.get(need_id)
        if key is None or where is None or where.file not in same or key[_FILE] != where.file:
            key = need_key(corpus, need)
        out[need_id] = key
    return out


#: what the last build kept, offered to :func:`keys_for` for one corpus (see ``fingerprints._outdated``)
_OFFERED: list[tuple[weakref.ref[Corpus], Kept]] = []


def offer(corpus: Corpus, kept: Kept | None) -> None:
    _OFFERED[:] = [(weakref.ref(corpus), kept)] if kept is not None else []


@per_corpus
def keys_for(corpus: Corpus) -> dict[str, NeedKey]:
    """Every need's key (:func:`~..corpus.needkeys.keys_of`), computed once per corpus (the index
    of the requirement pages uses them too), reusing what the last build kept when offered."""
    kept = None
    if _OFFERED:
        ref, offered = _OFFERED.pop()
        kept = offered if ref() is corpus else None
    return keys_reusing(corpus, kept)
