"""The kept requirement page bodies hold no conformance run line (sphinx/reqsplice.py): a build into an
empty output folder after a suite run that changed only its time draws no body again, and the site
is byte for byte the one ``SMETS_PANEL_SPLICE=off`` draws.

A generated project is built (its page bodies kept in the user cache); then each changed results file
(a: the same outcomes, run a day and an hour later; b: besides, one passed test failed) is put in an
empty output folder and built with the switch on and off, each from a copy of that user cache: the
two trees are the same file for file (every page, the search index, needs.json, the index of the
requirement pages), and with the switch on (a) draws no body, (b) only those of the requirements
whose status changed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from clitools import build_argv, run_ok
from smets_spec.conformance import live
from smets_spec.conformance.results import load, requirement_status
from smets_spec.corpus.load import load_spec
from smets_spec.corpus.synthetic import generate
from smets_spec.sphinx import reqcache, reqindex

_DRAWN = re.compile(r"requirement pages: (\d+) of (\d+) from the cache")
#: sphinx-needs gives each need it lays out a random container id (uuid4)
_RANDOM = re.compile(rb"SNCB-[0-9a-f]{8}")
_TIMINGS = {"validation_summary", "validated_needs_per_second"}


def _build(root: Path, out: Path, cache: Path, switch: str) -> tuple[int, int, str]:
    """``smets build -j 1 -v`` into ``out`` with the user cache ``cache``: (bodies taken from the
    cache, pages drawn, the output)."""
    env = dict(os.environ, SMETS_CACHE_DIR=str(cache), SMETS_PANEL_SPLICE=switch)
    result = run_ok(build_argv(root, out, "-j", "1", "-v"), env=env)
    said = result.stdout + result.stderr
    found = _DRAWN.findall(said)
    assert len(found) == 1, said[-3000:]
    return int(found[0][0]), int(found[0][1]), said


def _bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if path.name == "schema_violations.json":
        kept = {k: v for k, v in json.loads(data).items() if k not in _TIMINGS}
        return json.dumps(kept, sort_keys=True).encode()
    return _RANDOM.sub(b"SNCB-random", data)


def _tree(out: Path) -> dict[str, Path]:
    skipped = {".doctrees", ".smets-build.lock", ".buildinfo"}
    files = {
        p.relative_to(out).as_posix(): p
        for p in out.rglob("*")
        if p.is_file() and p.relative_to(out).parts[0] not in skipped
    }
    return {
        name: path for name, path in files.items() if not name.startswith(".smets/") or "reqpages" in name
    }


def _differences(one: Path, other: Path) -> list[str]:
    """Files only one tree has, and files whose bytes differ (beyond sphinx-needs' random ids and timings)."""
    a, b = _tree(one), _tree(other)
    found = sorted(f"only in one: {name}" for name in set(a) ^ set(b))
    return found + sorted(name for name in set(a) & set(b) if _bytes(a[name]) != _bytes(b[name]))


def _results(first: Path, variant: str) -> tuple[dict[str, object], str]:
    """The first build's results changed: later (a), and one passed test failed (b); the new run's time
    as the pages show it."""
    data = json.loads((first / ".smets" / "conformance.json").read_text(encoding="utf-8"))
    when = datetime.fromisoformat(str(data["generated"])) + timedelta(days=1, hours=1)
    data["generated"] = when.isoformat()
    if variant == "b":
        case = next(c for c in data["tests"] if c["outcome"] == "passed" and c["verifies"])
        case["outcome"], case["message"] = "failed", "AssertionError: changed"
    return data, when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _changed_statuses(root: Path, first: Path, second: Path) -> set[str]:
    """The requirements whose status (tests, outcomes, messages) differs between two results files."""
    corpus = load_spec(root / "spec", relative_to=root / "spec")
    before = requirement_status(corpus, load(first))
    after = requirement_status(corpus, load(second))
    return {r.id for r in corpus.requirements if before[r.id] != after[r.id]}


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """The generated project, its first build (the user cache beside it, ``cache``), its pages."""
    base = tmp_path_factory.mktemp("panel-splice")
    root = generate(base / "project", 60)
    taken, drawn, _ = _build(root, base / "site", base / "cache", "on")
    assert taken == 0 and drawn >= 60  # a cold cache: every body drawn
    return root, base / "site", drawn


def _kept(root: Path, cache: Path) -> list[dict[str, str]]:
    """The spliced panels' digests of every body kept in ``cache`` ({}: a body kept whole)."""
    found = reqcache.PageCache(root / "spec", cache)
    return [e[2] for n in range(reqcache.SHARDS) for e in found.load(n).kept.values()]


@pytest.mark.parametrize("variant", ["a", "b"])
def test_a_new_run_draws_only_the_bodies_whose_status_changed(
    first: tuple[Path, Path, int], variant: str
) -> None:
    root, site, n = first
    base = site.parent
    data, when = _results(site, variant)
    results = {}
    for switch in ("on", "off"):
        cache, out = base / f"cache-{variant}-{switch}", base / f"site-{variant}-{switch}"
        shutil.copytree(base / "cache", cache)
        target = live.results_file_for(out)
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(data, indent=2), encoding="utf-8")
        results[switch] = (*_build(root, out, cache, switch)[:2], out)
    assert _differences(results["on"][2], results["off"][2]) == []
    on, off = results["on"][2], results["off"][2]
    changed = _changed_statuses(
        root, site / ".smets" / "conformance.json", on / ".smets" / "conformance.json"
    )
    pages = sorted((on / "req").glob("*.html"))
    showing = [p.name for p in pages if f"run of {when} against" in p.read_text(encoding="utf-8")]
    assert len(showing) > 20  # the new run's line is on every tested requirement's page
    if variant == "a":
        assert changed == set()
        assert results["on"][:2] == (n, n)  # every body from the cache: none drawn again
    else:
        assert 0 < len(changed) < 10
        assert results["on"][:2] == (n - len(changed), n)  # only the pages whose status changed
        assert any("AssertionError: changed" in (on / "req" / f"{r}.html").read_text() for r in changed)
    # off: no body kept with a marker is used, and every body is kept whole again
    assert results["off"][:2] == (0, n)
    assert (on / reqindex.INDEX).read_bytes() == (off / reqindex.INDEX).read_bytes()
    spliced = _kept(root, base / f"cache-{variant}-on")
    assert len(spliced) == n and all(set(s) == {"conformance-status"} for s in spliced)
    assert _kept(root, base / f"cache-{variant}-off") == [{}] * n


def test_a_marker_stands_only_for_the_fill() -> None:
    """A body is kept with markers only where they stand for exactly the fills: a marker in the text,
    or a word character beside where the fill goes, keeps the body whole."""
    from smets_spec.conformance import pages  # registers the status panel and its splice
    from smets_spec.sphinx import reqsplice

    assert pages.status_panel is not None
    name = "conformance-status"
    assert reqsplice.names() == [name] and reqsplice.slot(name) == "<!--~-->"
    parts = ["<p><strong>pass</strong>: 1 of 1 test(s) passed in the ", ".</p><table></table>"]
    assert reqsplice.spliceable(name, parts)
    assert not reqsplice.spliceable(name, ["<p>in the", ".</p>"])  # "the" would run into the fill
    assert not reqsplice.spliceable(name, ["<p><!--~--> in the ", ".</p>"])
    body = f"<dl></dl><div>text</div>\n<section>{reqsplice.neutral(name, parts)}</section>"
    assert reqsplice.holds_exactly(body, {name: 1})
    assert not reqsplice.holds_exactly(body.replace("text", "text <!--~-->"), {name: 1})
    fill = {name: "run of 2026-12-07 15:00 UTC against Reference models"}
    assert reqsplice.filled(body, fill, {name: "digest"}) == body.replace("<!--~-->", fill[name])
    assert reqsplice.filled(body, fill, {}) == body  # a body kept whole is given as it is
