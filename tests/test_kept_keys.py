"""Need keys kept between builds and reused only where they cannot have changed (sphinx/keptkeys.py).

A build must not hash every need again: the keys kept in the environment are taken whole when the
corpus's stamp (this package's code, the names and bytes of the files read, the names its
locations use) is the kept one, and need by need for the files whose bytes are the same. Checked
here on a generated spec after seeded random edits of every kind (and edits that change bytes but
no need): the keys so obtained equal the keys computed from scratch, in the same order.
"""

from __future__ import annotations

import random
import types
from pathlib import Path

import pytest

from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.needkeys import keys_of
from smets_spec.corpus.rstreader import file_digest, spec_files
from smets_spec.corpus.schema import DataItem, Requirement
from smets_spec.corpus.synthetic import generate
from smets_spec.sphinx import cards, fingerprints, keptkeys
from test_build_render_cache import _Editor


def _load(root: Path, relative_to: Path | None = None) -> Corpus:
    """The corpus as the Sphinx extension reads it: locations named below the spec folder."""
    return load_spec(root / "spec", relative_to=relative_to or root / "spec")


def _one_edit(editor: _Editor, rng: random.Random) -> None:
    reqs = editor.generated(Requirement)
    kind = rng.choice(["title", "text", "data-title", "link", "added", "deleted", "moved", "blank", "touch"])
    need_id = rng.choice(reqs)
    if kind == "title":
        editor.title(need_id)
    elif kind == "text":
        editor.text(need_id)
    elif kind == "data-title":
        editor.title(rng.choice(editor.generated(DataItem)))
    elif kind == "link":
        (editor.link_added if len(editor.uses(need_id)) < 2 else editor.link_removed)(need_id)
    elif kind == "added":
        editor.added(need_id)
    elif kind == "deleted":
        editor.deleted(need_id)
    elif kind == "moved":
        editor.moved(need_id)
    elif kind == "blank":  # bytes changed, no need changed: a new stamp, keys recomputed (and equal)
        path = editor.path(need_id)
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    else:  # rewritten with the same bytes: the same stamp
        path = editor.path(need_id)
        path.write_bytes(path.read_bytes())


def test_kept_keys_reused_give_the_keys_computed_from_scratch(tmp_path: Path) -> None:
    root = generate(tmp_path / "p", 150)
    rng = random.Random(20261206)
    corpus = _load(root)
    kept = keptkeys.keep(corpus, keys_of(corpus))
    whole = partly = 0
    for _ in range(16):
        again = _load(root)
        assert keptkeys.keys_reusing(again, kept) is kept[1]  # nothing changed: taken as kept
        assert keys_of(again) == kept[1]
        _one_edit(_Editor(root / "spec", corpus, rng), rng)
        corpus = _load(root)
        fresh = keys_of(corpus)
        reused = keptkeys.keys_reusing(corpus, kept)
        assert reused == fresh
        assert list(reused) == list(fresh)  # the corpus's order too
        if reused is kept[1]:
            whole += 1
        else:
            assert keptkeys.corpus_stamp(corpus) != kept[2]
            partly += sum(1 for k, v in reused.items() if kept[1].get(k) is v)
        kept = keptkeys.keep(corpus, reused)
    assert whole <= 4 and partly > 1000  # real edits, and most keys taken from the kept ones


def test_kept_keys_are_not_trusted_when_the_names_the_code_or_the_files_differ(tmp_path: Path) -> None:
    root = generate(tmp_path / "p", 150)
    corpus = _load(root)
    keys = keys_of(corpus)
    kept = keptkeys.keep(corpus, keys)
    assert kept[3] is not None and len(kept[3]) > 10
    # the same bytes read with locations named from another folder: other keys (their file)
    other = load_spec(root / "spec", relative_to=root)
    assert keys_of(other) != keys
    assert keptkeys.keys_reusing(other, kept) == keys_of(other)
    # kept by another version of the package, or in an older shape: not taken
    assert keptkeys.kept_from(("another version", *kept[1:])) is None
    assert keptkeys.kept_from(kept[:3]) is None
    assert keptkeys.kept_from(kept) is kept
    # the loader's digests are of the bytes it read, file by file (nothing read again)
    spec = root / "spec"
    assert kept[3] == {p.relative_to(spec).as_posix(): file_digest(p.read_bytes()) for p in spec_files(spec)}
    # a file saved after the corpus was read (mid-build): the digests stay those of what was read,
    # so the next build sees that file changed and hashes its needs again
    editor = _Editor(spec, corpus, random.Random(7))
    need_id = editor.generated(Requirement)[0]
    name = corpus.location(need_id).file
    path = spec / name
    editor.title(need_id)
    assert keptkeys.file_digests(corpus) is kept[3] and kept[3][name] != file_digest(path.read_bytes())
    saved = _load(root)
    assert keptkeys.file_digests(saved)[name] == file_digest(path.read_bytes())  # type: ignore[index]
    reused = keptkeys.keys_reusing(saved, kept)
    assert reused == keys_of(saved) and reused != keys
    # a corpus not read from files has no stamp
    corpus.digest = None
    assert keptkeys.corpus_stamp.__wrapped__(corpus) is None  # type: ignore[attr-defined]


def test_keys_for_takes_what_is_offered_only_for_its_corpus(tmp_path: Path) -> None:
    root = generate(tmp_path / "p", 150)
    first, second = _load(root), _load(root)
    marker: dict[str, tuple[str, ...]] = {"X": ("kept",)}
    kept = (keptkeys.keys_version(), marker, keptkeys.corpus_stamp(first), None)
    keptkeys.offer(first, kept)
    keptkeys.offer(second, None)
    assert keptkeys.keys_for(second) == keys_of(second)  # nothing offered for it
    keptkeys.offer(first, kept)
    third = _load(root)
    assert keptkeys.keys_for(third) == keys_of(third)  # offered for another corpus object
    fourth = _load(root)
    keptkeys.offer(fourth, kept)
    assert keptkeys.keys_for(fourth) is marker  # the same stamp: taken as kept
    assert fingerprints.keys_for is keptkeys.keys_for


def test_card_fingerprints_are_not_computed_again_for_the_same_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = generate(tmp_path / "p", 150)
    corpus = _load(root)
    monkeypatch.setattr(cards, "corpus_of", lambda app: corpus)
    env = types.SimpleNamespace(found_docs=set(cards.card_fingerprints(corpus)))
    assert cards.outdated_cards(None, env, set(), set(), set()) == []  # type: ignore[arg-type]
    assert not hasattr(env, "smets_card_fingerprints")  # none kept: worked out in a forked copy
    cards.take_fingerprints(None, env)  # type: ignore[arg-type]  # (env-updated)
    assert env.smets_card_fingerprints == cards.card_fingerprints(corpus)
    kept = env.smets_card_fingerprints
    corpus = _load(root)  # the same files read again: nothing computed, nothing outdated

    def refused(corpus: Corpus) -> dict[str, str]:
        raise AssertionError("card fingerprints computed again for the same corpus")

    with monkeypatch.context() as m:
        m.setattr(cards, "card_fingerprints", refused)
        assert cards.outdated_cards(None, env, set(), set(), set()) == []  # type: ignore[arg-type]
    assert env.smets_card_fingerprints is kept
    editor = _Editor(root / "spec", corpus, random.Random(3))
    target = editor.generated(Requirement)[0]
    editor.title(target)  # its title shows on the cards of the needs that link it
    corpus = _load(root)
    linking = {cards.docname_of(corpus, n.id) for n in corpus if target in sum(n.outgoing().values(), ())}
    found = cards.outdated_cards(None, env, set(), set(), set())  # type: ignore[arg-type]
    assert linking and set(found) >= linking - {cards.docname_of(corpus, target)}
    assert env.smets_card_fingerprints == cards.card_fingerprints(corpus)
