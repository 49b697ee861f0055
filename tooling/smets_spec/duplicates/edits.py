"""The one edit that turns a text into another: one word swapped, or one phrase added.

A duplicate says the same thing *in other words*: a paraphrase moves clauses, swaps words for
synonyms, drops a word here and there. Two texts that are word for word the same except for

* one content word swapped for another (*adding* / *retrieving* data) state the same obligation for
  a different operation or object: a parallel variant, when the corpus varies one of the two words
  (contrasts.varied: it swaps with others that swap among themselves) and they are not one word
  (same lemma, a one-letter spelling variant). A one-off swap may be a synonym (*record* /
  *capture*): with no thesaurus, it is left to the other rules;
* one phrase of two or more words present on one side only add something: a clause joined by
  *and* / *then* / *also* or holding a modal verb adds an obligation (*... and then empty the list*):
  an overlap; any other phrase qualifies the shared operation (*to zero*, *after a timeout*): a
  case of it, a parallel variant.

The words are compared as written (case folded), punctuation left out, so that moved clauses or a
dropped article (what a paraphrase does) make more than one edit and are left to the other rules.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from .difference import _variant
from .lemmas import all_lemmas
from .text import Role, Token, fold, is_sentence_end

#: The longest phrase (in words) read as added to one side; a longer one is more than a qualifier.
MAX_ADDED = 6
#: Words that open a phrase adding an obligation rather than qualifying one.
_JOINING = frozenset({"and", "then", "also", "plus"})


@dataclass(frozen=True)
class Edit:
    """A phrase on one side only (``words_a`` or ``words_b``, as written; the other is "")."""

    words_a: str  # as written; "" when the phrase is on b's side only
    words_b: str
    joins: bool = False  # an added phrase that adds an obligation (and / then / a modal verb)


@lru_cache(maxsize=16_384)
def _lemmas(word: str) -> frozenset[str]:
    return frozenset(lemma.lower() for forms in all_lemmas(word).values() for lemma in forms)


def same_word(x: str, y: str) -> bool:
    """The same word in another form: a shared lemma (set / sets, add / added), a spelling variant."""
    a, b = fold(x), fold(y)
    if _variant(a, b):  # interoperablity / interoperability
        return True
    la, lb = _lemmas(a), _lemmas(b)
    return a in lb or b in la or bool(la & lb)


def swapped(a: Sequence[Token], b: Sequence[Token], varied: Collection[str]) -> tuple[str, str] | None:
    """The two words, as written, when the texts are word for word the same but for one content word
    each (and function words swapped for others: *to* / *from*), the corpus varies one of them
    (``varied``: contrasts.varied) and they are not one word (lemma, spelling)."""
    ops = _edits(a, b)
    if len(ops) != 1 or ops[0][0] != "replace":
        return None
    run_a, run_b = ops[0][1], ops[0][2]
    if len(run_a) != 1 or len(run_b) != 1:
        return None
    x, y = run_a[0], run_b[0]
    if (
        x.role is not Role.CONTENT
        or y.role is not Role.CONTENT
        or (x.key not in varied and y.key not in varied)
    ):
        return None  # a one-off swap may be a synonym (record / capture)
    return None if same_word(x.text, y.text) else (x.text, y.text)


def _edits(a: Sequence[Token], b: Sequence[Token]) -> list[tuple[str, list[Token], list[Token]]]:
    """The edits between the two texts' words (punctuation other than sentence ends left out), a
    function word swapped for another not counted."""
    wa = [t for t in a if t.role is not Role.PUNCT or is_sentence_end(t)]
    wb = [t for t in b if t.role is not Role.PUNCT or is_sentence_end(t)]
    matcher = SequenceMatcher(None, [fold(t.text) for t in wa], [fold(t.text) for t in wb], False)
    return [
        (tag, wa[i1:i2], wb[j1:j2])
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal" and not _function_swap(tag, wa[i1:i2], wb[j1:j2])
    ]


def one_edit(a: Sequence[Token], b: Sequence[Token]) -> Edit | None:
    """The phrase one text adds to the other, otherwise word for word the same (a function word swapped
    for another aside), or None when they differ in more, or in a swapped word only."""
    ops = _edits(a, b)
    if len(ops) != 1 or ops[0][0] == "replace":
        return None
    _, run_a, run_b = ops[0]
    run = run_a or run_b
    if not 2 <= len(run) <= MAX_ADDED or any(is_sentence_end(t) for t in run):
        return None  # a sentence of its own: left to the other rules
    if all(t.role is Role.FUNCTION for t in run):
        return None
    joins = fold(run[0].text) in _JOINING or any(t.role is Role.MODAL for t in run)
    written = " ".join(t.text for t in run)
    return Edit(written if run_a else "", written if run_b else "", joins)


def _function_swap(tag: str, run_a: Sequence[Token], run_b: Sequence[Token]) -> bool:
    """One function word for another (*to* / *from*, *a* / *the*): part of a swap, not an edit of its own."""
    return (
        tag == "replace"
        and len(run_a) == len(run_b) == 1
        and run_a[0].role is Role.FUNCTION
        and run_b[0].role is Role.FUNCTION
    )
