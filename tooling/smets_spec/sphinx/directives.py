"""Directives that render engine results into pages (reST text parsed in place)."""

from __future__ import annotations

from collections.abc import Callable

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

from ..corpus import Corpus
from ..render import pages
from ..consultation.render import consultation_page
from ..render.schema_ref import schema_reference
from .state import corpus_of, note_dependent

Renderer = Callable[[Corpus, list[str]], str]


class CorpusDirective(SphinxDirective):
    """Base: render reST from the corpus and parse it; re-read when the corpus changes."""

    optional_arguments = 1
    final_argument_whitespace = True
    render: Renderer

    def run(self) -> list[nodes.Node]:
        note_dependent(self.env, self.env.docname)
        text = type(self).render(corpus_of(self.env.app), list(self.arguments))
        container = nodes.container(classes=["smets-generated"])
        source = self.get_source_info()[0] or self.env.docname
        nested_parse_with_titles(self.state, StringList(text.splitlines(), source=source), container)
        return [container]


def directive_for(render: Renderer) -> type[CorpusDirective]:
    return type(f"Directive_{render.__name__}", (CorpusDirective,), {"render": staticmethod(render)})


DIRECTIVES: dict[str, Renderer] = {
    "smets-sections": pages.sections_overview,
    "smets-section": pages.section_requirements,
    "smets-device": pages.device_requirements,
    "smets-devices": pages.devices_overview,
    "smets-catalogue": pages.data_catalogue,
    "smets-protocol": pages.protocol_objects,
    "smets-schema": schema_reference,
    "smets-consultation": consultation_page,  # also registers the requirement-page panel
}


def register(app: Sphinx) -> None:
    for name, render in DIRECTIVES.items():
        app.add_directive(name, directive_for(render))
    from . import site  # traceability pages, requirement pages, need cards, assets

    site.register(app)
