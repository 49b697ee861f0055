"""Answers of the lemmatiser and the spell checker, remembered between scans of one project.

``lemminflect.getAllLemmas(word)`` and "is this word unknown to pyspellchecker" are pure functions
of the word (and of the libraries' versions, part of the key of the kept state, store.py). Loading
their tables costs about half a second of an incremental build that asks them about words they
were asked before; the kept state carries the answers, and a word not among them is asked as ever.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

#: word -> lemmas by part of speech, as lemminflect's getAllLemmas gives them
LEMMAS: dict[str, dict[str, tuple[str, ...]]] = {}
#: word form -> whether pyspellchecker's English dictionary lacks it (``form in checker.unknown([form])``)
UNKNOWN: dict[str, bool] = {}


def all_lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """``lemminflect.getAllLemmas(word)`` (remembered)."""
    found = LEMMAS.get(word)
    if found is None:
        from lemminflect import getAllLemmas  # type: ignore[import-untyped]

        found = LEMMAS[word] = {str(k): tuple(v) for k, v in getAllLemmas(word).items()}
    return found


def unknown(forms: Iterable[str], checker_of: Callable[[], object]) -> set[str]:
    """The forms the spell checker's dictionary lacks: ``checker.unknown(forms)``, which lower-cases
    its answers, so a form with a capital is never among them (remembered per form; the checker,
    from ``checker_of``, is made only for a form not asked before)."""
    forms = list(forms)
    new = [f for f in dict.fromkeys(forms) if f not in UNKNOWN]
    if new:
        checker = checker_of()
        lacking = checker.unknown(new)  # type: ignore[attr-defined]
        UNKNOWN.update((f, f in lacking) for f in new)
    return {f for f in forms if UNKNOWN[f]}


def forget() -> None:
    LEMMAS.clear()
    UNKNOWN.clear()
