"""The end of a parallel build's write (issue 20): Sphinx's pages cut into the writers' runs by a
page's cost, not its doctree's bytes alone (sphinx/forkwrite.py ``_costs``,
``SMETS_WRITE_PAGE_COST``). A project built cold both ways gives the same site (every
page, needs.json, the search index); an edit built after it into both sites gives the same site
again, the edited requirement's page drawn anew and the index of the requirement pages the same.
The "on" side's builds are conftest's shared ``first_built_60`` and ``edited_60`` (every switch on).
(Pages are compared as ``sitecompare`` does: the conformance suite's run time and age differ from
build to build.)"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from clitools import EditedBuilt, driven_build
from sitecompare import differences, site_files

_SWITCHES = ("SMETS_WRITE_PAGE_COST",)

#: `smets build`; each run of Sphinx's page writers (its number and its pages' count) logged to
#: RUNS_LOG
_DRIVER = """
import os, sys
from smets_spec import cli
from smets_spec.sphinx import forkwrite
chunk = forkwrite._write_chunk
def logged_chunk(builder, job):
    with open(os.environ["RUNS_LOG"], "a", encoding="utf-8") as out:
        out.write(f"{job[0]} {len(job[1])}\\n")
    return chunk(builder, job)
forkwrite._write_chunk = logged_chunk
sys.exit(cli.main(sys.argv[1:]))
"""


def _build(root: Path, base: Path, side: str, step: str) -> dict[str, list[str]]:
    """`smets build -j 2` of ``root`` into ``BASE/site-SIDE`` (its own cache), the switches ``side``;
    what the driver logged (``runs``), kept beside the site as ``SIDE-STEP-runs.log``."""
    logs = {kind: base / f"{side}-{step}-{kind}.log" for kind in ("runs",)}
    settings = {
        "SMETS_CACHE_DIR": str(base / f"cache-{side}"),
        "RUNS_LOG": str(logs["runs"]),
        **dict.fromkeys(_SWITCHES, side),
    }
    driven_build(_DRIVER, root, base / f"site-{side}", settings, "-j", "2")
    return {
        kind: path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        for kind, path in logs.items()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, edited_60: EditedBuilt) -> dict[str, object]:
    """Both sides built cold, then one requirement edited and built into both: the "on" side is
    conftest's ``first_built_60`` (the same generated project, cold, ``-j 2``, every switch on) and
    ``edited_60`` (its edit, tag "edited"); the "off" side builds that project into a folder of
    its own (its own cache), then the edit."""
    base = tmp_path_factory.mktemp("writetail")
    first = edited_60.first
    root, _ = first.again()
    sites = {side: base / f"site-{side}" for side in ("on", "off")}
    cold_sites = {side: base / f"cold-{side}" for side in ("on", "off")}
    shutil.copytree(first.sites["on"], cold_sites["on"], symlinks=True)
    runs = (first.logs / "runs.log").read_text(encoding="utf-8").splitlines()
    cold = {"on": {"runs": runs}, "off": _build(root, base, "off", "cold")}
    shutil.copytree(sites["off"], cold_sites["off"], symlinks=True)  # the cold sites kept for their tests
    edited_60.again()  # the project edited (tag "edited"), the edit built into first's "on" site
    edited_60.touch()  # (edited before the "off" side's first build)
    shutil.copytree(first.sites["on"], sites["on"], symlinks=True)
    edit = {"off": _build(root, base, "off", "edit")}
    return {"cold": cold, "edit": edit, "sites": sites, "cold_sites": cold_sites}


def _same_sites(on: Path, off: Path) -> None:
    assert differences(on, off) == []
    for name in ("needs.json", "searchindex.js", "genindex.html", "req/.smets-pages.json"):
        assert (on / name).read_bytes() == (off / name).read_bytes(), name
    pages = [(name, path.read_bytes()) for name, path in site_files(on).items() if name.endswith(".html")]
    for name, page in pages:  # byte for byte, but the pages that show when the suite ran
        assert page == (off / name).read_bytes() or b" UTC" in page, name
    assert sum(b" UTC" not in page for _, page in pages) > 0.5 * len(pages)
    assert len([name for name, _ in pages if name.startswith("req/")]) > 60  # every requirement's page


def test_a_cold_build_gives_the_same_site_both_ways(built: dict[str, object]) -> None:
    sites: dict[str, Path] = built["cold_sites"]  # type: ignore[assignment]
    _same_sites(sites["on"], sites["off"])


def test_the_writers_runs_hold_every_page_but_the_first(built: dict[str, object]) -> None:
    cold: dict[str, dict[str, list[str]]] = built["cold"]  # type: ignore[assignment]
    sites: dict[str, Path] = built["cold_sites"]  # type: ignore[assignment]
    doctrees = len(list((sites["on"] / ".doctrees").rglob("*.doctree")))
    for side in ("on", "off"):
        runs = sorted(line.split() for line in cold[side]["runs"])
        assert [int(number) for number, _ in runs] == list(range(len(runs))) and len(runs) == 4
        assert sum(int(count) for _, count in runs) == doctrees - 1


def test_an_edit_after_it_gives_the_same_site_and_draws_the_edited_page(built: dict[str, object]) -> None:
    sites: dict[str, Path] = built["sites"]  # type: ignore[assignment]
    _same_sites(sites["on"], sites["off"])
    for site in sites.values():
        drawn = [p for p in (site / "req").glob("*.html") if "EDITEDedited" in p.read_text(encoding="utf-8")]
        assert len(drawn) == 1  # the edited requirement's page, drawn again (no stale page)
        assert "edited" in drawn[0].read_text(encoding="utf-8").split("<title>", 1)[1].split("</title>")[0]
    on, off = (_index(sites[side]) for side in ("on", "off"))
    assert on == off and len(on["pages"]) == 104  # the index of what each page was drawn from


def _index(site: Path) -> dict[str, Any]:
    """The index of the requirement pages (``reqindex``), but the conformance status panel's stamp
    and digests: that panel shows when the suite ran."""
    index = json.loads((site / ".smets" / "reqpages.json").read_text(encoding="utf-8"))
    index["stamps"].pop("conformance-status")
    for record in index["pages"].values():
        record[2].pop("conformance-status")
    return dict(index)


def test_the_cost_of_a_page_counts_beside_its_bytes(tmp_path: Path) -> None:
    from smets_spec.sphinx import forkwrite

    names = [f"p{n:02}" for n in range(12)]
    for n, name in enumerate(names):  # the last page's doctree is megabytes, the others small
        (tmp_path / f"{name}.doctree").write_bytes(b"x" * (4_000_000 if n == 11 else 10_000))
    by_bytes = forkwrite.balanced(names, forkwrite._sizes(tmp_path, names), 4)
    assert by_bytes == [names[0:11], ["p11"]]  # one run all but one page, one run that page
    costs = forkwrite._costs(tmp_path, names)
    assert costs[0] == 10_000 + forkwrite.PAGE_BYTES and costs[11] == 4_000_000 + forkwrite.PAGE_BYTES
    by_cost = forkwrite.balanced(names, costs, 4)
    assert [name for run in by_cost for name in run] == names
    assert [len(run) for run in by_cost] == [5, 4, 2, 1]  # (p11 alone: 4.6 of 11.3 MB of cost)


def test_the_cost_switch_off_cuts_by_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from smets_spec.sphinx import forkwrite

    names = ["a", "b"]
    for name, size in zip(names, (7, 70), strict=True):
        (tmp_path / f"{name}.doctree").write_bytes(b"x" * size)
    monkeypatch.setenv(forkwrite.COST_SWITCH, "off")
    assert forkwrite._costs(tmp_path, names) == [7, 70]
    monkeypatch.delenv(forkwrite.COST_SWITCH)
    page = forkwrite.PAGE_BYTES
    assert forkwrite._costs(tmp_path, [*names, "missing"]) == [7 + page, 70 + page, page]
