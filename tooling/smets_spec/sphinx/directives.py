"""Directives that render engine results into pages (reST text parsed in place)."""

from __future__ import annotations

from collections.abc import Callable

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

from ..conformance.pages import source_listing
from ..consultation.render import consultation_page
from ..corpus.load import Corpus
from ..corpus.needkeys import Deps, facet
from ..corpus.schema import Device, Requirement
from ..render import pages
from ..render.schema_ref import schema_reference
from . import fingerprints
from .safety import trusted_raw
from .state import app_of, corpus_of, note_dependent

Renderer = Callable[[Corpus, list[str]], str]


class CorpusDirective(SphinxDirective):
    """Render reST from the corpus and parse it; re-read whenever the corpus changes.

    The directives of :data:`DIRECTIVES` use the finer :mod:`.fingerprints` instead (re-read
    only when their text changes); this class stays for directives defined elsewhere.
    """

    optional_arguments = 1
    final_argument_whitespace = True
    render: Renderer

    def run(self) -> list[nodes.Node]:
        note_dependent(self.env, self.env.docname)
        text = type(self).render(corpus_of(app_of(self.env)), list(self.arguments))
        container = nodes.container(classes=["smets-generated"])
        source = self.get_source_info()[0] or self.env.docname
        with trusted_raw(self.state.document):  # text the extension rendered, never a source's own
            nested_parse_with_titles(self.state, StringList(text.splitlines(), source=source), container)
        return [container]


def directive_for(render: Renderer) -> type[CorpusDirective]:
    return type(f"Directive_{render.__name__}", (CorpusDirective,), {"render": staticmethod(render)})


#: reST renderers; the HTML ones (large tables: section, device, catalogue, protocol, trace,
#: conformance and change pages) are in :data:`.site.HTML_DIRECTIVES`.
DIRECTIVES: dict[str, Renderer] = {
    "smets-sections": pages.sections_overview,
    "smets-devices": pages.devices_overview,
    "smets-schema": schema_reference,
    "smets-consultation": consultation_page,  # also registers the requirement-page panel
    "smets-source": source_listing,
}


#: What each of :data:`DIRECTIVES` reads of the corpus besides the needs it links (not listed:
#: all of it). The schema reference and source listings read none of it.
DEPS: dict[str, Deps] = {
    "smets-sections": (facet(Requirement, aspects=("fields",)),),
    "smets-devices": (
        facet(Requirement, aspects=("links:mandatory_for", "links:optional_for")),
        facet(Device, aspects=("title", "fields")),
    ),
    "smets-schema": (),
    "smets-source": (),
}


def _text_func(render: Renderer) -> fingerprints.TextFunc:
    def text(app: Sphinx, docname: str, args: tuple[str, ...]) -> str:
        return render(corpus_of(app), list(args))

    return text


def register(app: Sphinx) -> None:
    """Every DIRECTIVES entry is re-read exactly when its text changes (see fingerprints.py)."""
    fingerprints.register(app)
    for name, render in DIRECTIVES.items():
        fingerprints.add_directive(app, name, _text_func(render), deps=DEPS.get(name))
    from . import site  # traceability pages, requirement pages, need cards, assets

    site.register(app)
    from . import duplicates  # the duplicate-analysis page (and its requirement-page panel)

    duplicates.register(app)
