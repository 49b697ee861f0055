"""CPU of the page writers' three walks that :mod:`smets_spec.sphinx.quickwrite` does with less work,
Sphinx's (and sphinx-needs') way against ours, on a built site's real doctrees (as its readers left
them), alternated, in one process (issue 20: the writers' CPU without the machine's load noise).

    python bench/quick_write_cpu.py SITE [ROUNDS]

SITE is a ``smets build`` output folder (its ``.doctrees``). Prints, per walk, the median over
ROUNDS (default 5) of the CPU summed over every page: highlight settings
(``HighlightLanguageTransform``'s visitor and its ``findall``), the words of every card to be
stored (``WordCollector``), sphinx-needs' node search (``findall(node_match(...))``, its two
handlers' types); and checks the card words are the same.
"""

from __future__ import annotations

import pickle
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import sphinx_needs.needs as needs_module
import sphinx_needs.utils as needs_utils
from docutils import nodes
from docutils.utils import Reporter
from sphinx import addnodes
from sphinx.search import WordCollector
from sphinx.search.en import SearchEnglish
from sphinx.transforms.post_transforms.code import HighlightLanguageVisitor

from smets_spec.sphinx import quickwrite
from smets_spec.sphinx.cachedneeds import SmetsCard


def _load(data: bytes) -> nodes.document:
    document: nodes.document = pickle.loads(data)
    document.reporter = Reporter("", 5, 5)
    return document


def _highlight(documents: list[nodes.document], quick: bool) -> float:
    start = time.process_time()
    for document in documents:
        if quick:
            quickwrite.set_languages(document, "default")
        else:
            document.walkabout(HighlightLanguageVisitor(document, "default"))
            list(document.findall(addnodes.highlightlang))
    return time.process_time() - start


def _cards(cards: list[tuple[Any, nodes.document]], quick: bool) -> float:
    lang = SearchEnglish({})
    start = time.process_time()
    for card, document in cards:
        if quick:
            quickwrite.card_words(card, lang)
        else:
            collector = WordCollector(document, lang)
            card.walk(collector)
    return time.process_time() - start


def _needs(documents: list[nodes.document], quick: bool) -> float:
    match = quickwrite.node_match if quick else needs_utils.node_match
    kinds = [list(needs_module.NODE_TYPES_PRIO), list(needs_module.NODE_TYPES)]
    start = time.process_time()
    for document in documents:
        for types in kinds:
            list(document.findall(match(types)))
    return time.process_time() - start


def main() -> int:
    site = Path(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    blobs = [path.read_bytes() for path in sorted((site / ".doctrees").rglob("*.doctree"))]
    documents = [_load(data) for data in blobs]
    cards = [(card, doc) for doc in documents for card in doc.findall(SmetsCard) if card.get("smets_key")]
    lang = SearchEnglish({})
    for card, document in cards:
        collector = WordCollector(document, lang)
        card.walk(collector)
        assert quickwrite.card_words(card, lang) == collector.found_words
    print(f"{len(documents)} pages, {len(cards)} cards to store")
    for name, walk in (("highlight", _highlight), ("card words", _cards), ("needs' search", _needs)):
        figures: dict[bool, list[float]] = {False: [], True: []}
        for number in range(rounds):
            for quick in (number % 2 == 0, number % 2 == 1):
                arg: Any = cards if walk is _cards else [_load(data) for data in blobs]
                figures[quick].append(walk(arg, quick))
        theirs, ours = statistics.median(figures[False]), statistics.median(figures[True])
        less = theirs - ours
        print(f"{name}: Sphinx's {theirs:.3f} s, ours {ours:.3f} s, {less:.3f} s less (medians of {rounds})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
