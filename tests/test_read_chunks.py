"""A parallel read in two chunks per process, its readers sending their needs' values shared
(sphinx/jobs.py ``read_chunks``, sphinx/envpickle.py ``share_values``; issue 20): the same
environment and the same site as Sphinx's own chunks and sharing every need's dicts first."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from clitools import run_ok
from envcompare import differences
from sitecompare import differences as site_differences
from smets_spec.corpus.synthetic import generate
from smets_spec.sphinx import envparts
from smets_spec.sphinx.jobs import read_chunks

#: `smets build`, every read parallel however few documents (the project here is small)
_DRIVER = """
import sys
from smets_spec.sphinx import jobs
jobs.SERIAL_BELOW = 1
from smets_spec.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _build(root: Path, out: Path, cache: Path, **switches: str) -> None:
    """Built into ``root``'s ``out`` folder (the environment records its paths), then moved to ``out``."""
    env = dict(os.environ, SMETS_CACHE_DIR=str(cache), **switches)
    argv = [sys.executable, "-c", _DRIVER, "--root", str(root), "build", "--out-dir", str(root / "out")]
    argv += ["-j", "2"]
    run_ok(argv, env=env)
    (root / "out").rename(out)


def test_read_chunks_hold_every_document_once_two_chunks_per_process() -> None:
    names = [f"d{i}" for i in range(70)]
    assert read_chunks(names, 2) == [names[0::4], names[1::4], names[2::4], names[3::4]]
    six = read_chunks(names, 3)
    assert len(six) == 6 and sorted(name for chunk in six for name in chunk) == sorted(names)
    few = names[:11]  # the read of an edit (fewer than SERIAL_BELOW documents): one chunk a process
    assert read_chunks(few, 2) == [few[0::2], few[1::2]]
    assert read_chunks(names[:3], 4) == [["d0"], ["d1"], ["d2"]]
    assert read_chunks([], 2) == []


def test_fewer_chunks_give_the_environment_and_site_of_sphinxs_chunks(tmp_path: Path) -> None:
    root = generate(tmp_path / "project", 120, seed=5)
    cache = tmp_path / "cache"
    _build(root, tmp_path / "ours", cache)
    _build(root, tmp_path / "theirs", cache, SMETS_READ_CHUNKS="off", SMETS_READBACK_VALUES="off")
    ours = envparts.load(tmp_path / "ours" / ".doctrees" / "environment.pickle")
    theirs = envparts.load(tmp_path / "theirs" / ".doctrees" / "environment.pickle")
    assert len(ours._needs_all_needs) > 200
    # Sphinx merges chunks as they finish, so the order of what is keyed by document differs
    # between any two parallel reads (and the conformance run's times): each need compared
    mine, their = ours._needs_all_needs, theirs._needs_all_needs
    assert sorted(mine) == sorted(their)
    found = differences({k: their[k] for k in sorted(their)}, {k: mine[k] for k in sorted(mine)})
    assert found == [], "\n".join(found)
    assert site_differences(tmp_path / "theirs", tmp_path / "ours") == []
