"""The build of an edit reads its documents in parallel when there are enough of them (``jobs``,
``SMETS_EDIT_READ_PARALLEL``): the same site either way.

A title and text edit re-reads the edited document and the computed pages whose text changed (the
tables, the device and section pages): at least :data:`~smets_spec.sphinx.jobs.PARALLEL_EDIT_FROM`
of them in a project of 60 requirements, so the read forks (one chunk a process); switched off,
the main process reads them one by one, as it did. Both builds start from copies of one built site
and cache (conftest's ``first_built_60``: two processes, every switch on; ``SMETS_HALF_READ``,
off in the edits' builds so that Sphinx's parallel read is counted, leaves a full read to Sphinx).
"""

from __future__ import annotations

from clitools import FirstBuilt, edit_first_built_both_ways, switched_build
from sitecompare import differences
from smets_spec.sphinx.jobs import PARALLEL_EDIT_FROM, read_chunks

#: Sphinx's parallel read (counted in the first build too: :data:`clitools.FIRST_WATCHED`)
PARALLEL = ("sphinx.builders", "Builder._read_parallel")


#: an edit's build with the switch set: how many parallel reads it made (Sphinx's parallel read,
#: counted: the half read off; halfread: test_half_read.py)
_build = switched_build("SMETS_EDIT_READ_PARALLEL", PARALLEL, SMETS_HALF_READ="off")


def test_an_edit_read_in_parallel_gives_the_same_site(first_built_60: FirstBuilt) -> None:
    first, edits, sites = edit_first_built_both_ways(first_built_60, _build)
    assert (first[PARALLEL], edits) == (1, [1, 0])  # the full build's read; the edit's, parallel only when on
    assert (sites["on"] / "needs.json").read_bytes() == (sites["off"] / "needs.json").read_bytes()
    assert differences(sites["on"], sites["off"]) == []


def test_a_small_read_is_one_chunk_a_process_and_a_large_one_two() -> None:
    few = [f"doc{n}" for n in range(PARALLEL_EDIT_FROM)]
    assert read_chunks(few, 2) == [few[0::2], few[1::2]]
    many = [f"doc{n}" for n in range(100)]
    assert read_chunks(many, 2) == [many[start::4] for start in range(4)]
