"""The computed pages' texts kept in the user cache, so a full build with a warm cache takes them
instead of rendering them again (``SMETS_PAGE_TEXT_CACHE=off``, or ``SMETS_RENDER_CACHE=off``:
every text rendered).

A computed directive (:mod:`.fingerprints`) renders its reST text from the corpus. A text is kept
with the needs it mentions (the part of the read's note that costs: looking through a large table
for ids), under a key that hashes everything the text is a function of:

* the build's context (:func:`context`): this package's code and data files, the version of
  every installed distribution, the builder and its link suffixes, ``conf.py`` and the
  configuration given on the command line, the source and configuration folders, the documents
  found (the links' targets);
* what it reads outside the corpus (:data:`_OUTSIDE`): the conformance results for the
  conformance pages (the file's bytes, and why they cannot be used if so), the review file for
  the duplicates page;
* the directive as written: its name, its page and its arguments and options;
* what it declared it reads of the corpus (:data:`.fingerprints.DEPS`): for each declared
  :class:`~..corpus.needkeys.Facet`, the digest of those aspects of the needs of those types
  (ids, types and the corpus's order included); for a directive declared as reading the whole
  corpus, every need's whole key; and its stamp (:data:`.fingerprints.STAMPS`: the commits the
  version pages read, the assessment baseline);
* the needs its text mentions (a link shows the target's title and page): kept with the text, and
  checked on use against this corpus's keys (each one's type, title and file, or its absence).

Texts are used and kept by a full read only (``FULL_READ_FROM`` documents or more: a
build into an empty folder, or after a change of code or configuration), not by an edit's, whose
changed texts have new keys. Only the directives of :data:`CACHED` are kept: those whose every
input outside the corpus is known and in the key. Those that read files, history or the clock the
key cannot name (the gaps page, the change log and suspects, the cost model, the consultation
page) are rendered every time.

One JSON file per directive on a page (``<user cache>/page-texts/``, named by a hash of the
source folder, page, directive and arguments), replaced when its text is rendered again, so the
folder does not grow with edits. Nothing in it can run code: it is read with ``json.loads`` from
a regular file only (as :func:`~..corpus.usercache.read_regular_entry` does), checked field by field, and
an entry of another key, of the wrong shape, too large, or whose text holds markup the extension
never renders (a script, an event handler, a ``javascript:`` link:
:func:`.rendercache.foreign`, which the charts' SVG passes) is ignored and the text rendered again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from ..conformance import live
from ..corpus import usercache
from ..corpus.cachedir import switched_off
from ..corpus.files import file_stamp, read_regular
from ..corpus.load import Corpus
from ..corpus.needkeys import ASPECTS, LINK, Deps, Facet, NeedKey, covers_links
from ..corpus.usercache import digest, entry_path, package_digest, user_cache_folder, write_entry
from ..duplicates import early
from ..duplicates.page import suppression_file
from ..trace.gaps import POLICY_FILE
from . import rendercache
from .keptkeys import keys_for
from .rendercache import foreign_lowered

FORMAT = "smets-page-texts/1"
KIND = "page-texts"
#: a read of this many documents or more is a full read: it uses and keeps the texts
FULL_READ_FROM = 64
#: whether this build's read uses and keeps the texts (set as the read starts: ``fingerprints``)
FULL_READ = [False]
SWITCHES = early.PAGE_TEXT_SWITCHES

#: The computed directives whose texts are kept: each reads the corpus as declared, the
#: conformance results, the review file, git commits its stamp names, the package's code and
#: data, and nothing else. Not kept: the gaps page (its ``suspect-link`` rule reads the change
#: history since the last version tag from git), the change log, suspects and cost model (git
#: history, evidence files), the consultation page, the graph view and the requirement index
#: (cheap).
CACHED = frozenset(
    {
        "smets-section",
        "smets-device",
        "smets-catalogue",
        "smets-protocol",
        "smets-matrix",
        "smets-chains",
        "smets-protocol-coverage",
        "smets-verification",
        "smets-coverage-chart",
        "smets-trace-summary",
        "smets-versions",
        "smets-device-versions",
        "smets-assessment",
        "smets-conformance",
        "smets-duplicates",
        "smets-sections",
        "smets-devices",
        "smets-schema",
        "smets-source",  # a module of this package only (its code is in every key)
    }
)
_SLOT = {aspect: at + 1 for at, aspect in enumerate(ASPECTS)}  # a need key: type, then the aspects
_EACH = len(ASPECTS) + 1  # then ``name=ids`` of each link field
_TYPE, _TITLE, _FILE = 0, _SLOT["title"], _SLOT["file"]
_ID = re.compile(r"^[A-Za-z0-9_]{1,200}$")
_SHA = re.compile(r"^[0-9a-f]{40}$")
_FIELDS = frozenset({"format", "key", "name", "page", "args", "text", "mentions", "shown"})


#: SVG's own elements that act (run, animate, pull in other documents): never in a chart of ours
_SVG_ACTIVE = re.compile(r"<[\s/]*(?:foreignobject|animate\w*|set|use|handler|listener|feimage)\b")
_SVG_TAG = re.compile(r"<([\s/]*)svg\b")


def foreign_text(text: str) -> bool:
    """Whether ``text`` holds markup the extension never renders: :func:`.rendercache.foreign`'s
    checks (scripts, event handlers, ``javascript:`` links...), with the ``<svg>`` element of the
    charts let through but SVG's active elements not."""
    low = text.lower()
    if "<svg" not in low:  # no SVG element (a tag's name follows its ``<`` at once): the cards' check
        return foreign_lowered(low)
    return bool(_SVG_ACTIVE.search(low)) or foreign_lowered(_SVG_TAG.sub(r"<\1smets-chart", low))


def enabled() -> bool:
    return not switched_off(*SWITCHES)


def cached(name: str, args: tuple[str, ...]) -> bool:
    """Whether directive ``name`` with ``args`` has its text kept (see :data:`CACHED`)."""
    return name in CACHED and enabled()


#: ``SMETS_QUICK_INSTALLED=off``: the installed distributions named from their metadata files
#: (:func:`_installed`)
QUICK_INSTALLED = "SMETS_QUICK_INSTALLED"
_METADATA_FOLDERS = (".dist-info", ".egg-info")


@functools.cache
def _installed() -> str:
    """Every installed distribution (any library a renderer uses) with its version: the names of
    the metadata folders on the import path (:func:`installed_folders`); ``name=version`` from
    each one's metadata with ``SMETS_QUICK_INSTALLED=off`` (parsing the ~100 metadata files took
    0.04 s of CPU in every build)."""
    if switched_off(QUICK_INSTALLED):
        found = {f"{d.metadata['Name']}={d.version}" for d in metadata.distributions()}
    else:
        found = set(installed_folders())
    return "\n".join(sorted(found))


def installed_folders() -> list[str]:
    """The metadata folder of each distribution importlib finds on the import path: named
    ``NAME-VERSION.dist-info`` (or ``.egg-info``), so a distribution installed, removed or of
    another version changes the list. A folder whose name holds no version (an ``.egg-info`` of a
    development install) is listed with its metadata's version."""
    found = []
    for entry in dict.fromkeys(sys.path):
        try:
            folders = sorted(Path(entry or ".").iterdir())
        except OSError:  # not a folder (a zip file's distributions are not listed)
            continue
        for folder in folders:
            name = folder.name
            if not name.endswith(_METADATA_FOLDERS):
                continue
            if "-" not in name.rsplit(".", 1)[0]:
                name += "=" + str(metadata.PathDistribution(folder).version)
            found.append(name)
    return found


@functools.cache
def _package_data() -> str:
    """The package's files other than its modules (data a renderer may read), by path and bytes."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix not in (".py", ".pyc"):
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def settings(app: Sphinx) -> list[str]:
    """What the project's settings are: ``conf.py``'s bytes, the ``-D`` settings, the source and
    configuration folders (known before the builder is: :mod:`.warmfull` keys its mark with them,
    as ``smets build`` does before Sphinx starts, :func:`..duplicates.early.settings`)."""
    return early.settings(Path(app.confdir), app.config.overrides, Path(app.srcdir))


def _config(app: Sphinx) -> list[str]:
    return [
        app.builder.name,
        str(app.config.html_file_suffix),
        str(app.config.html_link_suffix),
        *settings(app),
    ]


#: the context of this build (:func:`context`), for one application and corpus
_CONTEXT: list[tuple[Sphinx, Corpus, str]] = []


def context(app: Sphinx, corpus: Corpus) -> str:
    """Every key's part shared by the directives of this build (computed once; before the read
    forks, :func:`prepare`, so the readers inherit it)."""
    if _CONTEXT and _CONTEXT[0][0] is app and _CONTEXT[0][1] is corpus:
        return _CONTEXT[0][2]
    parts = [
        FORMAT,
        package_digest(),
        _package_data(),
        _installed(),
        *_config(app),
        "\x1e".join(sorted(app.env.found_docs)),
    ]
    found = digest(parts)
    _CONTEXT[:] = [(app, corpus, found)]
    return found


def _results(app: Sphinx, corpus: Corpus) -> str:
    """The conformance results: the file's bytes, and why they cannot be used if so (settled by
    the read: see ``sphinx/conformance._outdated``)."""
    return f"{file_stamp(live.results_path())}\0{live.error()}"


def _reviews(app: Sphinx, corpus: Corpus) -> str:
    return file_stamp(suppression_file(corpus))


def _policy(app: Sphinx, corpus: Corpus) -> str:
    return file_stamp(Path(app.confdir) / POLICY_FILE)


#: What a directive reads outside the corpus, by directive: the conformance pages the results
#: (:mod:`..conformance.pages` is the only reader of :mod:`..conformance.live`), the duplicates
#: page its review file, the gaps page its policy (never kept: see :data:`CACHED`). Only in these
#: directives' keys: the suite runs again after any edit of the spec (its key holds the spec),
#: with a new time of the run, which would make every text's key new.
_OUTSIDE: dict[str, Callable[[Sphinx, Corpus], str]] = {
    "smets-conformance": _results,
    "smets-duplicates": _reviews,
    "smets-gaps": _policy,
}


#: the digests of what the directives read of this build's corpus, by facet (None: all of it)
_FACETS: dict[Facet | str | None, str] = {}
_ORDER = "order"
_FACETS_OF: list[Corpus | None] = [None]


def _facet_digest(keys: Mapping[str, NeedKey], f: Facet | None) -> str:
    """The digest of the aspects ``f`` reads of the needs of its types (None: every need's whole key)."""
    if f is None:
        whole = ("\x1f".join((need_id, *key)) for need_id, key in keys.items())
        return hashlib.sha256("\x1e".join(whole).encode("utf-8", "surrogatepass")).hexdigest()
    slots = sorted(_SLOT[a] for a in f.aspects if a in _SLOT)
    fields = tuple(sorted(a[len(LINK) :] + "=" for a in f.aspects if a.startswith(LINK)))
    types = f.types
    parts = []
    for need_id, key in keys.items():
        if types is not None and key[_TYPE] not in types:
            continue
        read = [need_id, key[_TYPE], *[key[s] for s in slots]]
        if fields:
            read += [each for each in key[_EACH:] if each.startswith(fields)]
        parts.append("\x1f".join(read))
    return hashlib.sha256("\x1e".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _order_digest(keys: Mapping[str, NeedKey]) -> str:
    """The order of every need (a page with any facet counts a need moved, as the index does)."""
    return hashlib.sha256("\x1e".join(keys).encode("utf-8", "surrogatepass")).hexdigest()


def deps_digest(corpus: Corpus, deps: Deps) -> str:
    """The digest of what ``deps`` read of ``corpus`` (each facet's computed once per corpus)."""
    if _FACETS_OF[0] is not corpus:
        _FACETS.clear()
        _FACETS_OF[0] = corpus
        _PARTS[:] = [corpus, {}]  # what each need shows (:func:`shown`), forgotten with the facets
    keys = keys_for(corpus)
    facets: tuple[Facet | None, ...] = (None,) if deps is None else deps
    found = []
    for f in facets:
        sha = _FACETS.get(f)
        if sha is None:
            sha = _FACETS[f] = _facet_digest(keys, f)
        found.append(sha)
    if deps is None:
        return "all:" + found[0]
    if not deps:
        return "none"
    order = _FACETS.get(_ORDER)
    if order is None:
        order = _FACETS[_ORDER] = _order_digest(keys)
    return "facets:" + ",".join(found) + ";order:" + order


def _shown_part(keys: Mapping[str, NeedKey], need_id: str) -> str:
    key = keys.get(need_id)
    return need_id if key is None else f"{need_id}\x1f{key[_TYPE]}\x1f{key[_TITLE]}\x1f{key[_FILE]}"


#: ``SMETS_QUICK_CARD_KEYS=off``: :func:`shown` writes out each need's part for every text. On,
#: each need's part is kept for this build's corpus (held; forgotten with the facets' digests, as
#: :func:`deps_digest` finds another corpus) as the bytes :func:`digest` hashes for
#: it (its length, then its UTF-8), and a text's digest is one hash of its parts' bytes joined:
#: the same SHA-256 (a hash does not see how its input was handed over).
_PARTS: list[Any] = [None, {}]


def _part_bytes(keys: Mapping[str, NeedKey], need_id: str) -> bytes:
    data = _shown_part(keys, need_id).encode("utf-8", "surrogatepass")
    return len(data).to_bytes(8, "big") + data


def shown(corpus: Corpus, mentions: Iterable[str]) -> str:
    """What a link to each need of ``mentions`` shows now: its type, title and file, or that it is absent."""
    keys = keys_for(corpus)
    if switched_off(rendercache.QUICK_KEYS_SWITCH):
        return digest([_shown_part(keys, need_id) for need_id in sorted(mentions)])
    if _PARTS[0] is not corpus:
        _PARTS[:] = [corpus, {}]
    kept: dict[str, bytes] = _PARTS[1]
    joined = []
    for need_id in sorted(mentions):
        found = kept.get(need_id)
        if found is None:
            found = kept[need_id] = _part_bytes(keys, need_id)
        joined.append(found)
    return hashlib.sha256(b"".join(joined)).hexdigest()


def _slot(app: Sphinx, name: str, docname: str, args: tuple[str, ...]) -> str:
    return digest([FORMAT, str(Path(app.srcdir).resolve()), name, docname, *args])


def key_of(
    app: Sphinx, corpus: Corpus, name: str, docname: str, args: tuple[str, ...], deps: Deps, stamp: str | None
) -> str:
    """The key of directive ``name``'s text on ``docname`` (everything it reads but its mentions)."""
    parts = [context(app, corpus), name, docname, str(len(args)), *args]
    outside = _OUTSIDE.get(name)
    if outside is not None:
        parts += ["outside", outside(app, corpus)]
    parts += ["-" if stamp is None else "stamp:" + stamp, deps_digest(corpus, deps)]
    return digest(parts)


def _strings(value: object) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def _checked(data: object, key: str, name: str, docname: str, args: tuple[str, ...], deps: Deps) -> Any:
    """``(text, mentions)`` of an entry, when it is exactly one of ours for this key (else None)."""
    if not isinstance(data, dict) or set(data) != _FIELDS or data["format"] != FORMAT or data["key"] != key:
        return None
    text, mentions, found_args = data["text"], data["mentions"], _strings(data["args"])
    if data["name"] != name or data["page"] != docname or found_args is None or tuple(found_args) != args:
        return None
    if not isinstance(text, str) or not isinstance(data["shown"], str):
        return None
    if mentions is None:
        if not covers_links(deps):
            return None
    else:
        ids = _strings(mentions)
        if ids is None or covers_links(deps) or not all(_ID.match(i) for i in ids):
            return None
        mentions = frozenset(ids)
    return text, mentions


#: how far into an entry's file its key is (written first: ``{"key": slot, "value": {"format": ...,
#: "key": key, ...}}``); an entry that does not hold this build's key there is not parsed
_HEAD = 512


def _read(slot: str, key: str) -> object | None:
    """The value of the entry in ``slot`` (:func:`~..corpus.usercache.read_regular_entry`), or None
    at once when its first bytes do not name ``key`` (the text kept for other inputs: after an
    edit, a large table's file is not parsed only to be refused)."""
    raw = read_regular(entry_path(KIND, slot, user_cache_folder()), usercache.MAX_BYTES)
    if raw is None or f'"key":"{key}"'.encode() not in raw[:_HEAD]:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("key") != slot:
        return None
    value: object = data.get("value")
    return value


def load(
    app: Sphinx, corpus: Corpus, name: str, docname: str, args: tuple[str, ...], deps: Deps, stamp: str | None
) -> tuple[str, frozenset[str] | None] | None:
    """The kept text of the directive and the needs it mentions, when kept under this very key
    and its mentions still show what they showed (None: render it)."""
    key = key_of(app, corpus, name, docname, args, deps, stamp)
    value = _read(_slot(app, name, docname, args), key)
    found = _checked(value, key, name, docname, args, deps)
    if found is None:
        return None
    text, mentions = found
    assert isinstance(value, dict)
    if mentions is not None and value["shown"] != shown(corpus, mentions):
        return None
    if foreign_text(text):
        return None
    return text, mentions


def save(
    app: Sphinx,
    corpus: Corpus,
    name: str,
    docname: str,
    args: tuple[str, ...],
    deps: Deps,
    stamp: str | None,
    text: str,
    mentions: frozenset[str] | None,
) -> None:
    """Keep the text just rendered (not one :func:`load` would refuse: markup it never takes)."""
    if foreign_text(text):
        return
    value = {
        "format": FORMAT,
        "key": key_of(app, corpus, name, docname, args, deps, stamp),
        "name": name,
        "page": docname,
        "args": list(args),
        "text": text,
        "mentions": None if mentions is None else sorted(mentions),
        "shown": "" if mentions is None else shown(corpus, mentions),
    }
    write_entry(KIND, _slot(app, name, docname, args), value, user_cache_folder())


def prepare(app: Sphinx, corpus: Corpus, deps: Mapping[str, Deps]) -> None:
    """Work out the build's context and the facets' digests of ``deps`` (what each directive
    declared it reads) before the read forks, so the readers inherit them."""
    if not enabled():
        return
    context(app, corpus)
    for name in CACHED & deps.keys():
        deps_digest(corpus, deps[name])
