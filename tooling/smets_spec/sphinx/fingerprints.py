"""Pages computed from the corpus, re-read exactly when what they show changes.

A directive registered here renders its text through a function of
``(app, docname, args)``; the text's digest is kept in the environment with the
directive's name and arguments, what it declared it reads (:class:`~..corpus.needkeys.Facet` s,
given to :func:`add_directive`) and the needs its text mentions. Every need's key
(:mod:`..corpus.needkeys`) is kept there too. When a source changes, the keys of the new corpus
are compared with the kept ones (no rendering), and only the directives whose recorded
dependencies meet the change are rendered again (plain Python, no parsing); a page is re-read
if, and only if, one of their digests differs (:func:`indexed_changed_pages`). So editing one
requirement re-reads its own page, the pages that list or link it and the tables it appears in,
and nothing else; a page whose table is unchanged is neither re-read nor left stale.

Rendering every directive again to compare (:func:`changed_pages`) is the oracle: used when the
index cannot answer (first build, another version of this package, ``SMETS_PAGE_INDEX=off``) and
when the conformance results change, and by the tests that check the index against it.

The digest covers the text and, for every ``:need:`` role in it, the title and
page of the need referred to (sphinx-needs draws those at write time). In a parallel build,
half of the pages are compared in a forked copy of the process (:func:`changed_pages`).
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import re
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, ClassVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective

from .. import forking
from ..corpus.cachedir import switched_off
from ..corpus.load import Corpus
from ..corpus.needkeys import (
    Change,
    Deps,
    NeedKey,
    change_between,
    covers_links,
    mentioned,
    mentioned_by_rows,
    touches,
)
from ..corpus.schema import BY_DIRECTIVE, Requirement
from . import halfread, keptkeys, pagetexts, rawdirect
from .keptkeys import keys_for as keys_for
from .linker import REQ_FOLDER
from .safety import trusted_raw
from .state import app_of, corpus_of

#: (app, docname, args) -> reST text. ``args`` holds the directive's arguments and options as strings.
TextFunc = Callable[[Sphinx, str, tuple[str, ...]], str]

RENDERERS: dict[str, TextFunc] = {}
#: What each directive's text reads of the corpus (None: all of it). See corpus/needkeys.py.
DEPS: dict[str, Deps] = {}
#: What a directive reads outside the corpus and its source files, as a stamp (e.g. the commits
#: git revisions name): a different stamp renders it again.
StampFunc = Callable[[Corpus], str]
STAMPS: dict[str, StampFunc] = {}
#: Texts rendered for this build's corpus, by (directive, page, args): a page re-read because
#: :func:`changed_pages` found its text changed uses the text rendered there, not a second render.
_TEXTS: dict[tuple[str, str, tuple[str, ...]], str] = {}
_TEXTS_OF: list[Corpus | None] = [None]
_STORE = "smets_rendered"
_KEYS = "smets_need_keys"
_NEED_ROLE = re.compile(r":need:`([^`]*)`")


def digest(corpus: Corpus, text: str) -> str:
    """Hash of the text and of the titles and pages of the needs its ``:need:`` roles show."""
    h = hashlib.sha1(text.encode("utf-8"))
    for target in _NEED_ROLE.findall(text):
        need_id = target.rsplit("<", 1)[-1].rstrip(">").strip()
        need = corpus.needs.get(need_id)
        if need is not None:
            h.update(f"\0{need_id}\0{need.title}\0{corpus.location(need_id).file}".encode())
    return h.hexdigest()


#: One computed directive of a page: name, arguments, digest of its text, the needs the text
#: mentions (None: its declared dependencies already cover every link it can show), and the
#: stamp of what it reads outside the corpus (None: nothing declared).
Entry = tuple[str, tuple[str, ...], str, frozenset[str] | None, str | None]


def _store(env: BuildEnvironment) -> dict[str, list[Entry]]:
    store: dict[str, list[Entry]] | None = getattr(env, _STORE, None)
    if store is None:
        store = {}
        setattr(env, _STORE, store)
    return store


def note_rendered(env: BuildEnvironment, docname: str, name: str, args: tuple[str, ...], text: str) -> None:
    app = app_of(env)
    corpus = corpus_of(app)
    key = (name, docname, args)
    found = _noted(corpus, key, text)
    sha, mentions = found if found is not None else _note_of(corpus, name, text)
    if _TO_KEEP and _TEXTS_OF[0] is corpus:
        _keep(app, corpus, key, text, (sha, mentions))
    stamp = _stamp_of(name, corpus)
    _store(env).setdefault(docname, []).append((name, args, sha, mentions, stamp))
    sizes = _sizes(env)
    sizes[docname] = sizes.get(docname, 0) + len(text)


def _note_of(corpus: Corpus, name: str, text: str) -> Note:
    """What :func:`note_rendered` records of directive ``name``'s ``text``: its digest and mentions."""
    return digest(corpus, text), _mentions(corpus, name, text)


def _mentions(corpus: Corpus, name: str, text: str) -> frozenset[str] | None:
    """The needs directive ``name``'s ``text`` mentions (None: its dependencies cover every link)."""
    return None if covers_links(DEPS.get(name)) else mentions_of(text, corpus, _on_many_pages(name, corpus))


#: The digest and mentions (:func:`_note_of`) of texts of :data:`_TEXTS`, by the same key, worked
#: out where the text was compared: the digest by :func:`_changed`, the mentions too by the forked
#: copy of :func:`_in_two` for the pages it found changed (so the re-read of those pages does not
#: look through their text again in the main process). ``SMETS_PAGE_NOTES=off``: none kept.
Note = tuple[str, frozenset[str] | None]
_NOTES: dict[tuple[str, str, tuple[str, ...]], Note] = {}
_DIGESTS: dict[tuple[str, str, tuple[str, ...]], str] = {}
NOTES_SWITCH = "SMETS_PAGE_NOTES"


def _noted(corpus: Corpus, key: tuple[str, str, tuple[str, ...]], text: str) -> Note | None:
    """The note kept for ``key`` when it was worked out from this very ``text`` of this corpus:
    the whole note, or the digest kept with the mentions looked for now (None: nothing kept)."""
    if _TEXTS_OF[0] is not corpus or _TEXTS.get(key) is not text or switched_off(NOTES_SWITCH):
        return None
    note = _NOTES.get(key)
    if note is not None:
        return note
    sha = _DIGESTS.get(key)
    if sha is None:
        return None
    return sha, _mentions(corpus, key[0], text)


#: The needs each table row drawn for this build's corpus mentions (:func:`mentions_of`), rows of
#: at most :data:`ROWS_KEPT` characters in all (the read of a full build meets every page's rows:
#: the device pages', shared, come before the chains' ten megabytes), forgotten after the read.
_ROWS: dict[str, frozenset[str]] = {}
_ROWS_OF: list[Corpus | None] = [None]
ROWS_KEPT = 4 << 20
_ROOM = [ROWS_KEPT]
ROWS_SWITCH = "SMETS_ROW_MENTIONS"


def mentions_of(text: str, corpus: Corpus, shared: bool = True) -> frozenset[str]:
    """The needs ``text`` mentions (:func:`~..corpus.needkeys.mentioned`); for a directive on
    several pages (``shared``), found row by row with the rows' answers shared by this build's
    pages (the nine device pages list the same rows): the same answer. A text of its own is
    looked at whole (cut into rows it takes a fifth longer). ``SMETS_ROW_MENTIONS=off``: every
    text whole."""
    if not shared or switched_off(ROWS_SWITCH):
        return mentioned(text, corpus.needs)
    if _ROWS_OF[0] is not corpus:
        forget_rows()
        _ROWS_OF[0] = corpus
    return mentioned_by_rows(text, corpus.needs, _ROWS, _ROOM)


#: How many pages each directive was on in the environment this build started from (counted at
#: ``env-get-outdated``, before the pages to read again are forgotten), for this build's corpus.
_PAGES_OF: dict[str, int] = {}
_PAGES_FOR: list[Corpus | None] = [None]


def _count_pages(env: BuildEnvironment, corpus: Corpus) -> None:
    _PAGES_OF.clear()
    for entries in _store(env).values():
        for entry in entries:
            _PAGES_OF[entry[0]] = _PAGES_OF.get(entry[0], 0) + 1
    _PAGES_FOR[0] = corpus


def _on_many_pages(name: str, corpus: Corpus) -> bool:
    """Whether directive ``name`` was on more than one page (False: not counted for this corpus)."""
    return _PAGES_FOR[0] is corpus and _PAGES_OF.get(name, 0) > 1


def forget_rows(*_: object) -> None:
    """Forget the rows' mentions (at the end of the read: no page is read after it)."""
    _ROWS.clear()
    _ROWS_OF[0] = None
    _ROOM[0] = ROWS_KEPT


#: Stamps of this build's corpus, by directive (computed once per corpus, like the texts).
_STAMPED: dict[str, str] = {}
_STAMPED_OF: list[Corpus | None] = [None]


def _stamp_of(name: str, corpus: Corpus) -> str | None:
    """Directive ``name``'s stamp (:data:`STAMPS`) for this corpus."""
    func = STAMPS.get(name)
    if func is None:
        return None
    if _STAMPED_OF[0] is not corpus:
        _STAMPED.clear()
        _STAMPED_OF[0] = corpus
    stamp = _STAMPED.get(name)
    if stamp is None:
        stamp = _STAMPED[name] = func(corpus)
    return stamp


class RenderedDirective(SphinxDirective):
    """Renders ``RENDERERS[self.name]`` and records its digest. Options become ``name=value`` args."""

    optional_arguments = 1
    final_argument_whitespace = True
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {}

    def run(self) -> list[nodes.Node]:
        args = tuple(self.arguments) + tuple(f"{k}={v}" for k, v in sorted(self.options.items()))
        try:
            text = render(app_of(self.env), self.name, self.env.docname, args)
        except ValueError as exc:  # a renderer's refusal: an error at this directive's line
            raise self.error(f"{self.name}: {exc}") from exc
        note_rendered(self.env, self.env.docname, self.name, args, text)
        container = nodes.container(classes=["smets-generated"])
        source = self.get_source_info()[0] or self.env.docname
        with trusted_raw(self.state.document):  # text the extension rendered, never a source's own
            rawdirect.parse(self.state, text, source, container)
        return [container]


def add_directive(
    app: Sphinx,
    name: str,
    func: TextFunc,
    options: tuple[str, ...] = (),
    base: type[RenderedDirective] = RenderedDirective,
    deps: Deps = None,
    stamp: StampFunc | None = None,
    shared: tuple[Callable[[Corpus], object], ...] = (),
) -> None:
    """Register a corpus-computed directive ``name`` whose text is ``func(app, docname, args)``.

    ``deps``: what of the corpus the text reads besides the needs it mentions (None: all of it;
    ``()``: nothing, e.g. a listing of the package's own source). Declare no less than the
    renderer reads: the tests check every declaration against rendering everything again.
    ``stamp``: what it reads outside the corpus (see :data:`STAMPS`). ``shared``: analyses of the
    corpus, memoised per corpus, that other directives' texts read too (see :data:`SHARED`).
    """
    RENDERERS[name] = func
    DEPS[name] = deps
    if shared:
        SHARED[name] = shared
    if stamp is not None:
        STAMPS[name] = stamp
    spec = dict.fromkeys(options, str)
    app.add_directive(name, type(f"Rendered_{name}", (base,), {"option_spec": spec}))


def render(app: Sphinx, name: str, docname: str, args: tuple[str, ...]) -> str:
    """The text of directive ``name`` on ``docname``, rendered once per corpus."""
    corpus = corpus_of(app)
    if _TEXTS_OF[0] is not corpus:
        _TEXTS.clear()
        _NOTES.clear()
        _DIGESTS.clear()
        _TO_KEEP.clear()
        _TEXTS_OF[0] = corpus
    key = (name, docname, args)
    text = _TEXTS.get(key)
    if text is None:
        text = _kept_text(app, corpus, key)
        if text is None:
            text = RENDERERS[name](app, docname, args)
            if pagetexts.FULL_READ[0] and pagetexts.cached(name, args):
                _TO_KEEP.add(key)
        _TEXTS[key] = text
    return text


#: Texts rendered (not taken from the user cache) of directives whose texts are kept there
#: (:mod:`.pagetexts`): kept when the read notes them, with the needs they mention.
_TO_KEEP: set[tuple[str, str, tuple[str, ...]]] = set()


def _kept_text(app: Sphinx, corpus: Corpus, key: tuple[str, str, tuple[str, ...]]) -> str | None:
    """The text of ``key`` kept in the user cache (:mod:`.pagetexts`), with its note (None: none
    kept for what it reads now, or the cache switched off)."""
    name, docname, args = key
    if not pagetexts.FULL_READ[0] or not pagetexts.cached(name, args):
        return None
    found = pagetexts.load(app, corpus, name, docname, args, DEPS.get(name), _stamp_of(name, corpus))
    if found is None:
        return None
    text, mentions = found
    _NOTES[key] = (digest(corpus, text), mentions)
    return text


def _keep(app: Sphinx, corpus: Corpus, key: tuple[str, str, tuple[str, ...]], text: str, note: Note) -> None:
    """Keep a text just rendered and noted in the user cache (:mod:`.pagetexts`)."""
    if key not in _TO_KEEP or _TEXTS.get(key) is not text:
        return
    _TO_KEEP.discard(key)
    name, docname, args = key
    stamp = _stamp_of(name, corpus)
    pagetexts.save(app, corpus, name, docname, args, DEPS.get(name), stamp, text, note[1])


#: At least this many computed pages to compare: half of them are compared in a forked copy.
PARALLEL_FROM = 16
_Todo = list[tuple[str, list[Entry]]]
_Key = tuple[str, str, tuple[str, ...]]


def _changed(app: Sphinx, corpus: Corpus, todo: _Todo) -> list[str]:
    out = []
    keep = not switched_off(NOTES_SWITCH)
    for docname, entries in todo:
        began = time.process_time()
        for name, args, old, *_ in entries:  # (an environment kept by an older version has no mentions)
            if name not in RENDERERS:
                out.append(docname)
                break
            sha = digest(corpus, render(app, name, docname, args))
            if keep:
                _DIGESTS[(name, docname, args)] = sha
            if sha != old:
                out.append(docname)
                break
        _SPENT[docname] = time.process_time() - began
    return out


#: CPU seconds each page's comparison (:func:`_changed`) took in this build, by page, in the
#: process that compared it (the forked copy sends its own back); kept in the environment
#: (:data:`_COSTS`) for the next comparison's split (:func:`_split`). ``_BESIDE_COST`` and
#: ``_COPY_COST`` name the main process's work beside the copy (:func:`_beside`) and the copy's
#: own beyond its pages (its start, its notes).
_SPENT: dict[str, float] = {}
_COSTS = "smets_page_costs"
_BESIDE_COST = "\0beside"
_COPY_COST = "\0copy"
#: ``SMETS_DIGESTS_BALANCED=off``: the forked copy compares every other page (as before), not a
#: share balanced by what each page's comparison cost last time (:func:`_split`)
BALANCED_SWITCH = "SMETS_DIGESTS_BALANCED"


def _costs(app: Sphinx) -> dict[str, float]:
    costs = getattr(app.env, _COSTS, None)
    return costs if isinstance(costs, dict) else {}


def _keep_costs(app: Sphinx) -> None:
    """The costs measured in this comparison kept in the environment, with those of pages not
    compared this time (only with the balanced split)."""
    if _SPENT and not switched_off(BALANCED_SWITCH):
        setattr(app.env, _COSTS, {**_costs(app), **_SPENT})
    _SPENT.clear()


#: The characters of each page's computed texts as its last read drew them (rendered or taken
#: from the user cache), kept in the environment: the first estimate of what each page's comparison
#: costs when no comparison costed any of the pages to compare yet (the first edit after a full
#: build, :func:`_first_costs`). ``SMETS_COST_ESTIMATE=off``: every other page then, as before.
_SIZES = "smets_page_sizes"
ESTIMATE_SWITCH = "SMETS_COST_ESTIMATE"
#: CPU seconds per character of computed text: about what rendering the large pages took at
#: 10,000 requirements (the chains page, 10.5 million characters, 0.21 s; the verification page,
#: 5.7 million, 0.17 s)
PER_CHAR = 2e-8


def _sizes(env: BuildEnvironment) -> dict[str, int]:
    sizes: dict[str, int] | None = getattr(env, _SIZES, None)
    if not isinstance(sizes, dict):
        sizes = {}
        setattr(env, _SIZES, sizes)
    return sizes


def _first_costs(app: Sphinx, todo: _Todo, costs: dict[str, float]) -> dict[str, float]:
    """``costs``, or when none of ``todo``'s pages is costed there, each page's estimate from the
    size of its texts (:data:`_SIZES`) with the costs kept beside (none with the switch off)."""
    if any(isinstance(costs.get(docname), float) for docname, _ in todo) or switched_off(ESTIMATE_SWITCH):
        return costs
    sizes = _sizes(app.env)
    return {**costs, **{docname: sizes[docname] * PER_CHAR for docname, _ in todo if docname in sizes}}


def _split(todo: _Todo, last: _Todo, costs: dict[str, float]) -> tuple[_Todo, _Todo]:
    """``todo`` as the pages this process compares and those the forked copy does, so that both
    end about together by what each page's comparison cost last time (``costs``): the groups of
    pages that share work (:func:`_groups`) largest first, each to the side with less work so far;
    this process starts with the work it does beside the copy (:func:`_beside`, the pages of
    ``last``), the copy with its own. A page not costed takes the mean of those that are; when
    none is (the first edit after a full build, with no estimate: :func:`_first_costs`), every
    other page, as before. A group on one side
    leaves :func:`shared_first` nothing to do for it before the copy forks: the side does that
    work itself, beside the other. The same pages are compared, each by the same function of the
    corpus: only who compares which differs."""
    known = [costs[d] for d, _ in todo if isinstance(costs.get(d), float)]
    if not known:
        return todo[1::2], todo[::2]
    mean = sum(known) / len(known)

    def cost(docname: str) -> float:
        value = costs.get(docname)
        return value if isinstance(value, float) and value >= 0 else mean

    loads = [costs.get(_BESIDE_COST, 0.0) + sum(cost(d) for d, _ in last), costs.get(_COPY_COST, 0.0)]
    sides: tuple[list[int], list[int]] = ([], [])
    groups = [(sum(cost(todo[at][0]) for at in group), group) for group in _groups(todo)]
    for weight, group in sorted(groups, key=lambda g: -g[0]):  # (stable: in their order when alike)
        side = 0 if loads[0] < loads[1] else 1
        sides[side].extend(group)
        loads[side] += weight
    return [todo[at] for at in sorted(sides[0])], [todo[at] for at in sorted(sides[1])]


def _groups(todo: _Todo) -> list[list[int]]:
    """The pages of ``todo`` (by position, each group in order, the groups by their first page)
    whose first directives are the same or declare an analysis shared (:data:`SHARED`): the work
    :func:`shared_first` does before the fork when such pages are on both sides (the device pages'
    shared rows, the protocol assessment)."""
    parent = list(range(len(todo)))

    def root(at: int) -> int:
        while parent[at] != at:
            parent[at] = parent[parent[at]]
            at = parent[at]
        return at

    seen: dict[object, int] = {}
    for at, (_, entries) in enumerate(todo):
        if entries:
            name = entries[0][0]
            for key in (name, *SHARED.get(name, ())):
                parent[root(at)] = root(seen.setdefault(key, at))
    groups: dict[int, list[int]] = {}
    for at in range(len(todo)):
        groups.setdefault(root(at), []).append(at)
    return sorted(groups.values())


def _texts_of(pages: set[str]) -> dict[_Key, str]:
    return {key: text for key, text in _TEXTS.items() if key[1] in pages}


def _notes_of(corpus: Corpus, pages: set[str]) -> dict[_Key, Note]:
    """The notes of the texts of ``pages``: each digest as :func:`_changed` worked it out from the
    same text (kept in :data:`_DIGESTS`), not hashed again, with the mentions."""
    return {
        key: (_DIGESTS.get(key) or digest(corpus, text), _mentions(corpus, key[0], text))
        for key, text in _texts_of(pages).items()
    }


def _worker(app: Sphinx, corpus: Corpus, todo: _Todo, conn: Connection) -> None:
    _SPENT.clear()
    changed = _changed(app, corpus, todo)
    pages = sum(_SPENT.values())
    notes = {} if switched_off(NOTES_SWITCH) else _notes_of(corpus, set(changed))
    spent = os.times()  # this copy's own CPU (a forked process's starts at none): its fork's faults too
    _SPENT[_COPY_COST] = max(0.0, spent.user + spent.system - pages)
    conn.send((changed, _texts_of(set(changed)), notes, dict(_SPENT)))
    conn.close()


def _in_two(app: Sphinx, corpus: Corpus, todo: _Todo, late: dict[str, str] | None = None) -> list[str] | None:
    """:func:`_changed` with about half of ``todo`` done in a forked copy (None: this platform
    cannot fork).

    The analyses every page shares (duplicate scan, graph, ...) are computed first, so the copy
    inherits them instead of computing its own. The copy compares a share of the pages balanced
    by what each cost last time, pages that share work on one side (:func:`_split`; every other
    page with ``SMETS_DIGESTS_BALANCED=off``; having both processes take the next page as each is
    free was tried: no faster, on a quiet machine either). The copy sends back the pages it
    found changed, their texts (which the re-read then uses) and what the re-read records of
    each text (its digest and mentions, :data:`_NOTES`: looking through a large table's text for
    the needs it mentions is done there, beside this process's half). If the copy fails, every
    page this process did not compare is compared here.

    The pages with a directive of ``late`` (:func:`_late`: its text waits for work still running
    beside the build) are compared here, last, and the panels ``late`` names are not warmed
    before the fork: the copy and this process's other pages need not wait for that work.
    """
    from .jobs import warm

    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    late = late or {}
    rest, last = _split_late(todo, late) if late else (todo, [])
    if switched_off(BALANCED_SWITCH):
        mine, theirs = rest[1::2], rest[::2]
    else:
        mine, theirs = _split(rest, last, _first_costs(app, rest + last, _costs(app)))
    warm(app, frozenset(late.values()))
    shared_first(app, corpus, mine + last, theirs, first_only=True)
    started = forking.start_piped(_worker, (app, corpus, theirs), "smets-page-digests")
    if started is None:
        return None
    child, reader = started
    out = _changed(app, corpus, mine)
    began = time.process_time()
    _beside(app)
    _SPENT[_BESIDE_COST] = time.process_time() - began
    out += _changed(app, corpus, last)
    try:
        got: tuple[list[str], dict[_Key, str], dict[_Key, Note], dict[str, float]] | None = reader.recv()
    except (EOFError, OSError):
        got = None
    child.join()
    if got is None or child.exitcode != 0:
        return out + _changed(app, corpus, theirs)
    _TEXTS.update(got[1])
    _NOTES.update(got[2])
    _SPENT.update(got[3])
    return out + got[0]


#: Per directive, analyses of the corpus (each memoised per corpus) that its text reads and the texts
#: of other directives read too (declared by the directive, :func:`add_directive`).
SHARED: dict[str, tuple[Callable[[Corpus], object], ...]] = {}
SHARED_SWITCH = "SMETS_SHARED_FIRST"


def shared_first(app: Sphinx, corpus: Corpus, mine: _Todo, theirs: _Todo, first_only: bool = False) -> None:
    """Before a forked copy is given ``theirs`` while this process does ``mine``: the work both
    sides would do, done here once and inherited. For each directive on both sides, its first text
    of ``mine`` is rendered (what one text of a directive on many pages computes for all of them:
    the device pages' rows, the versions' timelines), and each analysis declared shared
    (:data:`SHARED`) by directives of both sides is computed. This process renders those texts
    anyway (with ``first_only``, as :func:`_changed` does: only a page's first directive is
    certainly rendered), and the texts and analyses are functions of the corpus: the same pages,
    in less time. ``SMETS_SHARED_FIRST=off``: each side does its own."""
    if switched_off(SHARED_SWITCH):
        return
    fresh = _TEXTS if _TEXTS_OF[0] is corpus else {}

    def unrendered(todo: _Todo) -> list[tuple[str, Entry]]:
        """The entries of ``todo`` that a side certainly renders, of which no text is kept yet."""
        return [
            (docname, e)
            for docname, entries in todo
            for e in (entries[:1] if first_only else entries)
            if e[0] in RENDERERS and (e[0], docname, e[1]) not in fresh
        ]

    ours, others = unrendered(mine), unrendered(theirs)
    both = {e[0] for _, e in ours} & {e[0] for _, e in others}
    for docname, (name, args, *_) in ours:
        if name in both:
            both.discard(name)
            with contextlib.suppress(ValueError):  # a refusal: met again where the text is rendered
                render(app, name, docname, args)
    analyses = [{f for _, e in side for f in SHARED.get(e[0], ())} for side in (ours, others)]
    for analysis in sorted(analyses[0] & analyses[1], key=lambda f: f.__qualname__):
        analysis(corpus)


def _shared_read(builder: Any, mine: list[str], theirs: list[str]) -> None:
    """:func:`shared_first` for a read shared with a forked reader (:mod:`.halfread`), from the
    directives each document had when this build's comparison began (:data:`_AT_START`; the
    documents to read are forgotten before the read), for this corpus only. A document whose
    source changed is left out (its directives may be others now)."""
    app = vars(builder)["_app"]
    corpus = corpus_of(app)
    if not _AT_START or _AT_START[0][0] is not corpus:
        return
    store, edited = _AT_START[0][1:]
    ours, others = ([(d, store.get(d, [])) for d in docs if d not in edited] for docs in (mine, theirs))
    shared_first(app, corpus, ours, others)


#: (corpus, the computed directives of each page, the documents whose source changed) as this
#: build's ``env-get-outdated`` found them
_AT_START: list[tuple[Corpus, dict[str, list[Entry]], set[str]]] = []


#: ``(app, env, added, changed, removed)``: work of other ``env-get-outdated`` handlers done in the
#: main process while the forked copy of :func:`_in_two` compares its half (the main process waited
#: for it, 0.07-0.6 s at 10,000 requirements); each handler then takes what was done for this
#: build's corpus (:func:`_beside`). ``SMETS_OUTDATED_BESIDE=off``: each done in its own handler, after.
BESIDE: list[Callable[[Sphinx, BuildEnvironment, set[str], set[str], set[str]], None]] = []
BESIDE_SWITCH = "SMETS_OUTDATED_BESIDE"
#: the arguments of this ``env-get-outdated`` (set by :func:`_outdated` while it runs)
_EVENT: list[tuple[BuildEnvironment, set[str], set[str], set[str]]] = []


def _beside(app: Sphinx) -> None:
    if not _EVENT or switched_off(BESIDE_SWITCH):
        return
    env, added, changed, removed = _EVENT[0]
    for work in BESIDE:
        work(app, env, added, changed, removed)


#: Directives whose text waits for work a forked copy still does beside the build (the duplicate
#: scan after an edit, :func:`..duplicates.page.scan_beside`), by name: the requirement-page panel
#: that waits for the same work, and whether it still runs for a corpus. While it runs, the pages
#: with such a directive are compared last, in this process, and the panel is not warmed before
#: the comparison forks (:func:`_in_two`): the other pages are compared meanwhile, in both
#: processes, instead of both waiting for it. The same pages are compared, each by the same
#: function of the corpus. ``SMETS_COMPARE_LATE=off``: every page in its turn, after the wait.
LATE: dict[str, tuple[str, Callable[[Corpus], bool]]] = {}
LATE_SWITCH = "SMETS_COMPARE_LATE"


def _late(corpus: Corpus) -> dict[str, str]:
    """The directives of :data:`LATE` whose work still runs for ``corpus``, with their panels."""
    if not LATE or switched_off(LATE_SWITCH):
        return {}
    return {name: panel for name, (panel, running) in LATE.items() if running(corpus)}


def _split_late(todo: _Todo, late: dict[str, str]) -> tuple[_Todo, _Todo]:
    """``todo`` as the pages without a directive of ``late`` (not empty) and those with one."""
    waits = [any(e[0] in late for e in entries) for _, entries in todo]
    return [p for p, w in zip(todo, waits, strict=True) if not w], [
        p for p, w in zip(todo, waits, strict=True) if w
    ]


#: ``SMETS_LATE_READ=off``: the pages with a directive of :func:`_late` are compared last, after the
#: wait for that work (as before :func:`_left_to_read`)
LATE_READ_SWITCH = "SMETS_LATE_READ"
#: (corpus, pages, panels): the pages :func:`_compared` left to the read while the work their text
#: waits for still ran, and the panels that wait for it too
_LEFT: list[tuple[Corpus, frozenset[str], frozenset[str]]] = []


#: directives of :data:`LATE` whose text changes whenever the number of requirements does (the
#: duplicate findings page: its count of texts compared, one a requirement)
COUNTS_REQUIREMENTS: set[str] = set()
#: whether the number of requirements differs from the last build's (its kept keys), as this
#: build's ``env-get-outdated`` found it
_COUNT_CHANGED = [False]


def _requirements(keys: dict[str, NeedKey]) -> int | None:
    """How many of the needs of ``keys`` are requirements (None: a directive of no known type)."""
    count = 0
    for key in keys.values():
        kind = BY_DIRECTIVE.get(key[0])
        if kind is None:
            return None
        count += issubclass(kind, Requirement)
    return count


def _left_to_read(corpus: Corpus, todo: _Todo, late: dict[str, str]) -> tuple[_Todo, list[str]]:
    """``todo`` without the pages with a directive of ``late`` (its work still runs beside the
    build) that changes with the number of requirements (:data:`COUNTS_REQUIREMENTS`) when that
    number changed (a requirement added or deleted: the duplicate scan computes its group again),
    and those pages: they changed, and are counted so without rendering them. Their read renders
    the text when the work is done: this process reads them itself, after its share of the read
    (:func:`read_here`), and no panel waiting for that work is warmed before the read
    (:func:`later_panels`). Nothing left (``todo`` as it is) with ``SMETS_LATE_READ=off``."""
    _LEFT.clear()
    sure = {name: panel for name, panel in late.items() if name in COUNTS_REQUIREMENTS}
    if not sure or not _COUNT_CHANGED[0] or switched_off(LATE_READ_SWITCH):
        return todo, []
    rest, last = _split_late(todo, sure)
    pages = [docname for docname, _ in last]
    _LEFT.append((corpus, frozenset(pages), frozenset(sure.values())))
    return rest, pages


def _left(app: Sphinx) -> tuple[frozenset[str], frozenset[str]]:
    """The pages left to this build's read, and their panels (none for another corpus)."""
    if not _LEFT or _LEFT[0][0] is not corpus_of(app):
        return frozenset(), frozenset()
    return _LEFT[0][1], _LEFT[0][2]


def read_here(builder: Any, docnames: list[str]) -> list[str]:
    """The documents of a parallel read (:mod:`.halfread`) that this process reads itself, after its
    share: the pages :func:`_left_to_read` left to the read."""
    pages = _left(vars(builder)["_app"])[0]
    return [docname for docname in docnames if docname in pages]


def later_panels(app: Sphinx, docnames: list[str]) -> frozenset[str]:
    """The panels not to warm before the read of ``docnames`` (``jobs.warm``): those waiting for the
    work of the pages left to the read, when this process reads those pages (a serial read, or
    :mod:`.halfread`'s); none when Sphinx's own parallel read may give them to a forked reader
    (the work is then waited for here, before it forks, as before)."""
    pages, panels = _left(app)
    if not pages.intersection(docnames):
        return frozenset()
    return panels if app.parallel <= 1 or halfread.reads_here(len(docnames), app.parallel) else frozenset()


def _compared(app: Sphinx, todo: _Todo) -> list[str]:
    """The pages of ``todo`` whose directives now render something else: in a parallel build with
    :data:`PARALLEL_FROM` pages or more, half of them in a forked copy (:func:`_in_two`); those
    with a directive of :func:`_late` last, or left to the read (:func:`_left_to_read`)."""
    corpus = corpus_of(app)
    late = _late(corpus)
    todo, left = _left_to_read(corpus, todo, late)
    if not todo:
        return sorted(left)
    found = None
    _SPENT.clear()
    if app.parallel > 1 and len(todo) >= PARALLEL_FROM:
        found = _in_two(app, corpus, todo, late)
    if found is None:
        rest, last = _split_late(todo, late) if late else (todo, [])
        found = _changed(app, corpus, rest + last)
    _keep_costs(app)
    return sorted(found + left)


def changed_pages(app: Sphinx, env: BuildEnvironment, skip: set[str]) -> list[str]:
    """Pages (outside ``skip``) whose directives now render something else."""
    return _compared(app, _entries_where(env, lambda e: True, skip))


def index_enabled() -> bool:
    return not switched_off("SMETS_PAGE_INDEX")


def need_change(env: BuildEnvironment, keys: dict[str, NeedKey]) -> Change | None:
    """The change from the keys kept in ``env`` to ``keys`` (None: none kept by this version)."""
    kept = keptkeys.kept_from(getattr(env, _KEYS, None))
    return None if kept is None else change_between(kept[1], keys)


def _touched(entry: Entry, change: Change, corpus: Corpus) -> bool:
    name = entry[0]
    if name not in DEPS or len(entry) != 5:
        return True
    if touches(DEPS[name], entry[3], change, entry[1], corpus.needs):
        return True
    return _stamp_of(name, corpus) != entry[4]


def _entries_where(env: BuildEnvironment, wanted: Callable[[Entry], bool], skip: set[str]) -> _Todo:
    """The computed directives (by page, outside ``skip``, pages still in the project) ``wanted`` picks."""
    todo = []
    for docname, entries in _store(env).items():
        if docname in skip or docname not in env.found_docs:
            continue
        hit = [e for e in entries if wanted(e)]
        if hit:
            todo.append((docname, hit))
    return todo


def selected_entries(app: Sphinx, env: BuildEnvironment, change: Change, skip: set[str]) -> _Todo:
    """The computed directives (by page, outside ``skip``) whose recorded dependencies meet ``change``."""
    corpus = corpus_of(app)
    return _entries_where(env, lambda e: _touched(e, change, corpus), skip)


def restamped_pages(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Pages whose text changed because what a directive reads outside the sources did (its stamp:
    the commits git revisions name, the assessment baseline), when no source changed."""
    corpus = corpus_of(app)

    def restamped(e: Entry) -> bool:
        return len(e) == 5 and e[4] is not None and _stamp_of(e[0], corpus) != e[4]

    todo = _entries_where(env, restamped, set())
    return sorted(_changed(app, corpus, todo)) if todo else []


def indexed_changed_pages(app: Sphinx, env: BuildEnvironment, change: Change, skip: set[str]) -> list[str]:
    """Pages (outside ``skip``) whose directives now render something else, rendering only those the
    change can touch (:func:`selected_entries`); the same pages as :func:`changed_pages`. In a
    parallel build, as many as that compares in two processes too (:func:`_compared`)."""
    return _compared(app, selected_entries(app, env, change, skip))


def kept_keys_for(app: Sphinx, corpus: Corpus) -> dict[str, NeedKey]:
    """:func:`keys_for`, taking the keys the environment kept that cannot have changed, as
    :func:`_outdated` does (for work done before it, in a forked copy: the requirement pages drawn
    from the kept shell, ``reqpages._kept_writer``)."""
    return _keys_with(corpus, keptkeys.kept_from(getattr(app.env, _KEYS, None)))


def _keys_with(corpus: Corpus, kept: keptkeys.Kept | None) -> dict[str, NeedKey]:
    """:func:`keys_for` with the keys ``kept`` offered (:func:`.keptkeys.offer`) while it runs."""
    keptkeys.offer(corpus, kept)
    try:
        return keys_for(corpus)
    finally:
        keptkeys.offer(corpus, None)


def _outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    corpus = corpus_of(app)
    _LEFT.clear()
    pagetexts.FULL_READ[0] = False  # (until the read starts: :func:`_prepare_texts`)
    kept = keptkeys.kept_from(getattr(env, _KEYS, None))
    keys = _keys_with(corpus, kept)
    before = _requirements(kept[1]) if kept is not None else None
    _COUNT_CHANGED[0] = before is not None and _requirements(keys) not in (None, before)
    change = Change({}, {}, False) if kept is not None and keys is kept[1] else need_change(env, keys)
    setattr(env, _KEYS, keptkeys.keep(corpus, keys))
    _count_pages(env, corpus)
    _AT_START[:] = [(corpus, dict(_store(env)), added | changed | removed)]
    if not (added or changed or removed):
        return restamped_pages(app, env)
    skip = added | changed | removed
    _EVENT[:] = [(env, added, changed, removed)]
    try:
        if change is None or not index_enabled() or f"{REQ_FOLDER}/index" in added | removed:
            return changed_pages(app, env, skip)  # every link's target moves with the requirement pages
        return indexed_changed_pages(app, env, change, skip)
    finally:
        _EVENT.clear()


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _store(env).pop(docname, None)
    _sizes(env).pop(docname, None)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    theirs = _store(other)
    _store(env).update({doc: theirs[doc] for doc in docnames if doc in theirs})
    sizes = _sizes(other)
    _sizes(env).update({doc: sizes[doc] for doc in docnames if doc in sizes})


#: The texts kept in the user cache (:mod:`.pagetexts`) are used and kept by a read of at least
#: this many documents (a full build's: the computed pages are read from scratch), not by an
#: edit's, whose comparison and re-read render what the edit changed (their keys are new: looking
#: them up and keeping them cost 0.1-0.2 s of CPU at 2,000 requirements for nothing).
FULL_READ_FROM = pagetexts.FULL_READ_FROM


def _prepare_texts(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Whether this read uses the kept texts; if so, their keys' shared parts worked out before
    the read forks."""
    pagetexts.FULL_READ[0] = len(docnames) >= FULL_READ_FROM and pagetexts.enabled()
    if pagetexts.FULL_READ[0]:
        pagetexts.prepare(app, corpus_of(app), DEPS)


def register(app: Sphinx) -> None:
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-updated", forget_rows)
    app.connect("env-before-read-docs", _prepare_texts)
    if _shared_read not in halfread.BEFORE_FORK:
        halfread.BEFORE_FORK.append(_shared_read)
    if read_here not in halfread.LAST:
        halfread.LAST.append(read_here)
    from .jobs import WARM_LATER

    if later_panels not in WARM_LATER:
        WARM_LATER.append(later_panels)
