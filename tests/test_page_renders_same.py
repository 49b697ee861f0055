"""The computed pages' renderers, made cheaper (each link drawn once per page, a data item's chain
cells once per chains page, the matrix's cells from its degrees, the device pages' groups and the
counts by device once per corpus), draw byte for byte the text the renderers drew before (kept in
tests/renders_before.py): the matrix, chains, verification, catalogue, device and gaps pages, the
devices overview, the coverage and conformance counts by device and section, the versions'
binding counts; on generated projects of two sizes and seeds, with titles that need escaping, after
random edits, with every section's and device's arguments and for pages in three folders."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

import renders_before as before
from smets_spec.change.versions import _binding, binds
from smets_spec.conformance.pages import by_device, by_section
from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.schema import Device, Section
from smets_spec.corpus.synthetic import generate
from smets_spec.markup.html import Linker, PageLinks, breakable, need_link
from smets_spec.render import pages, trace
from smets_spec.trace.coverage import coverage_by_device
from smets_spec.trace.gaps import Policy, default_policy

Render = Callable[[Corpus, list[str], Linker], str]


def _gaps(render: Callable[[Corpus, Policy, Linker], str]) -> Render:
    return lambda corpus, args, linker: render(corpus, default_policy(), linker)


#: each renderer of today, with the one it replaces
PAIRS: dict[str, tuple[Render, Render]] = {
    "matrix": (trace.matrix, before.matrix),
    "chains": (trace.chain_table, before.chain_table),
    "verification": (trace.verification_page, before.verification_page),
    "catalogue": (pages.data_catalogue, before.data_catalogue),
    "device": (pages.device_requirements, before.device_requirements),
    "gaps": (_gaps(trace.gaps_page), _gaps(before.gaps_page)),
}


class _FolderLinker:
    """Hrefs as a page in ``folder`` sees them (a requirement's own page, other needs on a page),
    ``&`` in some so that the hrefs are escaped too."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def need(self, need_id: str) -> str:
        if need_id.startswith(("GS", "SP", "ES")):
            return f"{self.folder}/req/{need_id}.html"
        return f"{self.folder}/x.html?a=1&b=2#{need_id}"

    def doc(self, docname: str) -> str:
        return f"{self.folder}/{docname}.html"


_DIRECTIVE = re.compile(r"^(\.\. [a-z]+:: )", re.MULTILINE)
_LINKS = ("uses", "verifies", "implements", "maps_to", "carried_by", "mandatory_for")


def _edit(spec: Path, rng: random.Random) -> None:
    """A random edit of one file: a need's title given markup to escape, or one of its links to
    data items, protocol objects, requirements or devices taken away."""
    files = sorted(spec.rglob("*.rst"))
    for _ in range(100):
        path = rng.choice(files)
        text = path.read_text(encoding="utf-8")
        if rng.random() < 0.5:
            text, found = _DIRECTIVE.subn(rf'\1<i>&"{rng.randrange(99)}"</i> ', text, count=1)
        else:
            text, found = re.subn(
                rf"^   :{rng.choice(_LINKS)}: [^\n]*\n", "", text, count=1, flags=re.MULTILINE
            )
        if found:
            path.write_text(text, encoding="utf-8")
            return


def _args(corpus: Corpus, name: str) -> list[list[str]]:
    if name in ("matrix", "chains"):
        present = {r.section for r in corpus.requirements}
        return [[], *([s.value] for s in Section if s in present)]
    if name == "device":
        return [[d.id] for d in corpus.of_type(Device)] + [["DEV_NONE"], []]
    return [[]]


@pytest.mark.parametrize(("size", "seed"), [(120, 1), (700, 2)])
def test_renders_draw_the_text_drawn_before(tmp_path: Path, size: int, seed: int) -> None:
    root = generate(tmp_path / "p", size, seed=seed)
    rng = random.Random(seed)
    linkers = [_FolderLinker(f) for f in ("trace", "data", "a/b")]
    compared = 0
    for step in range(4):
        corpus = load_spec(root / "spec", relative_to=root / "spec")
        for name, (new, old) in PAIRS.items():
            for args in _args(corpus, name):
                for linker in linkers:
                    got = new(corpus, list(args), linker)
                    assert got == old(corpus, list(args), linker), (step, name, args, linker.folder)
                    compared += len(got)
        _same_counts(corpus)
        for _ in range(3):
            _edit(root / "spec", rng)
    assert compared > 10 * size * 100  # pages of real size were compared


def test_page_links_draw_need_link_once_each(tmp_path: Path) -> None:
    root = generate(tmp_path / "p", 40)
    corpus = load_spec(root / "spec", relative_to=root / "spec")
    calls: list[str] = []

    class Counting(_FolderLinker):
        def need(self, need_id: str) -> str:
            calls.append(need_id)
            return super().need(need_id)

    linker = Counting("trace")
    links = PageLinks(corpus, linker)
    first = corpus.requirements[0].id
    for show_title in (False, True, False, True):
        assert links(first, show_title) == need_link(corpus, _FolderLinker("trace"), first, show_title)
    assert links("NO_SUCH_NEED") == need_link(corpus, linker, "NO_SUCH_NEED")
    assert calls.count(first) == 2  # once plain, once with its title


def test_breakable_breaks_ids_after_underscores_only() -> None:
    html = '<a href="x">DI_ENERGY_1</a> <a href="y">plain</a> <a>SP_2.1</a>'
    assert breakable(html) == before.breakable(html)
    assert breakable(html) == '<a href="x">DI_<wbr>ENERGY_<wbr>1</a> <a href="y">plain</a> <a>SP_<wbr>2.1</a>'


def _same_counts(corpus: Corpus) -> None:
    """The counts by device and by section that moved to one pass over the requirements."""
    assert pages.devices_overview(corpus, []) == before.devices_overview(corpus, [])
    assert coverage_by_device(corpus) == before.coverage_by_device(corpus)
    devices = [d.id for d in corpus.of_type(Device)]
    for asked in (devices, [*devices[:2], "DEV_NONE", devices[0]], []):
        reqs = corpus.requirements
        assert _binding(reqs, asked) == {d: sum(1 for r in reqs if binds(r, d)) for d in asked}
    for new, old in ((by_device, before.by_device), (by_section, before.by_section)):
        assert [(k, list(c.items())) for k, c in new(corpus)] == [
            (k, list(c.items())) for k, c in old(corpus)
        ]
