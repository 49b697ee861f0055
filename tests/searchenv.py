"""A stand-in for the Sphinx environment that Sphinx's search ``IndexBuilder`` reads (no domains,
empty search tables): for tests that feed pages to an index builder without a build."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any


def scratch_env() -> Any:
    return SimpleNamespace(
        domains=SimpleNamespace(sorted=lambda: []),
        version={},
        _search_index_titles={},
        _search_index_filenames={},
        _search_index_mapping={},
        _search_index_title_mapping={},
        _search_index_all_titles={},
        _search_index_index_entries={},
        _search_index_objtypes={},
        _search_index_objnames={},
    )
