"""An incremental build that checks again only the needs whose result can change
(:mod:`smets_spec.sphinx.needs_reuse`) reports what sphinx-needs' own full pass reports.

A generated spec is built with ``sphinx-build`` (which, unlike ``smets build``, goes on past
errors in the spec, so sphinx-needs' checks have something to say), then edited at random, seeded:
titles, texts, links added and removed, needs added, deleted and moved between files, links to
needs of the wrong type, dead links, field values the schema refuses, and the last round's faults
mended. After each round the incremental build and a fresh build with sphinx-needs' own passes
(``SMETS_NEEDS_POST=off``) give the same sphinx-needs warnings (text, order, location), the same
``schema_violations.json`` (but for its time and rate) and the same needs.json; a build with nothing
changed gives them again. The incremental builds check a few needs, not all.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import sys
from pathlib import Path

import pytest

from clitools import Pristine, run_ok
from sitecompare import differences
from smets_spec.corpus.load import load_spec
from smets_spec.corpus.schema import Requirement
from smets_spec.corpus.synthetic import generate
from test_build_render_cache import _Editor

#: the build, counting the needs the field schema check projects (each one it validates)
_COUNTED = """
import sys
from smets_spec.sphinx import needs_validate
from sphinx.cmd.build import main
counted = []
original = needs_validate.project
def project(need, *args):
    counted.append(need.id)
    return original(need, *args)
needs_validate.project = project
status = main(sys.argv[1:])
print("validated", len(counted), file=sys.stderr)
from smets_spec.sphinx import needs_splice
print("fingerprinted", needs_splice.LAST[-1].fingerprinted if needs_splice.LAST else -1, file=sys.stderr)
sys.exit(status)
"""


#: how many needs needs.json's writer fingerprinted in the last build (needs_splice)
FINGERPRINTED: list[int] = []


def _build(
    root: Path, out: Path, cache: Path, *, own: bool = False, settings: dict[str, str] | None = None
) -> tuple[list[str], int]:
    """sphinx-build (with the environment variables ``settings`` added); sphinx-needs'
    post-processing and schema warnings in order, and how many needs the schema check validated
    (-1 with sphinx-needs' own check); how many needs the needs.json writer fingerprinted in
    :data:`FINGERPRINTED`."""
    env = dict(os.environ, SMETS_CACHE_DIR=str(cache), **(settings or {}))
    if own:
        env["SMETS_NEEDS_POST"] = "off"
    argv = [sys.executable, "-c", _COUNTED, "-q", "-j", "1", "-c", str(root), str(root / "spec"), str(out)]
    result = run_ok(argv, env=env, cwd=root)
    counted = int(result.stderr.rsplit("validated ", 1)[1].split()[0])
    FINGERPRINTED[:] = [int(result.stderr.rsplit("fingerprinted ", 1)[1].split()[0])]
    return _needs_warnings(result.stderr), (-1 if own else counted)


def _needs_warnings(stderr: str) -> list[str]:
    """sphinx-needs' link-check warnings and schema findings (each finding's block of lines)."""
    found: list[str] = []
    block: list[str] | None = None
    for line in stderr.splitlines():
        if block is not None:
            block.append(line)
            if "[sn_schema" in line:
                found.append("\n".join(block))
                block = None
        elif "has schema violations" in line:
            block = [line]
        elif "[needs.link" in line:
            found.append(line)
    return found


def _report(out: Path) -> dict[str, object]:
    data = json.loads((out / "schema_violations.json").read_text(encoding="utf-8"))
    data.pop("validated_needs_per_second")
    data["validation_summary"] = re.sub(
        r" in [0-9.]+ seconds\. Validated \w+ needs/s\.", "", str(data["validation_summary"])
    )
    return data


def _needs_json(out: Path) -> object:
    data = json.loads((out / "needs.json").read_text(encoding="utf-8"))
    data.pop("created", None)
    for version in data.get("versions", {}).values():
        version.pop("created", None)
    return data


class _Faults(_Editor):
    """The edits sphinx-needs' checks have something to say about, and their mending."""

    def fault(self, need_id: str) -> None:
        kind = self.rng.choice(["impact", "wrong type", "dead"])
        if kind == "impact":
            old = self.block(need_id).split(":impact: ", 1)[1].split("\n", 1)[0]
            self.replace(need_id, f":impact: {old}\n", ":impact: bogus\n")
        else:
            uses = self.uses(need_id)
            extra = (
                self.rng.choice(self.generated(Requirement)) if kind == "wrong type" else "DAT_NO_SUCH_ITEM"
            )
            self.replace(need_id, f":uses: {', '.join(uses)}\n", f":uses: {', '.join((*uses, extra))}\n")
        self.done.append(f"{kind} {need_id}")

    def block(self, need_id: str) -> str:
        text = self.path(need_id).read_text(encoding="utf-8")
        start = text.index(f":id: {need_id}\n")
        return text[start : text.find("\n.. ", start)]


def _edit(root: Path, seed: int, faulty: list[Path]) -> list[str]:
    """A round of seeded random edits of every kind, the last round's faults mended first."""
    for path in faulty:  # mended: the file as it was before the faults
        path.write_text(path.with_suffix(".clean").read_text(encoding="utf-8"), encoding="utf-8")
        path.with_suffix(".clean").unlink()
    faulty.clear()
    corpus = load_spec(root / "spec", relative_to=root)
    rng = random.Random(seed)
    editor = _Faults(root, corpus, rng)
    reqs = rng.sample([r for r in editor.generated(Requirement) if editor.uses(r)], 12)
    editor.title(reqs[0])
    editor.text(reqs[1])
    editor.link_added(reqs[2])
    editor.link_removed(rng.choice([r for r in editor.generated(Requirement) if len(editor.uses(r)) >= 2]))
    editor.added(reqs[4])
    editor.deleted(reqs[5])
    editor.moved(reqs[6])
    for need_id in reqs[7:10]:
        path = editor.path(need_id)
        if not path.with_suffix(".clean").exists():
            path.with_suffix(".clean").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
            faulty.append(path)
        editor.fault(need_id)
    return editor.done


def _first(work: Path) -> int:
    """A generated project of 170 requirements in ``WORK/project`` built into ``WORK/site`` (its
    cache ``WORK/cache``): how many needs the schema check validated."""
    return _build(generate(work / "project", 170), work / "site", work / "cache")[1]


@pytest.fixture(scope="module")
def first_build(tmp_path_factory: pytest.TempPathFactory) -> Pristine[int]:
    """:func:`_first`, made once for both tests that edit it, put back as built for each."""
    return Pristine(tmp_path_factory.mktemp("reuse"), _first)


def test_incremental_checks_report_what_the_full_pass_reports(
    tmp_path: Path, first_build: Pristine[int]
) -> None:
    every = first_build.again()
    root, site, cache = (first_build.work / name for name in ("project", "site", "cache"))
    assert every > 500  # the first build validates every need
    faulty: list[Path] = []
    for seed in (5, 23):  # two rounds: the second mends the first round's faults
        done = _edit(root, seed, faulty)
        ours, counted = _build(root, site, cache)
        fingerprinted = FINGERPRINTED[0]
        # the needs of the few documents read again, not all
        assert 0 < counted < every / 2, (counted, done)
        full = tmp_path / f"full-{seed}"
        theirs, _ = _build(root, full, tmp_path / f"cache-{seed}", own=True)
        assert ours == theirs, done
        assert _report(site) == _report(full), done
        assert _needs_json(site) == _needs_json(full), done
        # needs.json: the needs needs_reuse vouches for were not fingerprinted (needs_splice)
        assert 0 < fingerprinted < every, (fingerprinted, done)
        assert any("sn_schema" in w or "needs.link" in w for w in ours), done  # the round's faults seen
    again, counted = _build(root, site, cache)  # nothing changed
    assert again == ours and counted < 10  # those with findings only
    assert _report(site) == _report(full)
    assert FINGERPRINTED[0] < 10  # those whose dead links are recorded (checked again every build)


def test_the_link_pass_switched_off_builds_the_same_after_random_edits(first_build: Pristine[int]) -> None:
    """``SMETS_LINK_PASS`` (:mod:`smets_spec.sphinx.backlinks`, :mod:`smets_spec.sphinx.needs_sort`:
    back links looked up by id, dead links met while adding them, lists of plain links sorted by
    id): one built site and its cache copied, a seeded round of edits (title, text, link added and
    removed, needs added, deleted and moved, a dead link, a link to a need of the wrong type, a
    value the schema refuses) built into each with the switch on and off, then a second round
    mending the faults: the same warnings, ``schema_violations.json``, needs.json and pages."""
    first_build.again()  # (the same first build as the test above)
    work = first_build.work
    root = work / "project"
    sites = {"on": work / "site", "off": work / "site-off"}
    caches = {"on": work / "cache", "off": work / "cache-off"}
    shutil.copytree(sites["on"], sites["off"], symlinks=True)
    shutil.copytree(caches["on"], caches["off"], symlinks=True)
    faulty: list[Path] = []
    reported: list[str] = []
    for seed in (11, 3):
        done = _edit(root, seed, faulty)
        found = {
            switch: _build(root, sites[switch], caches[switch], settings={"SMETS_LINK_PASS": switch})[0]
            for switch in ("on", "off")
        }
        assert found["on"] == found["off"], done
        assert _report(sites["on"]) == _report(sites["off"]), done
        assert _needs_json(sites["on"]) == _needs_json(sites["off"]), done
        assert differences(sites["on"], sites["off"]) == [], done
        reported += found["on"]
    assert any("DAT_NO_SUCH_ITEM" in warning for warning in reported)  # a dead link reported


def test_a_record_not_of_the_shape_written_is_not_used() -> None:
    """A record whose lists or dead links are not strings (edited, or of another version) is not
    used: every need is checked (a wrong shape would otherwise skip checks or stop the build)."""
    from smets_spec.sphinx.needs_reuse import _well_formed

    good = {"ids": ["A", "B"], "checked": ["A"], "warned": [], "dead": {"B": ["uses: X"]}}
    assert _well_formed(good)
    for bad in (
        {**good, "ids": "A"},
        {**good, "checked": [1]},
        {**good, "warned": None},
        {**good, "dead": []},
        {**good, "dead": {"B": "uses: X"}},
        {**good, "dead": {"B": [None]}},
        {key: value for key, value in good.items() if key != "ids"},
    ):
        assert not _well_formed(bad), bad
