"""A build with our replacements of sphinx-needs' per-need work (needs_purge, needs_generate and the
needs_plan it installs) gives the site, the needs.json and the environment's needs (every need's
full dict) a build with sphinx-needs' own code gives: a generated spec built from nothing in
parallel (forked readers purge every document they did not read; their needs are merged back),
then after seeded random edits of every kind (a serial incremental read: each changed document
purged and read again). The random purges of the generated spec's environment are compared with
sphinx-needs' own too."""

from __future__ import annotations

import os
import pickle
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from clitools import build_argv, run_ok
from sitecompare import differences
from smets_spec.corpus.synthetic import generate
from test_build_render_cache import _edit
from test_needs_purge import _random_steps

#: `smets build` with our replacements (``on``) or with sphinx-needs' own code (``off``)
_DRIVER = """
import sys
from smets_spec import cli
from smets_spec.sphinx import needs_generate, needs_plan, needs_purge
from sphinx_needs.api import need
if sys.argv[1] == "off":
    needs_purge.install = needs_generate.install = lambda *args, **kwargs: False
status = cli.main(sys.argv[2:])
plan = need.generate_need is needs_plan.generate_need
print("INSTALLED", bool(needs_purge.ORIGINAL), bool(needs_generate.ORIGINAL), plan)
sys.exit(status)
"""


def _build(root: Path, switch: str, *more: str) -> Path:
    site = root.parent / f"site-{switch}"
    argv = [sys.executable, "-c", _DRIVER, switch, *build_argv(root, site, *more)[3:]]
    env = dict(os.environ, SMETS_CACHE_DIR=str(root.parent / f"cache-{switch}"))
    result = run_ok(argv, env=env)
    expected = "INSTALLED True True True" if switch == "on" else "INSTALLED False False False"
    assert expected in result.stdout
    return site


def _environment(site: Path) -> Any:
    with (site / ".doctrees" / "environment.pickle").open("rb") as handle:  # this test's own build
        return pickle.load(handle)


def _needs(site: Path) -> dict[str, dict[str, Any]]:
    return {key: dict(need.items()) for key, need in _environment(site)._needs_all_needs.items()}


def _same(roots: dict[str, Path], *more: str) -> dict[str, dict[str, Any]]:
    sites = {switch: _build(root, switch, *more) for switch, root in roots.items()}
    on, off = _needs(sites["on"]), _needs(sites["off"])
    assert on == off  # as dicts: the order of a parallel read's merges varies from run to run
    assert (sites["on"] / "needs.json").read_bytes() == (sites["off"] / "needs.json").read_bytes()
    assert differences(sites["on"], sites["off"]) == []
    return on


@pytest.fixture(scope="module")
def roots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("patched")
    made = generate(base / "on" / "project", 260)
    shutil.copytree(made, base / "off" / "project")
    return {"on": made, "off": base / "off" / "project"}


def test_a_parallel_build_and_random_edits_give_the_same_needs_and_site(roots: dict[str, Path]) -> None:
    needs = _same(roots, "-j", "2")
    assert len(needs) > 600
    assert sum(1 for need in needs.values() if need["docname"]) > 600
    for seed in (5,):
        done = {switch: _edit(root, seed) for switch, root in roots.items()}
        assert done["on"] == done["off"] and len(done["on"]) == 8
        # (the order of serial purges and re-reads is compared in test_needs_purge)
        _same(roots, "-j", "1")


def test_random_purges_of_the_generated_spec(roots: dict[str, Path]) -> None:
    site = roots["on"].parent / "site-on"
    if not site.is_dir():
        _build(roots["on"], "on", "-j", "1")
    environment = _environment(site)
    for seed in range(3):
        _random_steps(environment, seed, steps=200)
