"""``linker.relative_href`` (the folder part of a relative URI kept per target folder) answers what
Sphinx's ``relative_uri`` answers, on seeded random bases and targets: pages in the same folder, in
sibling, parent and child folders, folders (``dirhtml``), fragments, targets from the root, the
base page itself, and empty segments."""

from __future__ import annotations

import random

import pytest
from sphinx.util.osutil import relative_uri

from smets_spec.sphinx.linker import relative_href

_SEGMENTS = ("req", "devices", "trace", "a", "b", "", "index.html", "GS_08.html", "x.html", "req.html")


def _uri(rng: random.Random) -> str:
    parts = [rng.choice(_SEGMENTS) for _ in range(rng.randrange(1, 5))]
    uri = "/".join(parts)
    if rng.random() < 0.1:
        uri = "/" + uri
    if rng.random() < 0.2:
        uri += "#" + rng.choice(("GS_08", "", "top"))
    return uri


@pytest.mark.parametrize("seed", range(6))
def test_the_kept_folder_part_gives_relative_uris_answer(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        base = _uri(rng)
        prefixes: dict[str, str] = {}  # one per base, as each page's linker keeps it
        targets = [_uri(rng) for _ in range(40)]
        targets += [base, base.split("#")[0], base.split("#")[0] + "#GS_08"]
        for to in targets + rng.sample(targets, len(targets)):  # each folder kept, then asked again
            assert relative_href(prefixes, base, to) == relative_uri(base, to), (base, to)


def test_the_usual_links_share_their_folder_part() -> None:
    prefixes: dict[str, str] = {}
    base = "devices/esme.html"
    assert relative_href(prefixes, base, "req/GS_08.html") == "../req/GS_08.html"
    assert relative_href(prefixes, base, "req/GS_09.html") == "../req/GS_09.html"
    assert relative_href(prefixes, base, "devices/esme.html") == ""
    assert relative_href(prefixes, base, "devices/ihd.html") == "ihd.html"
    assert prefixes == {"req/": "../req/", "devices/": ""}
