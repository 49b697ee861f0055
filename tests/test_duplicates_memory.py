"""The duplicate scan's memos and lemminflect's tables are released once a build has the findings."""

from __future__ import annotations

import sys

from smets_spec.duplicates import edits, memory, spelling, text


def _held() -> int:
    return sum(memo.cache_info().currsize for memo in memory.MEMOS)


def _lemminflect_loaded() -> bool:
    singleton = sys.modules["lemminflect.utils.Singleton"]
    return any(cls.__name__ == "Lemmatizer" for cls in singleton._Singleton._instances)


def test_release_empties_every_memo_and_forgets_the_tables_and_they_come_back() -> None:
    lemmas = edits._lemmas("meters")
    assert "meter" in lemmas
    assert text.stem("readings") == text.stem("reading")
    spelling._checker()
    assert _held() >= 3 and _lemminflect_loaded()
    memory.release()
    assert _held() == 0
    assert not _lemminflect_loaded()
    assert edits._lemmas("meters") == lemmas  # a later scan loads them again
    assert _lemminflect_loaded()


def test_every_memo_of_the_scan_is_listed() -> None:
    """A memo added to the scan's modules and not to memory.MEMOS would keep its words all build."""
    import importlib
    import pkgutil

    import smets_spec.duplicates as package

    found = set()
    for module in pkgutil.iter_modules(package.__path__):
        loaded = importlib.import_module(f"{package.__name__}.{module.name}")
        for value in vars(loaded).values():
            if hasattr(value, "cache_clear") and getattr(value, "__module__", "") == loaded.__name__:
                found.add(value)
    assert found == set(memory.MEMOS)
