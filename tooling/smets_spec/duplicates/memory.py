"""What the duplicate scan keeps for itself, released once its result is kept elsewhere.

The scan memoises words (stems, folds, tokens, lemma look-ups) and loads lemminflect's and
pyspellchecker's tables (about 45 MB, whatever the size of the corpus). A build computes the
scan once, before reading, and keeps only its result (:func:`smets_spec.duplicates.page.analysis`);
:func:`release` then lets that memory go for the rest of the build. A later scan loads the
tables again (about 2 s).
"""

from __future__ import annotations

import sys

from . import contrasts, edits, features, lemmas, sentences, spelling, subjects, terms, text

#: every memo of the scan (functools.lru_cache)
MEMOS = (
    contrasts._noun,
    edits._lemmas,
    features._only_noun,
    features._participle,
    sentences._segmenter,
    spelling._checked,
    spelling._checker,
    spelling._plain,
    subjects._adverb_only,
    subjects.read_title,
    terms._is_abbreviation,
    terms._unpossessed,
    text.fold,
    text.stem,
    text.tokenize,
)


def release() -> None:
    """Empty the scan's memos and forget lemminflect's loaded tables (its singletons)."""
    for memo in MEMOS:
        memo.cache_clear()
    lemmas.forget()
    singleton = sys.modules.get("lemminflect.utils.Singleton")
    if singleton is not None:
        singleton._Singleton._instances.clear()
