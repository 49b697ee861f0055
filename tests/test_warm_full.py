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

The cold build and the first warm one are made once (:func:`cold_and_warm`) for this test and for
two more that start from the same builds (each build counts what the three tests count): the
page-text cache's (:mod:`smets_spec.sphinx.pagetexts`: every text rendered in the cold build,
none in the warm one, then an edit built warm and without that cache) and the new files' writes
(``SMETS_NEW_WRITES``: the cold build's requirement pages against a build with the switch off).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clitools import Pristine, counted_build, counted_calls
from sitecompare import differences
from smets_spec.corpus import files
from smets_spec.corpus.synthetic import edit_requirement, generate
from smets_spec.sphinx import warmfull
from test_new_writes import _req_files
from test_page_text_cache import SAVED

#: counted in the build's process: the duplicate analysis (scan and reviews applied: once per
#: corpus; with ``-j 1`` every page is read there, and the requirement pages are written from
#: there) and the scan copies started
WATCHED = [("smets_spec.duplicates.page", "_analysis"), ("smets_spec.duplicates.page", "adopt_beside")]
#: the conformance suite's cached run is keyed by pytest's variables too: one for every build
CURRENT = "warmfull"


def _settings(cache: Path, switch: str = "on", early: str = "on") -> dict[str, str]:
    return {
        "SMETS_CACHE_DIR": str(cache),
        "SMETS_WARM_FULL": switch,
        "SMETS_SCAN_EARLY": early,
        "SMETS_LOAD_BESIDE": early,  # off: the spec loaded in the build's process, as before
        "PYTEST_CURRENT_TEST": CURRENT,
    }


def _made(site: Path, made: int, copies: int) -> int:
    """How many duplicate analyses the build's process made (each build starts one scan copy
    exactly when it makes one, but for a mark whose guess is wrong: checked here)."""
    assert copies == (0 if site.name == "emptied" else made)
    return made


def _build(root: Path, site: Path, cache: Path, switch: str = "on", early: str = "on") -> int:
    """:func:`_made` of a build into ``site``."""
    return _made(site, *counted_calls(root, site, WATCHED, _settings(cache, switch, early), "-j", "1"))


#: a new file written (``files.FolderWriter.write_new``; with ``-j 1`` in the build's process)
WRITTEN = ("smets_spec.corpus.files", "FolderWriter.write_new")
#: what :func:`cold_and_warm` gives: for the cold build then the warm one, the duplicate analyses
#: made, the page texts kept (:data:`SAVED`) and the new files written (:data:`WRITTEN`); the full
#: read's marks after the cold build
ColdWarm = tuple[list[tuple[int, int, int]], int]


def _cold_and_warm(work: Path) -> ColdWarm:
    """A generated project in ``WORK/project`` built cold into ``WORK/cold`` (the user cache
    ``WORK/cache``), then warm into the empty ``WORK/warm``: every switch on, as by default."""
    root, cache = generate(work / "project", 30), work / "cache"
    counts, marks = [], 0
    for name in ("cold", "warm"):
        site = work / name
        made, copies, saved, written = counted_calls(
            root, site, [*WATCHED, SAVED, WRITTEN], _settings(cache), "-j", "1"
        )
        counts.append((_made(site, made, copies), saved, written))
        if name == "cold":
            marks = len(list((cache / warmfull.KIND).glob("*.json")))
    return counts, marks


@pytest.fixture(scope="module")
def cold_and_warm(tmp_path_factory: pytest.TempPathFactory) -> Pristine[ColdWarm]:
    """:func:`_cold_and_warm`, made once for the three tests, put back as built for each."""
    return Pristine(tmp_path_factory.mktemp("warmfull"), _cold_and_warm)


def test_a_marked_full_read_scans_nothing_and_an_edited_spec_or_review_file_has_no_mark(
    tmp_path: Path, cold_and_warm: Pristine[ColdWarm]
) -> None:
    """One cold build for both halves: the warm builds of the same spec, then its review file
    and a requirement edited."""
    [(cold, _, _), (warm, _, _)], marks = cold_and_warm.again()
    root, cache, work = cold_and_warm.work / "project", cold_and_warm.work / "cache", cold_and_warm.work
    assert cold == 1
    assert marks == 1  # the full read's mark

    assert warm == 0  # nothing asked for the findings
    assert differences(work / "cold", work / "warm") == []

    assert _build(root, tmp_path / "off", cache, "off") == 1  # switched off: warmed as ever
    assert differences(work / "cold", tmp_path / "off") == []

    for kind in ("page-texts", "req-pages"):
        shutil.rmtree(cache / kind)  # a mark whose guess is wrong: the pages ask, and scan
    assert _build(root, tmp_path / "emptied", cache) == 1
    assert differences(work / "cold", tmp_path / "emptied") == []

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


def _texts(root: Path, site: Path, cache: Path, switch: str = "on") -> int:
    """How many page texts the build rendered and kept (``switch``: ``SMETS_PAGE_TEXT_CACHE``)."""
    settings = {
        "SMETS_CACHE_DIR": str(cache),
        "SMETS_PAGE_TEXT_CACHE": switch,
        "PYTEST_CURRENT_TEST": CURRENT,
    }
    return counted_build(root, site, SAVED, settings, "-j", "1")


def test_warm_builds_take_every_text_kept_and_the_new_text_of_an_edit(
    tmp_path: Path, cold_and_warm: Pristine[ColdWarm]
) -> None:
    """The page-text cache (tests/test_page_text_cache.py): cold (every text rendered) and warm
    into an empty folder, the same site. Then a requirement's title edited (its device pages' and
    section page's tables show it) and the gaps policy: the texts showing the title rendered again,
    the same site as without the cache."""
    [(_, cold, _), (_, warm, _)], _ = cold_and_warm.again()
    root, cache, work = cold_and_warm.work / "project", cold_and_warm.work / "cache", cold_and_warm.work
    assert cold > 40  # the section, device, trace... pages' texts
    assert warm == 0  # none rendered again
    assert differences(work / "cold", work / "warm") == []  # (the cold build rendered all)

    edit_requirement(root, "RETITLED")
    policy = root / "policy.toml"
    rule = 'requirement-without-data = "off"'
    policy.write_text(policy.read_text().replace(rule, rule.replace("off", "warning")))
    assert 0 < _texts(root, tmp_path / "warm2", cache) < 40  # the texts showing the title
    assert _texts(root, tmp_path / "off2", cache, "off") == 0  # none kept
    assert differences(tmp_path / "off2", tmp_path / "warm2") == []
    shown = {p.parent.name for p in (tmp_path / "warm2").rglob("*.html") if "RETITLED" in p.read_text()}
    assert {"devices", "sections"} <= shown


def test_the_requirement_pages_are_the_same_either_way(
    tmp_path: Path, cold_and_warm: Pristine[ColdWarm]
) -> None:
    """The new files' writes (tests/test_new_writes.py): the cold build's requirement pages (the
    switch on, as by default) against a build with ``SMETS_NEW_WRITES=off`` and the same user
    cache (the same conformance run's pages)."""
    [(_, _, made_on), _], _ = cold_and_warm.again()
    root, cache, on_site = (
        cold_and_warm.work / "project",
        cold_and_warm.work / "cache",
        cold_and_warm.work / "cold",
    )
    settings = {**_settings(cache), files.NEW_SWITCH: "off"}
    off_site = tmp_path / "site-off"
    made_off = counted_calls(root, off_site, [WRITTEN], settings, "-j", "1")[0]
    on, off = _req_files(on_site), _req_files(off_site)
    pages = [name for name in on if name.endswith(".html") and name != "index.html"]
    assert len(pages) >= 120  # each requirement's page and its redirect
    assert {"on": made_on, "off": made_off} == {"on": len(pages), "off": 0}
    assert on == off
    assert not [name for name in on if name.endswith(".tmp")]
    assert differences(on_site, off_site) == []
