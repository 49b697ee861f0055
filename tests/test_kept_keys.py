"""Need keys kept between builds and reused only for the very corpus they came from (sphinx/fingerprints.py).

A build with no source changed must not hash every need again: the keys kept in the environment
are reused when the corpus's stamp (this package's code, the names and bytes of the files read,
the names its locations use) is the kept one. Checked here on a generated spec after seeded random
edits of every kind (and edits that change bytes but no need): whenever the kept keys are offered,
they equal the keys computed from scratch, and whenever the corpus differs, they are not offered.
"""

from __future__ import annotations

import random
import types
from pathlib import Path

from smets_spec.corpus.load import load_spec
from smets_spec.corpus.needkeys import keys_of
from smets_spec.corpus.schema import DataItem, Requirement
from smets_spec.corpus.synthetic import generate
from smets_spec.sphinx import fingerprints
from test_build_render_cache import _Editor


def _load(root: Path, relative_to: Path | None = None):  # type: ignore[no-untyped-def]
    return load_spec(root / "spec", relative_to=relative_to or root)


def _env_after(corpus) -> types.SimpleNamespace:  # type: ignore[no-untyped-def]
    """An environment as a build leaves it: the corpus's keys kept with its stamp."""
    env = types.SimpleNamespace()
    setattr(
        env,
        fingerprints._KEYS,
        (fingerprints._keys_version(), keys_of(corpus), fingerprints.corpus_stamp(corpus)),
    )
    return env


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


def test_kept_keys_are_offered_exactly_for_the_corpus_they_came_from(tmp_path: Path) -> None:
    root = generate(tmp_path / "p", 150)
    rng = random.Random(20261206)
    corpus = _load(root)
    env = _env_after(corpus)
    kept = getattr(env, fingerprints._KEYS)[1]
    offered = differs = 0
    for _ in range(14):
        again = _load(root)
        assert fingerprints._kept_keys(env, again) is kept  # nothing changed: reused
        assert keys_of(again) == kept
        _one_edit(_Editor(root, corpus, rng), rng)
        corpus = _load(root)
        reused = fingerprints._kept_keys(env, corpus)
        fresh = keys_of(corpus)
        if reused is not None:
            offered += 1
            assert reused == fresh
        else:
            differs += 1
            assert fingerprints.corpus_stamp(corpus) != getattr(env, fingerprints._KEYS)[2]
        env = _env_after(corpus)
        kept = getattr(env, fingerprints._KEYS)[1]
    assert differs >= 10  # the edits were real ones


def test_kept_keys_follow_the_names_and_the_code(tmp_path: Path) -> None:
    root = generate(tmp_path / "p", 30)
    corpus = _load(root)
    env = _env_after(corpus)
    # the same bytes read with locations named from another folder: other keys (their file)
    other = _load(root, relative_to=root / "spec")
    assert keys_of(other) != keys_of(corpus)
    assert fingerprints._kept_keys(env, other) is None
    # kept by another version of the package, or in the older two-part shape: not trusted
    keys = keys_of(corpus)
    stamp = fingerprints.corpus_stamp(corpus)
    setattr(env, fingerprints._KEYS, ("another version", keys, stamp))
    assert fingerprints._kept_keys(env, corpus) is None
    setattr(env, fingerprints._KEYS, (fingerprints._keys_version(), keys))
    assert fingerprints._kept_keys(env, corpus) is None
    # a corpus not read from files has no stamp
    corpus.digest = None
    assert fingerprints.corpus_stamp.__wrapped__(corpus) is None  # type: ignore[attr-defined]


def test_keys_for_takes_the_offered_keys_only_for_their_corpus(tmp_path: Path) -> None:
    import weakref

    root = generate(tmp_path / "p", 30)
    first, second = _load(root), _load(root)
    marker: dict[str, tuple[str, ...]] = {"X": ("kept",)}
    fingerprints._OFFERED_KEYS[:] = [(weakref.ref(first), marker)]
    assert fingerprints.keys_for(second) == keys_of(second)  # offered for another corpus object
    fingerprints._OFFERED_KEYS[:] = [(weakref.ref(second), marker)]
    assert fingerprints.keys_for(second) == keys_of(second)  # computed once per corpus already
    third = _load(root)
    fingerprints._OFFERED_KEYS[:] = [(weakref.ref(third), marker)]
    assert fingerprints.keys_for(third) is marker
    assert not fingerprints._OFFERED_KEYS
