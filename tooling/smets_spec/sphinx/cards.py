"""Compact need cards: every need's fields and links, drawn without sphinx-needs' layout engine.

sphinx-needs draws each need through its layout handler (a grid table whose cells
are reST strings parsed per need), which is about half of its build time. This
module replaces each need node of our types with a plain card as the document is
read (``doctree-read``, after sphinx-needs has noted where each need sits), so the
work is shared by the workers of a parallel read and is not redone at every write:
a head line (type, title, id, and for a requirement a link to its own page), one
line of short fields, one line per long field, one line per link type both ways
(outgoing and incoming), and the need's content as parsed. Everything a card shows
comes from the corpus, which is complete before the first document is read.

Incoming links and linked titles come from other documents, so a document whose
cards would change is re-read after any edit: see :func:`outdated_cards`.
"""

from __future__ import annotations

import hashlib
from enum import Enum
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx_needs.nodes import Need as NeedNode

from ..corpus.files import write_atomic
from ..corpus.ids import roles_with_ids
from ..corpus.load import Corpus
from ..corpus.schema import NEED_TYPES, DataItem, Device, LinkSpec, Need, Requirement
from ..markup.html import esc
from ..protocols.assess import KIND_TEXT, assessment_of
from ..trace.coverage import index_of
from . import assessearly, cachedneeds, cardsbeside, preload
from .cachedneeds import SmetsCard, cached_card, enabled, key_for, make_cached
from .keptkeys import corpus_stamp
from .linker import REQ_FOLDER, SphinxLinker, docname_of, has_requirement_pages
from .rendercache import assessment_for, need_roles
from .state import corpus_of

_LONG = 48
#: link lists longer than this are folded (a device holds dozens of data items)
_FOLD = 12
_FINGERPRINTS = "smets_card_fingerprints"
#: the corpus they were computed from (:func:`~.keptkeys.corpus_stamp`)
_FINGERPRINTS_OF = "smets_card_fingerprints_of"
_SPECS: dict[str, LinkSpec] = {name: spec for t in NEED_TYPES for name, spec in t.links().items()}
_FIELDS: dict[type[Need], tuple[str, ...]] = {t: tuple(t.own_fields()) for t in NEED_TYPES}
_LINKS: dict[type[Need], tuple[str, ...]] = {t: tuple(t.links()) for t in NEED_TYPES}


def _value(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _label(name: str) -> str:
    return name.replace("_", " ")


def _refs(linker: SphinxLinker, corpus: Corpus, ids: list[str]) -> str:
    out = []
    for target in ids:
        other = corpus.needs.get(target)
        title = esc(other.title) if other else ""
        href = esc(linker.need(target))
        out.append(f'<a class="reference internal" href="{href}" title="{title}">{esc(target)}</a>')
    return ", ".join(out)


def _line(label: str, body: str) -> str:
    return f'<span class="smets-need-line"><span class="smets-label">{esc(label)}: </span>{body}</span>'


def _meta(record: Need) -> str:
    """The fields: short ones on one line, each long one on its own (HTML; docutils nodes cost more)."""
    short: list[str] = []
    long: list[str] = []
    links = _LINKS[type(record)]
    for name in _FIELDS[type(record)]:
        if name in links or name == "tags":
            continue
        value = getattr(record, name)
        if value in (None, "", ()):
            continue
        text = _value(value)
        (long if len(text) > _LONG else short).append(_line(_label(name), esc(text)))
    lines = [' <span class="smets-sep">·</span> '.join(short)] if short else []
    lines += long
    return f'<p class="smets-need-meta">{"<br>".join(lines)}</p>' if lines else ""


def _links(record: Need, corpus: Corpus, linker: SphinxLinker) -> str:
    """Every link written on the need and every link to it, one line per link type.

    A long list (more than :data:`_FOLD` ids, such as the data items a device holds) is folded
    under its label and count, so the card stays readable.
    """
    groups = [(_SPECS[name].outgoing, list(getattr(record, name))) for name in _LINKS[type(record)]]
    incoming: dict[str, list[str]] = {}
    for name, source in index_of(corpus).incoming.get(record.id, ()):
        incoming.setdefault(name, []).append(source)
    groups += [(_SPECS[name].incoming, sources) for name, sources in incoming.items()]
    lines = [_line(label, _refs(linker, corpus, ids)) for label, ids in groups if 0 < len(ids) <= _FOLD]
    folded = "".join(
        f'<details class="smets-need-fold"><summary>{esc(label)} ({len(ids)})</summary>'
        f"<p>{_refs(linker, corpus, ids)}</p></details>"
        for label, ids in groups
        if len(ids) > _FOLD
    )
    shown = f'<p class="smets-need-meta smets-need-links">{"<br>".join(lines)}</p>' if lines else ""
    return shown + folded


def _head(app: Sphinx, record: Need, linker: SphinxLinker) -> str:
    """Type, title, id (the card's own anchor) and, for a requirement, a link to its own page."""
    parts = [
        f'<span class="smets-need-type">{esc(record.title_)}</span>',
        f"<strong>{esc(record.title)}</strong>",
        f'<a class="reference internal smets-need-id" href="#{esc(record.id)}">{esc(record.id)}</a>',
    ]
    if isinstance(record, Requirement) and has_requirement_pages(app):
        href = esc(linker.doc(f"{REQ_FOLDER}/{record.id}"))
        parts.append(
            f'<a class="reference internal smets-need-trace" href="{href}" '
            'title="its own page: devices, data, tests, links">trace →</a>'
        )
    return f'<p class="smets-need-head">{"".join(parts)}</p>'


def _assessment(record: Need, corpus: Corpus) -> str:
    """A data item's protocol assessment (smets protocols): its kind, and candidates or reason."""
    if not isinstance(record, DataItem):
        return ""
    found = assessment_for(corpus, record.id)
    if found is None:
        return ""
    lines = [_line("protocol assessment", esc(KIND_TEXT[found.kind]))]
    lines += [
        _line("candidate", esc(f"{c.po_id}: {c.identity} — {c.says} (rule: {c.rule})"))
        for c in found.candidates
    ]
    return f'<p class="smets-need-meta smets-assessment">{"<br>".join(lines)}</p>'


def prepare_assessment(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Run the protocol assessment once before the documents are read (so forked readers share it).
    Not when no source changed: the few pages re-read then (computed pages) draw no cards, and
    whatever needs it later computes it on first use."""
    if added or changed or removed:
        assessment_of(corpus_of(app))
    return []


def build_card(app: Sphinx, linker: SphinxLinker, record: Need, node: NeedNode) -> nodes.container:
    """The card: head, fields and links as one HTML fragment (docutils nodes cost more), then the content."""
    corpus = linker.corpus
    card = SmetsCard(ids=[record.id], classes=["smets-need", f"smets-need-{record.directive}"])
    body = nodes.container(classes=["smets-need-body"])
    body.extend(child.deepcopy() for child in node.children)
    details = _meta(record) + _assessment(record, corpus) + _links(record, corpus, linker)
    if isinstance(record, Device):  # a device's page opens with what the device is, then its figures
        card += nodes.raw("", _head(app, record, linker), format="html")
        card += body
        card += nodes.raw("", details, format="html")
        return card
    card += nodes.raw("", _head(app, record, linker) + details, format="html")
    if isinstance(record, Requirement):  # its own page shows the same text, cut from here
        card += nodes.raw("", f"<!--smets-text {record.id}-->", format="html")
        card += body
        card += nodes.raw("", "<!--/smets-text-->", format="html")
    else:
        card += body
    return card


def render_cards(app: Sphinx, doctree: nodes.document) -> None:
    """Replace our needs' nodes in the document being read with compact cards."""
    docname = app.env.docname
    found = list(doctree.findall(NeedNode))
    if not found:
        return
    corpus = corpus_of(app)
    linker = SphinxLinker(app, corpus, docname)
    for node in found:
        need_id = node["ids"][0] if node["ids"] else ""
        record = corpus.needs.get(need_id)
        if record is None or node.get("hidden") or node.get("docname") != docname_of(corpus, need_id):
            continue  # left to sphinx-needs (which also drops nodes of needs recorded elsewhere)
        node.parent.replace(node, _card(app, linker, record, node))


def _card(app: Sphinx, linker: SphinxLinker, record: Need, node: NeedNode) -> nodes.Element:
    """The cached card of a need whose text was not parsed, else the card drawn (and keyed to store)."""
    docname = linker.docname
    cached = cached_card(docname, record.id)
    if cached is not None:
        return make_cached(record.id, *cached)
    card = build_card(app, linker, record, node)
    key = key_for(app, docname, record.id, node) if enabled(app) else None
    if key is not None:
        card["smets_key"] = key
    return card


# ------------------------------------------------------------ incremental builds


def card_fingerprints(corpus: Corpus) -> dict[str, str]:
    """Per document: a hash of what its cards show from other needs (links both ways, the needs its
    text names with ``:need:``; their titles and pages)."""
    index = index_of(corpus)
    # what a card shows of each need it names: its title and page (once per need, not per link)
    shown = {need_id: f"{need.title}:{docname_of(corpus, need_id)}" for need_id, need in corpus.needs.items()}
    parts: dict[str, list[str]] = {}
    for need in corpus:
        others = [(n, t) for n, ts in need.outgoing().items() for t in ts]
        others += [(f"<{n}", s) for n, s in index.incoming.get(need.id, ())]
        others += [("@", t) for t in need_roles(roles_with_ids(need.content))]  # :need: shows the title
        text = "|".join([f"{n}:{o}:{shown[o]}" for n, o in others if o in shown])
        parts.setdefault(docname_of(corpus, need.id), []).append(f"{need.id}={text}")
    return {doc: hashlib.sha1("\n".join(p).encode()).hexdigest() for doc, p in parts.items()}


#: :func:`card_fingerprints` of a corpus worked out early (:func:`fingerprints_early`)
_EARLY: list[tuple[Corpus, dict[str, str]]] = []


def fingerprints_early(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> None:
    """:func:`card_fingerprints` of this build's corpus, worked out while the computed pages'
    comparison waits for its forked copy (``fingerprints.BESIDE``), when :func:`outdated_cards`
    will need them; it takes them (a function of the corpus alone) instead of working them out."""
    corpus = corpus_of(app)
    if not _kept(env, corpus_stamp(corpus)):
        _EARLY[:] = [(corpus, card_fingerprints(corpus))]


def _kept(env: BuildEnvironment, stamp: str | None) -> bool:
    """Whether ``env`` keeps the fingerprints of the corpus of ``stamp`` (nothing to compute)."""
    return stamp is not None and getattr(env, _FINGERPRINTS_OF, None) == stamp and hasattr(env, _FINGERPRINTS)


def _fingerprints_of(corpus: Corpus) -> dict[str, str]:
    early = _EARLY.pop() if _EARLY else None
    return early[1] if early is not None and early[0] is corpus else card_fingerprints(corpus)


def outdated_cards(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Documents to re-read because their cards show links or titles that changed elsewhere
    (none, and nothing computed, when the corpus is the one the kept fingerprints came from)."""
    corpus = corpus_of(app)
    stamp = corpus_stamp(corpus)
    if _kept(env, stamp):
        _EARLY.clear()
        return []
    old: dict[str, str] = getattr(env, _FINGERPRINTS, {})
    if not old and not _EARLY and cardsbeside.start(corpus, card_fingerprints):
        return []  # none kept, none outdated: worked out beside the start-up, kept at env-updated
    new = _fingerprints_of(corpus)
    setattr(env, _FINGERPRINTS, new)
    setattr(env, _FINGERPRINTS_OF, stamp)
    skip = added | changed | removed
    return sorted(
        doc
        for doc, value in new.items()
        if old.get(doc) not in (None, value) and doc in env.found_docs and doc not in skip
    )


def take_fingerprints(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """``env-updated``: the fingerprints a forked copy worked out (:mod:`.cardsbeside`), kept."""
    corpus = corpus_of(app)
    if cardsbeside.pending(corpus):
        setattr(env, _FINGERPRINTS, cardsbeside.take(corpus, card_fingerprints))
        setattr(env, _FINGERPRINTS_OF, corpus_stamp(corpus))
    return []


def register(app: Sphinx) -> None:
    app.connect("env-updated", take_fingerprints, priority=100)  # before the environment is frozen
    app.connect("build-finished", cardsbeside.drop)
    cachedneeds.register(app)
    assessearly.register(app)
    preload.register(app)
    app.connect("doctree-read", render_cards, priority=600)  # after sphinx-needs' analyse_need_locations
    app.connect("env-get-outdated", outdated_cards)
    app.connect("env-get-outdated", prepare_assessment)


def write_type_css(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Card colours per need type, from the schema (``env-updated``: before any page is written, so
    every page links it with its checksum, the first build into a new folder included)."""
    if app.builder.format != "html":
        return []
    rules = "".join(f".smets-need-{t.directive}{{--smets-color:{t.color}}}\n" for t in NEED_TYPES)
    target = Path(app.outdir) / "_static" / "smets-types.css"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.is_file() or target.read_text(encoding="utf-8") != rules:
        write_atomic(target, rules)
    return []
