"""The requirement pages of a parallel build planned, drawn and recorded by one forked copy started
as Sphinx's finish begins (sphinx/reqpages.py ``_plan_beside``, ``SMETS_REQ_PLAN_BESIDE``): the
build's own process never plans them, and an edit gives the same site, needs.json, search index
and index of the pages (``.smets/reqpages.json``) as the pages planned in the build's process."""

from __future__ import annotations

from clitools import EditedBuilt, switched_build
from sitecompare import differences
from smets_spec.sphinx import reqindex

#: counted in the build's own process only (the copy's calls are not)
PLAN = ("smets_spec.sphinx.reqpages", "plan")


#: an edit's build with the switch set: how often this process planned the pages
_build = switched_build("SMETS_REQ_PLAN_BESIDE", PLAN)


def test_an_edit_with_the_pages_planned_beside_gives_the_same_site(edited_60: EditedBuilt) -> None:
    """From conftest's ``edited_60`` (the first build and the edit's build, with two processes and
    every switch on, shared with other tests): the edit built here with the switch off."""
    _, on, root, sites = edited_60.again()
    edits = [on[PLAN], _build(root, sites["off"], "off")]
    assert edits == [0, 1]  # on: planned in the copy only; off: here, once
    on, off = sites["on"], sites["off"]
    for name in ("needs.json", "searchindex.js", str(reqindex.INDEX)):
        assert (on / name).read_bytes() == (off / name).read_bytes(), name
    assert differences(on, off) == []
    assert len(list((on / "req").glob("*.html"))) == len(list((off / "req").glob("*.html"))) > 60
