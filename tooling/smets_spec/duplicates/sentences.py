"""Sentence boundaries: where a full stop ends a sentence, decided by pysbd where it is ambiguous.

pysbd (MIT) is rule-based with abbreviation lists, and costs about a millisecond a text; it is
asked only for texts with a full stop that may not end a sentence (see ``_ambiguous``). Elsewhere
". " before a capital ends a sentence, as pysbd would say too.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Texts with a full stop that may not end a sentence go to the segmenter (see _ambiguous); elsewhere
#: ". " before a capital ends a sentence, as the segmenter would say too.
_STOP = re.compile(r"\.(?=\s+(\S))")
_ABBREVIATIONS = frozenset(
    {"etc", "vs", "approx", "incl", "excl", "fig", "figs", "no", "nos", "ref", "refs", "sec", "cf", "al",
     "resp", "ca", "viz", "std", "max", "min", "mr", "mrs", "dr"}
)  # fmt: skip


def _ambiguous(text: str) -> bool:
    """A full stop followed by more text that may not end a sentence: before a lower-case word or a
    number, or after a dotted abbreviation (e.g., U.K.) or a common one (etc., Fig., approx., vs.)."""
    for match in _STOP.finditer(text):
        after = match.group(1)
        if after[0].islower() or after[0].isdigit() or after[0] == "(":
            return True
        start = max(text.rfind(" ", 0, match.start()), text.rfind("\n", 0, match.start())) + 1
        word = text[start : match.start()].lower()
        if "." in word or word.strip("(") in _ABBREVIATIONS:
            return True
    return False


@lru_cache(maxsize=1)
def _segmenter() -> object:
    import pysbd  # type: ignore[import-untyped]  # MIT; rule-based, abbreviation lists per language

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def sentence_ends(text: str) -> frozenset[int] | None:
    """Character offsets where sentences end, from pysbd; None when no full stop is ambiguous."""
    if text.find(".", 0, len(text.rstrip()) - 1) < 0 or not _ambiguous(text):
        return None  # no full stop before the end, or none that could be an abbreviation
    segmenter = _segmenter()
    ends: set[int] = set()
    for span in segmenter.segment(text):  # type: ignore[attr-defined]
        end = span.end
        while end > span.start and text[end - 1].isspace():
            end -= 1
        ends.add(end)
    return frozenset(ends)
