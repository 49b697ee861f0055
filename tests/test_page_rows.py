"""Computed pages that draw a row once and share it between pages (render/pages.py) give the text the
plain drawing gives: the device pages (every requirement is on each) after seeded random edits,
drawn for pages in several folders (each a different href for the same need) in random order."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.schema import Degree, Device, Requirement
from smets_spec.corpus.synthetic import generate
from smets_spec.markup.html import raw_block
from smets_spec.markup.rst import heading
from smets_spec.render import pages
from smets_spec.trace.coverage import ordered_requirements


class _FolderLinker:
    """Hrefs as a page in ``folder`` sees them (a requirement's own page, other needs on a page)."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def need(self, need_id: str) -> str:
        return (
            f"{self.folder}/req/{need_id}.html"
            if need_id.startswith("GS")
            else f"{self.folder}/x.html#{need_id}"
        )

    def doc(self, docname: str) -> str:
        return f"{self.folder}/{docname}.html"


def _plain_device_page(corpus: Corpus, device_id: str, linker: _FolderLinker) -> str:
    """The device page as drawn before rows were shared: three passes, every row drawn anew."""
    out: list[str] = []
    for degree in Degree:
        reqs = [r for r in ordered_requirements(corpus) if r.degree_for(device_id) is degree]
        out.append(heading(f"{degree.value.capitalize()} ({len(reqs)})", "~"))
        cells = lambda r: [r.section.value if r.section else ""]  # noqa: E731
        out.append(raw_block(pages._reqs_html(corpus, linker, reqs, ["Section"], cells)))
    return "\n".join(out)


def _edit(spec: Path, rng: random.Random) -> None:
    """A random title edit, binding change or deletion of a device's field in one file."""
    files = sorted(spec.rglob("*.rst"))
    for _ in range(20):
        path = rng.choice(files)
        text = path.read_text(encoding="utf-8")
        if ".. req:: " not in text:
            continue
        kind = rng.choice(("title", "mandatory", "optional"))
        if kind == "title":
            text = text.replace(".. req:: ", f".. req:: <b>&{rng.randrange(99)}</b> ", 1)
        elif kind == "mandatory" and ":mandatory_for: " in text:
            text = text.replace(":mandatory_for: ", ":mandatory_for: DEV_IHD, ", 1)
        elif ":optional_for: " in text:
            text = text.replace(":optional_for: ", ":optional_for: DEV_GSME, ", 1)
        path.write_text(text, encoding="utf-8")
        return


@pytest.mark.parametrize("seed", [3, 4])
def test_device_pages_share_rows_and_draw_the_plain_text(tmp_path: Path, seed: int) -> None:
    root = generate(tmp_path / "p", 150)
    rng = random.Random(seed)
    linkers = [_FolderLinker(f) for f in ("devices", "elsewhere", "a/b")]
    for step in range(6):
        corpus = load_spec(root / "spec", relative_to=root / "spec")
        devices = [d.id for d in corpus.of_type(Device)] + ["DEV_NONE"]
        todo = [(d, linker) for d in devices for linker in linkers] * 2
        rng.shuffle(todo)
        for device_id, linker in todo:
            got = pages.device_requirements(corpus, [device_id], linker)
            assert got == _plain_device_page(corpus, device_id, linker), (step, device_id, linker.folder)
        assert len(pages._device_row_memo(corpus)) == len(corpus.of_type(Requirement))
        _edit(root / "spec", rng)
