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
    FORMAT,
    MAX_BYTES,
    RenderCache,
    Rendered,
    bundle_from_json,
    bundle_to_json,
    card_inputs,
    card_key,
    role_targets,
)

KEY = "ab" + "0" * 62
PAGE = "sections/gs"
SCRIPT = '<p>x</p><script src="https://evil.example/a.js"></script>'
CARD = Rendered('<div class="docutils container"><p>The meter <em>shall</em> log.</p></div>', ("log",))


class _Bomb:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"touch {self.marker}",)


def _file(folder: Path) -> Path:
    path = RenderCache(folder).path(PAGE)
    assert path is not None and path.parent == folder / FOLDER
    return path


def test_the_cache_folder_is_the_users_and_ci_chooses(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert user_cache_folder() == tmp_path / "xdg" / "smets-spec"
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "ci"))
    assert user_cache_folder() == tmp_path / "ci"


def test_a_pages_cards_round_trip_as_plain_json_and_are_replaced_whole(tmp_path: Path) -> None:
    cache = RenderCache(tmp_path)
    assert cache.load(PAGE) == {}
    cache.save(PAGE, {KEY: CARD})
    assert json.loads(_file(tmp_path).read_text(encoding="utf-8"))["cards"][KEY][0] == CARD.html
    assert RenderCache(tmp_path).load(PAGE) == {KEY: CARD}
    assert RenderCache(tmp_path).load("sections/es") == {}
    other = "cd" + "0" * 62
    cache.save(PAGE, {other: CARD})  # the page's cards of its last build only: the file never grows
    assert RenderCache(tmp_path).load(PAGE) == {other: CARD}
    assert not list((tmp_path / FOLDER).glob("*.tmp"))  # written atomically: no temporary left


def test_a_planted_pickle_is_ignored_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = _file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(pickle.dumps(_Bomb(marker)))
    assert RenderCache(tmp_path).load(PAGE) == {}
    assert not marker.exists()


def _bundle(cards: object, page: str = PAGE, fmt: str = FORMAT) -> str:
    return json.dumps({"format": fmt, "page": page, "cards": cards})


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[]",
        _bundle({KEY: [3, []]}),
        _bundle({KEY: ["<p>x</p>", [1]]}),
        _bundle({KEY: ["<p>x</p>", [], "extra"]}),
        _bundle({"../../escape": ["<p>x</p>", []]}),
        _bundle([]),
        json.dumps({"format": FORMAT, "page": PAGE, "cards": {}, "extra": 1}),
        _bundle({KEY: ["<p>x</p>", []]}, fmt="smets-card-cache/0"),
        _bundle({KEY: ["<p>x</p>", []]}, page="sections/es"),
        bundle_to_json(
            PAGE, {KEY: Rendered('<p>x</p><script src="https://evil.example/x.js"></script>', ())}
        ),
        bundle_to_json(PAGE, {KEY: Rendered('<p onclick="steal()">x</p>', ())}),
        bundle_to_json(PAGE, {KEY: Rendered('<a href="javascript:steal()">x</a>', ())}),
        bundle_to_json(PAGE, {KEY: Rendered("<iframe src=x></iframe>", ())}),
        bundle_to_json(PAGE, {KEY: Rendered("<img/src=x/onerror=steal()>", ())}),
        bundle_to_json(PAGE, {KEY: Rendered('<img src="x"onerror="steal()">', ())}),
    ],
    ids=[
        *("corrupt", "list", "html-not-text", "words-not-text", "extra-item", "bad-key", "cards-not-map"),
        *("extra-field", "old-format", "other-page", "script", "handler", "javascript-link", "iframe"),
        *("handler-after-slash", "handler-after-quote"),
    ],
)
def test_a_file_not_exactly_ours_is_ignored(tmp_path: Path, text: str) -> None:
    path = _file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    assert RenderCache(tmp_path).load(PAGE) == {}
    with pytest.raises(ValueError):
        bundle_from_json(text, PAGE)


def test_text_that_merely_mentions_markup_is_a_card() -> None:
    card = Rendered("<p>set one = 5; javascript: is a word here; &lt;script&gt;</p>", ("set",))
    assert bundle_from_json(bundle_to_json(PAGE, {KEY: card}), PAGE) == {KEY: card}


def test_a_symlinked_or_oversized_file_is_ignored(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.json"
    outside.write_text(bundle_to_json(PAGE, {KEY: CARD}), encoding="utf-8")
    path = _file(tmp_path / "c")
    path.parent.mkdir(parents=True)
    path.symlink_to(outside)
    assert RenderCache(tmp_path / "c").load(PAGE) == {}
    path.unlink()
    with path.open("w", encoding="utf-8") as stream:
        stream.write(bundle_to_json(PAGE, {KEY: CARD}))
        stream.truncate(MAX_BYTES + 1)  # a sparse file over the limit
    assert RenderCache(tmp_path / "c").load(PAGE) == {}


def test_a_cache_folder_that_cannot_be_written_only_means_no_cache(tmp_path: Path) -> None:
    (tmp_path / FOLDER).write_text("a file where the cache's folder would be", encoding="utf-8")
    cache = RenderCache(tmp_path)
    cache.save(PAGE, {KEY: CARD})  # no error: the build goes on without storing
    assert cache.stored == 0 and cache.load(PAGE) == {}


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


def test_a_page_whose_file_holds_the_same_cards_is_not_written_again(tmp_path: Path) -> None:
    cache = RenderCache(tmp_path)
    cache.save(PAGE, {KEY: CARD})
    path = cache.path(PAGE)
    assert path is not None and cache.stored == 1 and cache.unchanged == 0
    inode = path.stat().st_ino
    cache.save(PAGE, {KEY: CARD})  # the same bytes: left as it is (an atomic write is a new inode)
    assert (cache.stored, cache.unchanged, path.stat().st_ino) == (1, 1, inode)
    other = Rendered(CARD.html.replace("</", " changed</", 1), CARD.words)
    cache.save(PAGE, {KEY: other})  # other bytes: replaced
    assert (cache.stored, cache.unchanged) == (2, 1) and path.stat().st_ino != inode
    assert cache.load(PAGE) == {KEY: other}
