"""The site's traceability pages, requirement pages and assets (the Sphinx side of render/trace.py).

* Directives whose renderers need links (raw HTML tables, charts) get a
  :class:`SphinxLinker` that turns need ids into URIs relative to the page.
* Every requirement gets its own page ``req/<ID>.html``, written after the build by
  :mod:`.reqpages` (not a Sphinx document each: see there why).
* The graph view's data (every need and link) is written to
  ``_static/smets-graph.js`` after every build, so it is never stale.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config

from ..change.changelog import history_stamp, versions_stamp
from ..conformance.pages import conformance_page
from ..corpus.files import write_atomic
from ..corpus.load import Corpus
from ..corpus.needkeys import Deps, facet
from ..corpus.schema import NEED_TYPES, DataItem, Device, Need, ProtocolObject, Requirement, Section, Version
from ..markup.html import Linker
from ..protocols.assess import assessment_of
from ..protocols.baseline import baseline_stamp
from ..render import changes, costs, pages
from ..render import requirement as requirement_render  # noqa: F401 - registers the trace panels
from ..render import trace as trace_render
from ..render.protocols import assessment_page
from ..trace.gaps import POLICY_FILE, default_policy, load_policy
from ..trace.graph import DOWNSTREAM, Flow, edges_of, link_types
from . import cards, fingerprints, reqpages, searchbeside
from .linker import REQ_FOLDER, SphinxLinker, docname_of, has_requirement_pages
from .state import app_of, corpus_of

HtmlRenderer = Callable[[Corpus, list[str], Linker], str]
STATIC = Path(__file__).resolve().parent.parent / "templates" / "static"


def _html_text(render: HtmlRenderer) -> fingerprints.TextFunc:
    def text(app: Sphinx, docname: str, args: tuple[str, ...]) -> str:
        corpus = corpus_of(app)
        return render(corpus, list(args), SphinxLinker(app, corpus, docname))

    return text


def _policy_path(app: Sphinx) -> Path:
    return Path(app.confdir) / POLICY_FILE


def gaps_text(app: Sphinx, docname: str, args: tuple[str, ...]) -> str:
    """The gaps the repository's policy (``policy.toml`` beside conf.py) reports."""
    path = _policy_path(app)
    policy = load_policy(path, shown_as=POLICY_FILE) if path.is_file() else default_policy()
    corpus = corpus_of(app)
    return trace_render.gaps_page(corpus, policy, SphinxLinker(app, corpus, docname))


class GapsDirective(fingerprints.RenderedDirective):
    """Also re-read when the policy file changes."""

    def run(self) -> list[nodes.Node]:
        path = _policy_path(app_of(self.env))
        if path.is_file():
            self.env.note_dependency(str(path))
        return super().run()


def graph_text(app: Sphinx, docname: str, args: tuple[str, ...]) -> str:
    """``.. smets-graph:: [ID]`` (``:depth:``): the interactive graph from ID, or the first requirement."""
    options = dict(a.split("=", 1) for a in args if "=" in a)
    plain = [a for a in args if "=" not in a]
    first = next(iter(corpus_of(app).requirements), None)
    start = plain[0] if plain else (first.id if first else "")
    depth = int(options.get("depth", "2"))
    return trace_render.graph_view(start, depth=depth, controls=True, height=640, wide=True)


HTML_DIRECTIVES: dict[str, HtmlRenderer] = {
    "smets-section": pages.section_requirements,
    "smets-device": pages.device_requirements,
    "smets-catalogue": pages.data_catalogue,
    "smets-protocol": pages.protocol_objects,
    "smets-matrix": trace_render.matrix,
    "smets-chains": trace_render.chain_table,
    "smets-protocol-coverage": trace_render.protocol_coverage_page,
    "smets-verification": trace_render.verification_page,
    "smets-coverage-chart": trace_render.coverage_chart,
    "smets-trace-summary": trace_render.summary,
    "smets-conformance": conformance_page,  # also registers the requirement-page status panel
    "smets-changelog": changes.changelog_page,  # also registers the change-history panel
    "smets-suspects": changes.suspects_page,
    "smets-cost-model": costs.cost_model_page,
    "smets-versions": costs.versions_overview,
    "smets-device-versions": costs.device_timeline,
    "smets-assessment": assessment_page,  # protocol assessment (smets protocols)
}


#: What each directive of :data:`HTML_DIRECTIVES` reads of the corpus besides the needs it links
#: (see corpus/needkeys.py); a directive not listed depends on the whole corpus. The trace pages
#: read every need's fields and links, and the titles of the needs they link (the mentions),
#: never a need's text or lines; the graph view shows only
#: which requirement comes first. Checked against rendering everything by tests/test_page_index.py.
_TRACE = (facet(aspects=("links", "fields")),)
_VERSIONS = (
    facet(Requirement, aspects=("fields", "links")),
    facet(Version, aspects=("title", "text", "links", "fields", "file", "line")),
    facet(Device),
)
#: a requirement as a row of a list: id, title, status, section, impact and the devices it binds
_ROW = ("title", "fields", "links:mandatory_for", "links:optional_for")
#: which requirements a section lists (its ``section`` field) and what their rows show but the title:
#: a listed requirement's id is in the text, so its title (and page) are followed as a mention, and
#: a title edit renders only the section that lists the requirement, not all of them
_IN_SECTION = ("fields", "links:mandatory_for", "links:optional_for")


def _in_section(need: Need, args: tuple[str, ...]) -> bool:
    """Whether ``.. smets-section:: [SECTION]`` lists ``need``, as ``pages.section_requirements``
    picks its rows: the requirements whose section is the argument's (none: of no section)."""
    return getattr(need, "section", None) == (Section(args[0]) if args else None)


HTML_DEPS: dict[str, Deps] = {
    # a section lists (by id) its own requirements only: one added, removed or edited in another
    # section cannot change it (needkeys.Facet.where)
    "smets-section": (facet(Requirement, aspects=_IN_SECTION, where=_in_section), facet(Device)),
    "smets-device": (facet(Requirement, aspects=_ROW),),
    # the catalogue shows of other needs only who uses each item (its incoming ``uses``), the
    # protocol objects' pages only what each object carries (its incoming ``maps_to`` and
    # ``carried_by``): a need linking none of these, before and after a change, is not read
    "smets-catalogue": (
        facet(DataItem, ProtocolObject, aspects=("title", "text", "links", "fields", "file", "line")),
        facet(Requirement, aspects=("fields",), via=("uses",)),
        facet(aspects=("links",), via=("uses",)),
    ),
    "smets-protocol": (
        facet(ProtocolObject, aspects=("title", "text", "links", "fields", "file", "line")),
        facet(aspects=("links",), via=("maps_to", "carried_by")),
    ),
    "smets-matrix": _TRACE,
    "smets-chains": _TRACE,
    "smets-protocol-coverage": _TRACE,
    "smets-verification": _TRACE,
    "smets-coverage-chart": _TRACE,
    "smets-trace-summary": _TRACE,
    # the count of requirements binding each device in each version: the draft's is the corpus's
    # (status, degrees), the recorded versions' are their commits (the stamp, see register)
    "smets-versions": _VERSIONS,
    "smets-device-versions": _VERSIONS,
    # a requirement counts only through the data items it uses (and then its section): one that
    # uses none, before and after a change, is not read at all (needkeys.Facet.via)
    "smets-assessment": (
        facet(DataItem, ProtocolObject, aspects=("title", "text", "links", "fields", "file", "line")),
        facet(Requirement, aspects=("links:uses", "fields"), via=("uses",)),
    ),
}


# ---------------------------------------------------------------- graph data


def graph_data(corpus: Corpus, uri: Callable[[str], str]) -> dict[str, Any]:
    """Every need and link, compact, for the graph view's script. ``uri`` gives a need's URI from the root."""
    ids = list(corpus.needs)
    number = {need_id: n for n, need_id in enumerate(ids)}
    links = list(link_types())
    link_number = {name: n for n, name in enumerate(links)}
    labels = {name: [spec.outgoing, spec.incoming] for t in NEED_TYPES for name, spec in t.links().items()}
    return {
        "types": {t.directive: {"title": t.title_, "color": t.color} for t in NEED_TYPES},
        "links": [
            {
                "name": n,
                "out": labels[n][0],
                "in": labels[n][1],
                "down": DOWNSTREAM.get(n, Flow.FORWARD) is Flow.FORWARD,
            }
            for n in links
        ],
        "nodes": [[i, corpus.needs[i].directive, corpus.needs[i].title, uri(i)] for i in ids],
        "edges": [[number[s], number[t], link_number[k]] for s, t, k in graph_edges(corpus)],
    }


def graph_edges(corpus: Corpus) -> list[tuple[str, str, str]]:
    """``graph_of(corpus).edges(keys=True)``, in networkx's order, without building the graph (half
    a second at 10,000 requirements, when nothing else of the build needed it): the sources in the
    corpus's order (the graph's nodes are added in it, :func:`~smets_spec.trace.graph.build_graph`),
    each source's targets in the order first linked, each pair's link types in the order first
    written, a link written twice once (a multigraph edge keyed by its type)."""
    grouped: dict[str, dict[str, dict[str, None]]] = {}
    for source, link, target in edges_of(corpus):
        grouped.setdefault(source, {}).setdefault(target, {})[link] = None
    return [(s, t, k) for s, targets in grouped.items() for t, links in targets.items() for k in links]


def write_graph_data(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html" or searchbeside.takes(app):
        return  # (an edit's: made by the copy writing the search index, put in place after it)
    write_atomic(_graph_path(app), _graph_text(app))


def _graph_path(app: Sphinx) -> Path:
    return Path(app.outdir) / "_static" / "smets-graph.js"


def _graph_where(app: Sphinx) -> Path | None:
    """Where the graph data goes (None: not an HTML build)."""
    return _graph_path(app) if app.builder.format == "html" else None


def _graph_text(app: Sphinx) -> str:
    """The graph view's script: every need and link (:func:`graph_data`), with each need's URI."""
    corpus = corpus_of(app)
    builder = app.builder

    pages = has_requirement_pages(app)

    def uri(need_id: str) -> str:
        if pages and isinstance(corpus.needs[need_id], Requirement):
            return str(builder.get_target_uri(f"{REQ_FOLDER}/{need_id}"))
        return f"{builder.get_target_uri(docname_of(corpus, need_id))}#{need_id}"

    data = json.dumps(graph_data(corpus, uri), ensure_ascii=False, separators=(",", ":"))
    _graph_path(app).parent.mkdir(parents=True, exist_ok=True)
    return f"window.SMETS_GRAPH={data};\n"


# ---------------------------------------------------------------------- setup


def _add_static(app: Sphinx, config: Config) -> None:
    if str(STATIC) not in [str(p) for p in config.html_static_path]:
        config.html_static_path.append(str(STATIC))


def _baseline_stamp(corpus: Corpus) -> str:
    return baseline_stamp(corpus.source)


#: what a directive of :data:`HTML_DIRECTIVES` reads besides the corpus, as a stamp (fingerprints.py)
_STAMPS: dict[str, fingerprints.StampFunc] = {
    "smets-versions": versions_stamp,  # the commit each version's revision names
    "smets-device-versions": versions_stamp,
    "smets-assessment": _baseline_stamp,  # what changed since the recorded assessment baseline
    "smets-changelog": history_stamp,  # the versions' commits (or tags) and the recorded reviews
    "smets-suspects": history_stamp,
}


#: analyses that the texts of several directives of :data:`HTML_DIRECTIVES` read (fingerprints.SHARED)
_SHARED: dict[str, tuple[Callable[[Corpus], object], ...]] = {
    "smets-catalogue": (assessment_of,),  # each item's assessment (a column of the catalogue)
    "smets-protocol-coverage": (assessment_of,),
}


def register(app: Sphinx) -> None:
    for name, render in HTML_DIRECTIVES.items():
        stamp, deps, shared = _STAMPS.get(name), HTML_DEPS.get(name), _SHARED.get(name, ())
        fingerprints.add_directive(app, name, _html_text(render), deps=deps, stamp=stamp, shared=shared)
    # lines: the whole corpus; the stamp: its suspect-link rule reads the history and the reviews
    fingerprints.add_directive(app, "smets-gaps", gaps_text, base=GapsDirective, stamp=history_stamp)
    graph_deps = (facet(Requirement),)  # the first requirement (any change of order counts too)
    fingerprints.add_directive(app, "smets-graph", graph_text, options=("depth",), deps=graph_deps)
    app.connect("config-inited", _add_static)
    reqpages.register(app)
    app.connect("build-finished", write_graph_data)
    searchbeside.ALSO["graph"] = (_graph_where, _graph_text)
    cards.register(app)
    if cards.fingerprints_early not in fingerprints.BESIDE:
        fingerprints.BESIDE.append(cards.fingerprints_early)  # while the pages' comparison waits
    app.connect("env-updated", cards.write_type_css)
    app.add_css_file("smets.css")
    app.add_css_file("smets-types.css")
    app.add_js_file("smets.js", loading_method="defer")
