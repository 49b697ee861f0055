"""A full read of a spec a full build read before skips the duplicate scan, and gives the same site
(:mod:`smets_spec.sphinx.warmfull`).

A generated project is built cold (the scan made), then warm into empty folders: with the mark
(no scan anywhere in the build), with the caches emptied but the mark left (whatever asks for
the findings scans for itself), switched off, and after an edit (another corpus: no mark). Every
site is the cold one's, file for file (normalised as :mod:`sitecompare` does); the edited one is
the same as a build of the edit without any cache.

Each build also counts the scan copies its process counts on (``duplicates.page.adopt_beside``:
the copies ``scan_beside`` starts, and the copy that loaded the spec and goes on to scan it,
``commands/loadbeside.py``):
``smets build`` starts the copy before Sphinx does (``duplicates.early``, ``SMETS_SCAN_EARLY``)
with the mark's key made without Sphinx, so one copy where the extension wants one (none more at
``config-inited``) and none where it wants none: the early key is the extension's. The build
without any cache starts its copy the old way (switched off, the spec loaded in the build's own
process: ``SMETS_LOAD_BESIDE=off``) and gives the site of the edited build, whose spec was loaded
and scanned by a copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from clitools import counted_calls
from sitecompare import differences
from smets_spec.corpus.synthetic import edit_requirement, generate
from smets_spec.sphinx import warmfull

#: counted in the build's process: the duplicate analysis (scan and reviews applied: once per
#: corpus; with ``-j 1`` every page is read there, and the requirement pages are written from
#: there) and the scan copies started
WATCHED = [("smets_spec.duplicates.page", "_analysis"), ("smets_spec.duplicates.page", "adopt_beside")]


def _build(root: Path, site: Path, cache: Path, switch: str = "on", early: str = "on") -> int:
    """How many duplicate analyses the build's process made (each build starts one scan copy
    exactly when it makes one, but for a mark whose guess is wrong: checked here)."""
    # (the conformance suite's cached run is keyed by pytest's variables too: one for every build)
    settings = {
        "SMETS_CACHE_DIR": str(cache),
        "SMETS_WARM_FULL": switch,
        "SMETS_SCAN_EARLY": early,
        "SMETS_LOAD_BESIDE": early,  # off: the spec loaded in the build's process, as before
        "PYTEST_CURRENT_TEST": "warmfull",
    }
    made, copies = counted_calls(root, site, WATCHED, settings, "-j", "1")
    assert copies == (0 if site.name == "emptied" else made)
    return made


def test_a_marked_full_read_scans_nothing_and_an_edited_spec_or_review_file_has_no_mark(
    tmp_path: Path,
) -> None:
    """One cold build for both halves: the warm builds of the same spec, then its review file
    and a requirement edited."""
    root = generate(tmp_path / "project", 30)
    cache = tmp_path / "cache"
    assert _build(root, tmp_path / "cold", cache) == 1
    assert len(list((cache / warmfull.KIND).glob("*.json"))) == 1  # the full read's mark

    assert _build(root, tmp_path / "warm", cache) == 0  # nothing asked for the findings
    assert differences(tmp_path / "cold", tmp_path / "warm") == []

    assert _build(root, tmp_path / "off", cache, "off") == 1  # switched off: warmed as ever
    assert differences(tmp_path / "cold", tmp_path / "off") == []

    for kind in ("page-texts", "req-pages"):
        shutil.rmtree(cache / kind)  # a mark whose guess is wrong: the pages ask, and scan
    assert _build(root, tmp_path / "emptied", cache) == 1
    assert differences(tmp_path / "cold", tmp_path / "emptied") == []

    # an edited spec or review file has no mark (the unedited spec's is in the cache)
    reviews = root / "spec" / "reviews" / "duplicates.toml"
    reviews.parent.mkdir(parents=True, exist_ok=True)
    reviews.write_text("", encoding="utf-8")  # an empty review file: another key, the same findings
    assert _build(root, tmp_path / "reviewed", cache) == 1
    edit_requirement(root, "RETITLED")
    assert _build(root, tmp_path / "edited", cache) == 1
    assert _build(root, tmp_path / "fresh", tmp_path / "no-cache", early="off") == 1
    assert differences(tmp_path / "fresh", tmp_path / "edited") == []
    assert _build(root, tmp_path / "again", cache) == 0  # the edited spec's own full read left its mark
