"""Work the computed pages share instead of repeating it (issue 20): each gives what the plain
computation gives, on seeded random inputs.

* relative URIs worked out once per folder of linking pages (sphinx/linker.py) against the
  builder's own ``get_relative_uri`` for every pair of pages, for both HTML builders;
* one requirement's link drawn once (markup/html.py), never stale when its title changes;
* the DLMS/COSEM objects the conformance pages list (conformance/cosem.py) against the scan of
  every pair of object and item it replaced;
* the versions page's counts from the corpus and the revisions (change/versions.py) against
  :func:`~smets_spec.change.versions.timeline` over every version's side, after random edits of
  the working tree.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import git
import pytest
from sphinx.builders import Builder
from sphinx.builders.dirhtml import DirectoryHTMLBuilder
from sphinx.builders.html import StandaloneHTMLBuilder

from changetools import commit, history_repo
from clitools import SOURCEDIRS
from smets_spec.change.specindex import IndexCache
from smets_spec.change.versions import corpus_timelines, open_versions, timeline
from smets_spec.conformance import cosem
from smets_spec.conformance.cosem import MappedObject
from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.project import Project
from smets_spec.corpus.schema import DataItem, Device, Protocol, ProtocolObject
from smets_spec.corpus.synthetic import generate
from smets_spec.markup.html import need_link
from smets_spec.sphinx.linker import SphinxLinker


def _builder(cls: type[Builder]) -> Any:
    builder = cls.__new__(cls)  # only the URI methods are used: no application needed
    builder.link_suffix = ".html"
    return builder


def _docnames(rng: random.Random) -> list[str]:
    parts = ["a", "b", "req", "index", "x y", "é"]
    names = {"index", "a", "a/index", "req/index"}
    while len(names) < 40:
        names.add("/".join(rng.choice(parts) for _ in range(rng.randint(1, 4))))
    return sorted(names)


@pytest.mark.parametrize("cls", [StandaloneHTMLBuilder, DirectoryHTMLBuilder])
@pytest.mark.parametrize("seed", range(3))
def test_shared_uris_are_the_builders_own(cls: type[Builder], seed: int) -> None:
    rng = random.Random(seed)
    names = _docnames(rng)
    builder = _builder(cls)
    app = SimpleNamespace(builder=builder, env=SimpleNamespace(found_docs=set(names)))
    corpus = Corpus()
    pages = names * 2
    rng.shuffle(pages)  # each page twice, in random order: later pages meet what earlier ones shared
    checked = 0
    for page in pages:
        linker = SphinxLinker(app, corpus, page)  # type: ignore[arg-type]
        targets = [*rng.sample(names, 25), page]
        for target in targets:
            assert linker.doc(target) == builder.get_relative_uri(page, target), (page, target)
            checked += 1
    assert checked == len(pages) * 26
    # the cases that differ within one folder are there: a page's link to itself, and (dirhtml)
    # two docnames with one URI ("a" and "a/index" are both "a/")
    assert SphinxLinker(app, corpus, "a").doc("a") == builder.get_relative_uri("a", "a")  # type: ignore[arg-type]
    assert SphinxLinker(app, corpus, "a").doc("a/index") == builder.get_relative_uri("a", "a/index")  # type: ignore[arg-type]


@pytest.mark.parametrize("cls", [StandaloneHTMLBuilder, DirectoryHTMLBuilder])
@pytest.mark.parametrize("pages", [True, False])
def test_shared_need_links_are_the_builders_own(cls: type[Builder], pages: bool) -> None:
    corpus = load_spec(SOURCEDIRS / "mini" / "spec")
    builder = _builder(cls)
    docs = {loc.file.rsplit(".", 1)[0] for loc in corpus.locations.values()}
    docs |= {f"req/{r.id}" for r in corpus.requirements} | ({"req/index"} if pages else set())
    app = SimpleNamespace(builder=builder, env=SimpleNamespace(found_docs=docs))

    def plain(page: str, need_id: str) -> str:
        need = corpus.needs.get(need_id)
        if need is None:
            return "#"
        if pages and need_id in {r.id for r in corpus.requirements}:
            return builder.get_relative_uri(page, f"req/{need_id}")  # type: ignore[no-any-return]
        return f"{builder.get_relative_uri(page, corpus.location(need_id).file.rsplit('.', 1)[0])}#{need_id}"

    rng = random.Random(len(docs))
    ids = [*corpus.needs, "NOPE_1"]
    order = sorted(docs) * 2
    rng.shuffle(order)
    for page in order:  # pages that show their own needs among them
        linker = SphinxLinker(app, corpus, page)  # type: ignore[arg-type]
        for need_id in rng.sample(ids, len(ids)):
            assert linker.need(need_id) == plain(page, need_id), (page, need_id)


def test_a_builder_with_its_own_relative_uris_shares_nothing() -> None:
    class OnePage(StandaloneHTMLBuilder):
        def get_relative_uri(self, from_: str, to: str, typ: str | None = None) -> str:
            return f"#document-{to}"

    builder = _builder(OnePage)
    app = SimpleNamespace(builder=builder, env=SimpleNamespace(found_docs={"a", "b"}))
    assert SphinxLinker(app, Corpus(), "a").doc("b") == "#document-b"  # type: ignore[arg-type]


class _Counting:
    def __init__(self) -> None:
        self.calls = 0

    def need(self, need_id: str) -> str:
        self.calls += 1
        return f"../req/{need_id}.html"

    def doc(self, docname: str) -> str:
        return docname


def test_a_kept_link_follows_the_title() -> None:
    corpus = load_spec(SOURCEDIRS / "mini" / "spec")
    need_id = next(iter(corpus.needs))
    linker = _Counting()
    first = need_link(corpus, linker, need_id, show_title=True)
    assert need_link(corpus, linker, need_id, show_title=True) == first
    assert linker.calls == 2  # the href is asked each time (it depends on the page)
    corpus.needs[need_id] = corpus.needs[need_id].model_copy(update={"title": "A <new> title"})
    changed = need_link(corpus, linker, need_id, show_title=True)
    assert 'title="A &lt;new&gt; title"' in changed and changed != first
    assert 'title="missing need"' in need_link(corpus, linker, "NOPE_1")


# ------------------------------------------------------------------ versions


def _versions(revisions: dict[str, str]) -> str:
    out = ["Versions", "========", ""]
    for n, (vid, rev) in enumerate(revisions.items()):
        out += [
            f".. version:: V{n}",
            f"   :id: {vid}",
            f"   :revision: {rev}",
            f"   :designated: 2026-01-0{n + 1}",
        ]
        out += [f"   :installed_from: 2026-01-0{2 * n + 1}", f"   :installed_until: 2026-01-0{2 * n + 2}"]
        out += ["   :dates_basis: fixture", ""]
    out += [".. version:: Draft", "   :id: VER_DRAFT", "   :dates_basis: fixture", ""]
    return "\n".join(out)


_DEGREE = re.compile(r"^   :(mandatory_for|optional_for|not_applicable_for|status): .*$", re.M)


def _edit(root: Path, rng: random.Random) -> None:
    """Random changes of who a requirement binds: a device dropped from a list, a status withdrawn."""
    for path in sorted((root / "spec").rglob("*.rst")):
        text = path.read_text(encoding="utf-8")

        def change(m: re.Match[str]) -> str:
            roll = rng.random()
            if m[1] == "status":
                return "   :status: withdrawn" if roll < 0.3 else m[0]
            devices = [d.strip() for d in m[0].split(": ", 1)[1].split(",")]
            if roll < 0.4 and len(devices) > 1:  # one device less bound
                devices.remove(rng.choice(devices))
            return f"   :{m[1]}: " + ", ".join(devices)

        path.write_text(_DEGREE.sub(change, text), encoding="utf-8")


@pytest.mark.parametrize("seed", range(3))
def test_versions_counts_from_the_corpus_are_every_sides_own(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    root = tmp_path / "repo"
    repo, shas = history_repo(root)
    (root / "spec" / "versions.rst").write_text(
        _versions({"VER_1": shas["v1.0"], "VER_2": shas["head"], "VER_GONE": "0" * 40}), encoding="utf-8"
    )
    commit(repo, "versions", 5)
    _edit(root, rng)  # the working draft differs from every recorded version
    corpus = load_spec(root / "spec", relative_to=root / "spec")
    found = [d.format() for d in corpus.diagnostics]
    assert len(found) == 1 and "'TERM_CREDIT' does not match" in found[0], found  # the fixture's own
    devices = sorted(n for n in corpus.needs if n.startswith("DEV_"))
    cache = IndexCache(tmp_path / "cache")
    sides = open_versions(Project(root), IndexCache(tmp_path / "other-cache"))
    expected = {d: [n for _, n in timeline(sides, d)] for d in devices}
    versions, counts = corpus_timelines(Project(root), corpus, devices, cache)
    assert (
        [v.id for v in versions]
        == [v.id for v in sides.versions]
        == ["VER_1", "VER_2", "VER_GONE", "VER_DRAFT"]
    )
    assert counts == expected
    assert all(c[2] == -1 for c in counts.values())  # an unknown revision
    assert any(c[1] != c[3] for c in counts.values())  # the edits changed what the draft binds
    # the same from a warm cache (the recorded versions' indexes kept by their trees)
    assert corpus_timelines(Project(root), corpus, devices, cache)[1] == expected
    assert isinstance(repo, git.Repo)


# ------------------------------------------------------------- COSEM objects


def _mapped_plainly(corpus: Corpus, device: str) -> list[MappedObject]:
    """:func:`~smets_spec.conformance.cosem.mapped_objects` as it was written first (every pair of
    object and item, every requirement for each): the oracle of the one-pass version."""
    items = [d for d in corpus.of_type(DataItem) if device in d.held_by]
    out: list[MappedObject] = []
    for obj in corpus.of_type(ProtocolObject):
        if obj.protocol != Protocol.DLMS_COSEM or obj.interface_class is None or not obj.obis:
            continue
        for item in (d for d in items if obj.id in d.maps_to):
            reqs = tuple(
                r.id
                for r in corpus.requirements
                if item.id in r.uses and (device in r.mandatory_for or device in r.optional_for)
            )
            method = int(obj.method) if obj.method and obj.method.strip().isdigit() else None
            attributes = cosem._attributes(obj)
            out.append(
                MappedObject(
                    obj.id,
                    int(obj.interface_class),
                    obj.obis,
                    attributes,
                    item.id,
                    item.unit or "",
                    reqs,
                    method,
                )
            )
            break
    return out


@pytest.mark.parametrize("seed", range(2))
def test_mapped_objects_are_the_plain_scans(tmp_path: Path, seed: int) -> None:
    generate(tmp_path / "p", 400, seed=seed)
    corpus = load_spec(tmp_path / "p" / "spec", relative_to=tmp_path / "p" / "spec")
    rng = random.Random(seed)
    needs = list(corpus.needs.values())
    for need in rng.sample(needs, len(needs) // 3):  # random links dropped and duplicated
        update: dict[str, tuple[str, ...]] = {}
        for name in ("uses", "maps_to", "held_by", "mandatory_for", "optional_for"):
            value = getattr(need, name, None)
            if value:
                update[name] = tuple(rng.sample(value, rng.randint(0, len(value)))) + value[:1]
        corpus.needs[need.id] = need.model_copy(update=update)
    found = 0
    for device in sorted(n.id for n in corpus.of_type(Device)):
        fast = cosem.mapped_objects(corpus, device)
        assert fast == _mapped_plainly(corpus, device)
        found += sum(len(o.requirements) for o in fast)
    assert found > 50
