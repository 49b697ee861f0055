"""A need's needs.json value made straight from its parts is what sphinx-needs' ``add_need`` stores
(smets_spec.sphinx.needs_quickjson, ``SMETS_QUICK_NEED_JSON``).

A generated project is built with the quick maker on and off; at the end of the build every need
is compared with ``NeedsList.add_need``'s value under several settings (link conditions on and
off, fields excluded), also after its links were given conditions and parts and a link field was
shadowed by a computed field. The two builds give the same needs.json and search index, byte for
byte, and the same pages (``sitecompare``: the conformance suite's run time aside).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from clitools import build_argv, run_ok
from sitecompare import differences
from smets_spec.corpus.synthetic import generate

_CHECK = """
import json, sys
from sphinx_needs.builder import NeedsBuilder
from sphinx_needs.need_item import NeedLink
from sphinx_needs.needsfile import NeedsList
from smets_spec import cli
from smets_spec.sphinx import needs_json, needs_quickjson, needs_splice

needs_json.install()
fast, made = NeedsBuilder.finish, [0]
value = needs_quickjson.value
def counted(*args):
    made[0] += 1
    return value(*args)
needs_quickjson.value = counted

def compare(builder, needs, report):
    listed = NeedsList(builder.env, builder.outdir, builder.srcdir)
    for conditions in (True, False):
        for exclude in (set(listed._exclude_need_keys), {"title", "links", "docname"}, set()):
            listed._exclude_need_keys = exclude
            listed.needs_config.json_include_link_conditions = conditions
            for need in needs:
                listed.add_need("v", need)
                theirs = listed.needs_list["versions"]["v"]["needs"].pop(need["id"])
                mine = value(need, frozenset(exclude), conditions)
                assert mine == theirs, (need["id"], conditions, exclude)
                text = needs_quickjson.ENCODE(mine)
                assert text == json.dumps(theirs, sort_keys=True), need["id"]
                report["compared"] += 1

def both(builder):
    fast(builder)
    from sphinx_needs.data import SphinxNeedsData
    needs = list(SphinxNeedsData(builder.env).get_needs_view().values())
    report = {"compared": 0, "made": made[0], "needs": len(needs)}
    compare(builder, needs, report)
    shapes = [NeedLink(id="REQ-X", part="p1", condition="a]]b"), NeedLink(id="REQ-Y", condition="x"),
              NeedLink(id="REQ-Z", part="q"), NeedLink(id="REQ-W")]
    changed = []
    for number, need in enumerate([n for n in needs if n._links][:40]):
        key = sorted(need._links)[number % len(need._links)]
        need._links[key] = shapes[: 1 + number % len(shapes)]
        if number % 3 == 0:
            need._computed[key] = "shadowed"  # a later part with a link field's name
        changed.append(need)
    compare(builder, changed, report)
    report["shaped"] = len(changed)
    print("REPORT", json.dumps(report))

NeedsBuilder.finish = both
sys.exit(cli.main(sys.argv[1:]))
"""


def _build(root: Path, site: Path, switch: str) -> dict[str, Any]:
    argv = [sys.executable, "-c", _CHECK, *build_argv(root, site, "-j", "1")[3:]]
    env = dict(os.environ, SMETS_CACHE_DIR=str(root.parent / f"cache-{switch}"), SMETS_QUICK_NEED_JSON=switch)
    result = run_ok(argv, env=env)
    report: dict[str, Any] = json.loads(result.stdout.rsplit("REPORT", 1)[1].splitlines()[0])
    return report


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, Any]]]:
    base = tmp_path_factory.mktemp("quickjson")
    root = base / "project"
    generate(root, 60)
    return {
        switch: (base / f"site-{switch}", _build(root, base / f"site-{switch}", switch))
        for switch in ("on", "off")
    }


def test_every_need_as_add_need_makes_it(built: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    for _site, report in built.values():
        assert report["needs"] > 100
        # three exclusions x two link settings, for every need, then for the reshaped ones
        assert report["compared"] == 6 * (report["needs"] + report["shaped"])
        assert report["shaped"] == 40


def test_switch_both_ways_same_site(built: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    (site_on, on), (site_off, off) = built["on"], built["off"]
    assert on["made"] == on["needs"]  # every need's value made by the quick maker
    assert off["made"] == 0  # switched off: add_need for every need
    for name in ("needs.json", "searchindex.js"):
        assert (site_on / name).read_bytes() == (site_off / name).read_bytes(), name
    assert len(list(site_on.rglob("*.html"))) > 200
    assert differences(site_on, site_off) == []  # every page (the suite's run time aside)
