"""The card fingerprints of an edit worked out while the computed pages' comparison waits for its
forked copy (``fingerprints.BESIDE``, ``SMETS_OUTDATED_BESIDE``): the same site either way.

``cards.outdated_cards`` (an ``env-get-outdated`` handler run after the comparison's) hashes what
every document's cards show of other needs; with the switch on, the hashes of this build's
corpus are made in the main process after its half of the comparison, before it waits for the
forked half, and the handler takes them; off, the handler makes them, as before.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from clitools import EditedBuilt, switched_build
from sitecompare import differences
from smets_spec.corpus.load import load_spec
from smets_spec.corpus.synthetic import generate
from smets_spec.sphinx import cards

#: counted in the first build too (:data:`clitools.FIRST_WATCHED`)
EARLY = ("smets_spec.sphinx.cards", "fingerprints_early")


#: an edit's build with the switch set: how often the fingerprints were made early
_build = switched_build("SMETS_OUTDATED_BESIDE", EARLY)


def test_an_edit_with_the_fingerprints_made_beside_gives_the_same_site(edited_60: EditedBuilt) -> None:
    """From conftest's ``edited_60`` (the first build and the edit's build, with two processes and
    every switch on, shared with other tests): the edit built here with the switch off."""
    first, on, root, sites = edited_60.again()
    edits = [on[EARLY], _build(root, sites["off"], "off")]
    assert (first[EARLY], edits) == (0, [1, 0])  # made beside the comparison's copy only in the edit, when on
    assert (sites["on"] / "needs.json").read_bytes() == (sites["off"] / "needs.json").read_bytes()
    assert differences(sites["on"], sites["off"]) == []


def test_the_handler_takes_the_early_fingerprints_of_its_corpus_only(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root = generate(tmp_path / "project", 20)
    corpus, other = (load_spec(root / "spec", relative_to=root) for _ in range(2))
    app = SimpleNamespace()
    monkeypatch.setattr(cards, "corpus_of", lambda _app: corpus)
    made: list[object] = []
    monkeypatch.setattr(cards, "card_fingerprints", lambda c: made.append(c) or {"doc": str(id(c))})
    env = SimpleNamespace(found_docs={"doc"})
    cards.fingerprints_early(app, env, set(), {"x"}, set())  # type: ignore[arg-type]
    assert made == [corpus]
    assert cards.outdated_cards(app, env, set(), {"x"}, set()) == []  # type: ignore[arg-type]
    assert made == [corpus]  # taken, not made again
    assert env.smets_card_fingerprints == {"doc": str(id(corpus))}
    cards._EARLY[:] = [(other, {"doc": "other's"})]  # another corpus's: made again
    del env.smets_card_fingerprints_of
    assert cards.outdated_cards(app, env, set(), {"x"}, set()) == []  # type: ignore[arg-type]
    assert made == [corpus, corpus] and cards._EARLY == []
