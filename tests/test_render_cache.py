"""The render cache is data in the user's cache folder: nothing in it runs, and anything that is not
exactly an entry the extension wrote for that key is ignored (the card is rendered again)."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest

from smets_spec.corpus.cachedir import CACHE_ENV, user_cache_folder
from smets_spec.corpus.load import Corpus
from smets_spec.sphinx.rendercache import (
    FOLDER,
    RenderCache,
    Rendered,
    card_inputs,
    card_key,
    entry_from_json,
    entry_to_json,
    role_targets,
)

KEY = "ab" + "0" * 62
CARD = Rendered(
    '<div class="docutils container smets-need"><p>The meter <em>shall</em> log.</p></div>', ("log",)
)


class _Bomb:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"touch {self.marker}",)


def _entry_path(folder: Path, key: str = KEY) -> Path:
    return folder / FOLDER / key[:2] / f"{key}.json"


def test_the_cache_folder_is_the_users_and_ci_can_choose_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert user_cache_folder() == tmp_path / "xdg" / "smets-spec"
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "ci"))
    assert user_cache_folder() == tmp_path / "ci"


def test_an_entry_round_trips_and_is_plain_json(tmp_path: Path) -> None:
    cache = RenderCache(tmp_path)
    assert cache.get(KEY) is None
    cache.put(KEY, CARD)
    assert json.loads(_entry_path(tmp_path).read_text(encoding="utf-8"))["html"] == CARD.html
    assert RenderCache(tmp_path).get(KEY) == CARD
    assert not list((tmp_path / FOLDER / "ab").glob("*.tmp"))  # written atomically: no temporary left


def test_a_planted_pickle_is_ignored_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = _entry_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(pickle.dumps(_Bomb(marker)))
    assert RenderCache(tmp_path).get(KEY) is None
    assert not marker.exists()


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[]",
        json.dumps({"format": "smets-card-cache/1", "key": KEY, "html": 3, "words": []}),
        json.dumps({"format": "smets-card-cache/1", "key": KEY, "html": "<p>x</p>", "words": [1]}),
        json.dumps({"format": "smets-card-cache/1", "key": KEY, "html": "<p>x</p>", "words": [], "extra": 1}),
        json.dumps({"format": "smets-card-cache/0", "key": KEY, "html": "<p>x</p>", "words": []}),
        json.dumps({"format": "smets-card-cache/1", "key": "cd" + "0" * 62, "html": "<p>x</p>", "words": []}),
        entry_to_json(KEY, Rendered('<p>x</p><script src="https://evil.example/x.js"></script>', ())),
        entry_to_json(KEY, Rendered('<p onclick="steal()">x</p>', ())),
        entry_to_json(KEY, Rendered('<a href="javascript:steal()">x</a>', ())),
        entry_to_json(KEY, Rendered("<iframe src=x></iframe>", ())),
    ],
    ids=[
        *("corrupt", "list", "html-not-text", "words-not-text", "extra-field", "old-format", "other-key"),
        *("script", "handler", "javascript-link", "iframe"),
    ],
)
def test_an_entry_not_exactly_ours_is_ignored(tmp_path: Path, text: str) -> None:
    path = _entry_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    assert RenderCache(tmp_path).get(KEY) is None
    with pytest.raises(ValueError):
        entry_from_json(text, KEY)


def test_a_symlinked_or_oversized_entry_and_a_bad_key_are_ignored(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.json"
    outside.write_text(entry_to_json(KEY, CARD), encoding="utf-8")
    path = _entry_path(tmp_path / "c")
    path.parent.mkdir(parents=True)
    path.symlink_to(outside)
    assert RenderCache(tmp_path / "c").get(KEY) is None
    path.unlink()
    path.write_text(
        entry_to_json(KEY, Rendered("<p>" + "x" * (5 * 1024 * 1024) + "</p>", ())), encoding="utf-8"
    )
    assert RenderCache(tmp_path / "c").get(KEY) is None
    cache = RenderCache(tmp_path / "c")
    cache.put("../../escape", CARD)
    assert cache.get("../../escape") is None and not (tmp_path / "escape.json").exists()


def test_a_cache_folder_that_cannot_be_written_only_means_no_cache(tmp_path: Path) -> None:
    (tmp_path / FOLDER).write_text("a file where the cache's folder would be", encoding="utf-8")
    cache = RenderCache(tmp_path)
    cache.put(KEY, CARD)  # no error: the build goes on without storing
    assert cache.stored == 0 and cache.get(KEY) is None


def test_the_key_changes_with_everything_a_card_shows(corpus: Corpus) -> None:
    req = next(n for n in corpus.requirements if n.outgoing().get("uses"))
    pages = {n.id: corpus.location(n.id).file.rsplit(".", 1)[0] for n in corpus}
    inputs = card_inputs(corpus, req, "The meter shall log.", pages)
    assert inputs is not None
    base = card_key("ctx", "sections/gs", "block", inputs)
    assert base == card_key("ctx", "sections/gs", "block", inputs)
    changed = [
        card_key("ctx2", "sections/gs", "block", inputs),  # the code, libraries or conf.py
        card_key("ctx", "sections/es", "block", inputs),  # its page (relative links)
        card_key("ctx", "sections/gs", "block!", inputs),  # its own directive
    ]
    target = req.outgoing()["uses"][0]
    renamed = dict(corpus.needs)
    renamed[target] = corpus.needs[target].model_copy(update={"title": "Renamed"})
    other = card_inputs(Corpus(needs=renamed, locations=corpus.locations), req, "The meter shall log.", pages)
    assert other is not None and other != inputs  # a linked need's title (shown as a tooltip)
    moved = dict(pages, **{target: "sections/elsewhere"})
    assert card_inputs(corpus, req, "The meter shall log.", moved) != inputs  # a linked need's page
    assert len({base, *changed}) == 4


def test_text_bound_to_its_document_or_to_unknown_roles_is_never_cached(corpus: Corpus) -> None:
    req = corpus.requirements[0]
    pages = {n.id: corpus.location(n.id).file.rsplit(".", 1)[0] for n in corpus}
    assert role_targets("See :need:`GS_08` and :need:`the clock <GS_09>`, *emphasis*.") == ["GS_08", "GS_09"]
    assert role_targets("See :ref:`somewhere`.") is None
    for text in (
        "Uses |substitution| text.",
        "A footnote [1]_ here.",
        "A `named link`_ here.",
        "A link_ here.",
        "Dynamic [[copy('id')]] text.",
        ".. note:: a directive",
        "See :meth:`foo`.",
        "See :need:`NO_SUCH_NEED`.",
    ):
        assert card_inputs(corpus, req, text, pages) is None, text
    assert card_inputs(corpus, req, "| a line block\n| of lines", pages) is not None
