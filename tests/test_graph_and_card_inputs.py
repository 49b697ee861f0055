"""What two faster functions make is what the slower ones made, on the spec and under seeded random
link edits (links written twice, two link types between one pair, links to needs that do not
exist, self links, another order of needs): the graph view's edges from the corpus's edge list
(site.graph_edges) against the networkx graph's, and the cards' fingerprints
(cards.card_fingerprints) against the formula they replaced."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from smets_spec.corpus.ids import roles_with_ids
from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.sphinx.cards import card_fingerprints
from smets_spec.sphinx.linker import docname_of
from smets_spec.sphinx.rendercache import need_roles
from smets_spec.sphinx.site import graph_data, graph_edges
from smets_spec.trace.coverage import index_of
from smets_spec.trace.graph import build_graph

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_spec(ROOT / "spec", relative_to=ROOT)


def _networkx(corpus: Corpus) -> list[tuple[str, str, str]]:
    return list(build_graph(corpus).edges(keys=True))


def test_the_spec_s_edges_in_networkx_order(corpus: Corpus) -> None:
    ours = graph_edges(corpus)
    assert ours == _networkx(corpus)
    assert len(ours) > 500


def _edited(corpus: Corpus, rng: random.Random) -> Corpus:
    ids = list(corpus.needs)
    needs = dict(corpus.needs)
    for need_id in rng.sample(ids, k=60):
        need = needs[need_id]
        links = list(type(need).links())
        if not links:
            continue
        update: dict[str, list[str]] = {}
        for name in rng.sample(links, k=min(len(links), rng.randint(1, 3))):
            targets = rng.choices(ids, k=rng.randint(0, 4)) + ["NO_SUCH_NEED"] * rng.randint(0, 1)
            targets += targets[:1] + [need_id] * rng.randint(0, 1) + [ids[0]]  # twice, itself, one pair
            update[name] = targets
        needs[need_id] = need.model_copy(update=update)
    order = list(needs)
    rng.shuffle(order)  # the corpus's order is the graph's node order
    return Corpus(needs={i: needs[i] for i in order}, locations=corpus.locations)


@pytest.mark.parametrize("seed", range(6))
def test_random_link_edits_give_networkx_s_edges(corpus: Corpus, seed: int) -> None:
    edited = _edited(corpus, random.Random(seed))
    ours = graph_edges(edited)
    assert ours == _networkx(edited)
    pairs = [(s, t) for s, t, _ in ours]
    assert len(set(pairs)) < len(pairs)  # some pair joined by two link types


def test_graph_data_edges_are_numbered_from_them(corpus: Corpus) -> None:
    data = graph_data(corpus, lambda need_id: f"{need_id}.html")
    ids = list(corpus.needs)
    names = [link["name"] for link in data["links"]]
    assert [(ids[s], ids[t], names[k]) for s, t, k in data["edges"]] == _networkx(corpus)


def _fingerprints_before(corpus: Corpus) -> dict[str, str]:
    """cards.card_fingerprints as it was (the title and page looked up for every link)."""
    index = index_of(corpus)
    parts: dict[str, list[str]] = {}
    for need in corpus:
        others = [(n, t) for n, ts in need.outgoing().items() for t in ts]
        others += [(f"<{n}", s) for n, s in index.incoming.get(need.id, ())]
        others += [("@", t) for t in need_roles(roles_with_ids(need.content))]
        text = "|".join(
            f"{n}:{o}:{corpus.needs[o].title}:{docname_of(corpus, o)}" for n, o in others if o in corpus.needs
        )
        parts.setdefault(docname_of(corpus, need.id), []).append(f"{need.id}={text}")
    return {doc: hashlib.sha1("\n".join(p).encode()).hexdigest() for doc, p in parts.items()}


@pytest.mark.parametrize("seed", [None, 0, 1, 2])
def test_card_fingerprints_are_the_formula_s(corpus: Corpus, seed: int | None) -> None:
    edited = corpus if seed is None else _edited(corpus, random.Random(seed))
    ours = card_fingerprints(edited)
    assert ours == _fingerprints_before(edited)
    assert len(ours) > 10
    if seed is not None:
        assert ours != card_fingerprints(corpus)  # the edits reach the fingerprints
