"""The computed pages' texts kept in the user cache (:mod:`smets_spec.sphinx.pagetexts`) give the
site rendering them gives, and a new text whenever something the page reads changed.

A generated project is built (in tests/test_warm_full.py, whose cold and warm builds it shares)
with the cache cold (every text rendered), then warm into an empty folder (no text rendered
again): every file the same (normalised as :mod:`sitecompare` does). Edited (a requirement's
title, which the device pages show, and the gaps policy), it is built warm again and without the
cache: the same site, the edit shown. The key follows the conformance results, the review file,
conf.py and the documents found; a corrupt, planted, wrong-shaped, oversized or scripted entry is never used.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from smets_spec.conformance import live
from smets_spec.corpus import usercache
from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.needkeys import facet
from smets_spec.corpus.schema import DataItem, Device, Requirement
from smets_spec.corpus.synthetic import generate
from smets_spec.sphinx import pagetexts
from smets_spec.sphinx.keptkeys import keys_for

#: pagetexts.save: a text rendered and kept (with ``-j 1`` every page is read in the build's process)
SAVED = ("smets_spec.sphinx.pagetexts", "save")


# The builds (cold, then warm into an empty folder, then an edit built warm and without the cache)
# are tests/test_warm_full.py's test_warm_builds_take_every_text_kept_and_the_new_text_of_an_edit:
# they start from that file's own cold and warm builds of the same project.


# ------------------------------------------------------------------- the key and the checks


def _app(root: Path, docs: set[str]) -> Any:
    config = SimpleNamespace(html_file_suffix=None, html_link_suffix=None, overrides={})
    return SimpleNamespace(
        confdir=str(root),
        srcdir=str(root / "spec"),
        builder=SimpleNamespace(name="html"),
        config=config,
        env=SimpleNamespace(found_docs=docs),
    )


@pytest.fixture()
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Corpus]]:
    root = generate(tmp_path / "project", 5)
    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SMETS_PAGE_TEXT_CACHE", raising=False)
    monkeypatch.delenv("SMETS_RENDER_CACHE", raising=False)
    results = tmp_path / "results.json"
    results.write_text("{}")
    live.set_results_path(results)
    corpus = load_spec(root / "spec", relative_to=root / "spec")
    pagetexts._CONTEXT.clear()
    yield _app(root, {"index", "devices/index"}), corpus
    live.set_results_path(None)
    pagetexts._CONTEXT.clear()


DEPS = (facet(Requirement, aspects=("title", "fields")), facet(Device))
ARGS = ("DEV_ESME",)


def _save(app: Any, corpus: Corpus, text: str, mentions: frozenset[str] | None = frozenset()) -> None:
    pagetexts.save(app, corpus, "smets-device", "devices/esme", ARGS, DEPS, None, text, mentions)


def _load(app: Any, corpus: Corpus) -> tuple[str, frozenset[str] | None] | None:
    return pagetexts.load(app, corpus, "smets-device", "devices/esme", ARGS, DEPS, None)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(path.read_text() + text if path.is_file() else text, encoding="utf-8")


def test_the_key_follows_results_reviews_conf_and_documents(small: tuple[Any, Corpus]) -> None:
    app, corpus = small
    where = {
        "smets-conformance": ("conformance/index", ("questions",)),
        "smets-duplicates": ("quality/duplicates", ()),
        "smets-device": ("devices/esme", ARGS),
    }

    def keys() -> dict[str, str]:
        pagetexts._CONTEXT.clear()
        return {name: pagetexts.key_of(app, corpus, name, *at, None, None) for name, at in where.items()}

    assert keys() == keys()
    # what each change makes new: those directives' keys, and only those
    changes: list[tuple[Callable[[], object], set[str]]] = [
        (lambda: live.results_path().write_text('{"other": 1}'), {"smets-conformance"}),  # type: ignore[union-attr]
        (lambda: _write(corpus.source / "reviews" / "duplicates.toml", "# reviewed\n"), {"smets-duplicates"}),  # type: ignore[operator]
        (lambda: (Path(app.confdir) / "conf.py").write_text("# edited\n", encoding="utf-8"), set(where)),
        (lambda: app.env.found_docs.add("new"), set(where)),
        (lambda: app.config.overrides.update(html_title="x"), set(where)),
    ]
    before = keys()
    for change, changed in changes:
        change()
        now = keys()
        assert {name for name in where if now[name] != before[name]} == changed
        before = now


def test_a_kept_text_is_used_only_for_its_key_and_mentions(
    small: tuple[Any, Corpus], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, corpus = small
    pagetexts._CONTEXT.clear()
    item = next(iter(corpus.of_type(DataItem))).id  # a data item: not what DEPS read
    text = f'<svg class="c"><rect x="1"/></svg> <a href="../data/catalogue.html#{item}">{item}</a>'
    _save(app, corpus, text, frozenset({item, "DI_999"}))
    assert _load(app, corpus) == (text, frozenset({item, "DI_999"}))
    assert pagetexts.load(app, corpus, "smets-device", "devices/esme", ("DEV_IHD",), DEPS, None) is None
    assert pagetexts.load(app, corpus, "smets-device", "devices/esme", ARGS, DEPS, "stamp") is None
    keys = dict(keys_for(corpus))
    monkeypatch.setattr(pagetexts, "keys_for", lambda c: keys)
    pagetexts._FACETS_OF[0] = None
    assert _load(app, corpus) is not None  # the same keys
    keys[item] = (*keys[item][:1], "another title", *keys[item][2:])  # a mentioned need's title
    pagetexts._FACETS_OF[0] = None
    assert _load(app, corpus) is None


@pytest.mark.parametrize(
    "spoil",
    [
        "corrupt",
        "shape",
        "script",
        "handler",
        "svg-active",
        "mentions",
        "symlink",
        "oversized",
    ],
)
def test_a_spoilt_entry_is_never_used(
    small: tuple[Any, Corpus], spoil: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, corpus = small
    pagetexts._CONTEXT.clear()
    _save(app, corpus, "<p>fine</p>")
    assert _load(app, corpus) is not None
    path = next((Path(os.environ["SMETS_CACHE_DIR"]) / pagetexts.KIND).glob("*.json"))
    data = json.loads(path.read_text())
    value = data["value"]
    if spoil == "corrupt":
        path.write_text(path.read_text()[:-7])
    elif spoil == "shape":
        value["args"] = "DEV_ESME"
    elif spoil == "script":
        value["text"] = "<p>fine</p><script>alert(1)</script>"
    elif spoil == "handler":
        value["text"] = '<p>fine</p><img src="x" onerror="alert(1)">'
    elif spoil == "svg-active":
        value["text"] = '<svg><animate attributeName="href" to="x"/></svg>'
    elif spoil == "mentions":
        value["mentions"] = ["not an id!"]
    elif spoil == "symlink":
        target = path.with_suffix(".real")
        path.rename(target)
        path.symlink_to(target)
    elif spoil == "oversized":
        monkeypatch.setattr(usercache, "MAX_BYTES", 100)
    if spoil in ("shape", "script", "handler", "svg-active", "mentions"):
        path.write_text(json.dumps(data))
    assert _load(app, corpus) is None


def test_a_text_holding_what_is_refused_is_not_kept(small: tuple[Any, Corpus]) -> None:
    app, corpus = small
    _save(app, corpus, "<script>x</script>")
    assert not (Path(os.environ["SMETS_CACHE_DIR"]) / pagetexts.KIND).exists()


def test_switched_off(small: tuple[Any, Corpus], monkeypatch: pytest.MonkeyPatch) -> None:
    assert pagetexts.cached("smets-device", ARGS)
    assert pagetexts.cached("smets-conformance", ("questions",))
    assert pagetexts.cached("smets-conformance", ())  # the summary: the results (in the key), no clock
    assert not pagetexts.cached("smets-gaps", ())  # the change history, from git
    monkeypatch.setenv("SMETS_PAGE_TEXT_CACHE", "off")
    assert not pagetexts.cached("smets-device", ARGS)
