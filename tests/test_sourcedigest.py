"""sphinx/sourcedigest.py: the digest that guards each module repeating Sphinx's or docutils' code."""

from __future__ import annotations

import hashlib
import inspect

from smets_spec.sphinx.sourcedigest import source_digest


def _one() -> int:
    return 1


def _two() -> int:
    return 2


def test_the_digest_is_the_sha256_of_the_sources_joined() -> None:
    sources = [inspect.getsource(_one), inspect.getsource(_two)]
    assert source_digest(_one, _two) == hashlib.sha256("\n".join(sources).encode()).hexdigest()
    assert source_digest(_one, _two, sep="") == hashlib.sha256("".join(sources).encode()).hexdigest()
    assert source_digest(_one, _two) != source_digest(_two, _one)


def test_a_missing_or_sourceless_object_gives_no_digest() -> None:
    assert source_digest(_one, None) == ""
    assert source_digest(len) == ""  # a builtin has no Python source
