"""Editorial or normative: the precise rule for a change of wording, and word-level diffs.

A change of text is **editorial** when the two texts say the same thing in other
spelling. Precisely, both texts are cut into tokens:

* a whitespace-separated chunk that contains a digit is one *number* token, taken
  whole (``0.5s``, ``1-0:1.8.0.255``, clause ``PC.01``), with the surrounding brackets
  and sentence punctuation stripped and a leading or trailing symbol (``£5``,
  ``30%``) made a token of its own;
* any other chunk gives its letter runs as *word* tokens (``pay-as-you-go`` is
  ``pay as you go``) and each significant symbol (``% < > = ≤ ≥ £ € $ ± °``) as a
  *symbol* token. All other punctuation and all whitespace are ignored.

Tokens are compared case-folded. The token sequences are aligned
(:class:`difflib.SequenceMatcher`); the change is editorial when every
difference is one of:

1. a run of tokens replaced by a run with the same letters once joined
   (``non-volatile`` → ``nonvolatile``, ``can not`` → ``cannot``);
2. an article (``a``, ``an``, ``the``) added, removed or swapped for another;
3. a *spelling-level* swap of one word for one word: both words have at least 4
   letters, start with the same letter, are at most 1 edit apart (2 for words of
   8 letters or more; an edit is an insertion, deletion, substitution or swap of
   two adjacent letters), and neither word is *protected*.

Protected words are never spelling-corrected silently: numbers and symbols,
modal verbs (``shall``, ``should``, ``may``, ...), negation (``not``, ``no``,
``without``, ...), quantifiers and comparisons (``all``, ``only``, ``before``,
``maximum``, ...), units (``kWh``, ``seconds``, ``GBP``, ...), and named entities
(a word with an inner capital such as ``ESME`` or ``ZigBee``, or a capitalised word
that does not start a sentence). Anything else (a word added or removed, a
number, a modal verb, a negation, a unit or a name changed) makes it
**normative**, and the reasons say which token did it.

The rule is deliberately strict: a false "normative" costs a reviewer a glance,
a false "editorial" would hide a change of meaning.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

ARTICLES = frozenset({"a", "an", "the"})


def _lexicon(words: str) -> frozenset[str]:
    return frozenset(words.split())


MODALS = _lexicon(
    "shall must should may might will would can could need needs required require requires "
    "recommended optional optionally mandatory permitted allowed prohibited forbidden"
)
NEGATIONS = _lexicon("not no never none nor neither without cannot unless except nothing non")
QUANTIFIERS = _lexicon(
    "all any each every only either both and or least most minimum maximum before after within "
    "above below less more greater fewer lower higher upper over under exceed exceeds until "
    "increase decrease import export enable disable open close on off"
)
UNITS = _lexicon(
    "kwh wh mwh gwh kw w mw kvar kvarh varh va kva v kv mv a ma hz khz mhz ghz s ms us sec secs "
    "second seconds minute minutes min mins h hr hrs hour hours day days week weeks month "
    "months year years m3 l litre litres liter liters bar mbar kpa pa db dbm bit bits byte "
    "bytes kb mb gb kbps mbps gbp p pence pound pounds percent celsius degree degrees volt "
    "volts amp amps ampere amperes watt watts"
)
_SYMBOLS = "%<>=≤≥£€$±°"
_STRIP = "()[]{},;:.!?\"'“”‘’`*"
_SENTENCE_END = re.compile(r"[.!?:]['\")\]]*$")


class Kind(StrEnum):
    WORD = "word"
    NUMBER = "number"
    SYMBOL = "symbol"


@dataclass(frozen=True)
class Token:
    text: str  # case-folded
    kind: Kind
    entity: bool = False  # a named entity as written

    @property
    def protected(self) -> str | None:
        """Why this token may not be spelling-corrected (None when it may)."""
        if self.kind is Kind.NUMBER:
            return "number"
        if self.kind is Kind.SYMBOL:
            return "symbol"
        for label, words in (
            ("modal verb", MODALS),
            ("negation", NEGATIONS),
            ("quantifier", QUANTIFIERS),
            ("unit", UNITS),
        ):
            if self.text in words:
                return label
        return "named entity" if self.entity else None


def _is_entity(word: str, sentence_start: bool) -> bool:
    if any(c.isupper() for c in word[1:]):
        return True
    return word[:1].isupper() and not sentence_start


def tokens(text: str) -> list[Token]:
    """The comparison tokens of a text (see the module docstring)."""
    out: list[Token] = []
    sentence_start = True
    for chunk in unicodedata.normalize("NFKC", text).split():
        if any(c.isdigit() for c in chunk):
            core = chunk.strip(_STRIP)
            lead = core[: len(core) - len(core.lstrip(_SYMBOLS))]
            trail = core[len(core.rstrip(_SYMBOLS)) :]
            out += [Token(c, Kind.SYMBOL) for c in lead]
            if core.strip(_SYMBOLS):
                out.append(Token(core.strip(_SYMBOLS).casefold(), Kind.NUMBER))
            out += [Token(c, Kind.SYMBOL) for c in trail]
        else:
            first = True
            for piece in re.findall(rf"[^\W\d_]+|[{re.escape(_SYMBOLS)}]", chunk):
                if piece in _SYMBOLS:
                    out.append(Token(piece, Kind.SYMBOL))
                    continue
                out.append(Token(piece.casefold(), Kind.WORD, _is_entity(piece, sentence_start and first)))
                first = False
        sentence_start = bool(_SENTENCE_END.search(chunk))
    return out


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein with adjacent swaps)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def spelling_level(a: Token, b: Token) -> bool:
    """Is ``a`` → ``b`` a spelling correction (rule 3 of the module docstring)?"""
    if a.kind is not Kind.WORD or b.kind is not Kind.WORD or a.protected or b.protected:
        return False
    if min(len(a.text), len(b.text)) < 4 or a.text[0] != b.text[0]:
        return False
    allowed = 2 if min(len(a.text), len(b.text)) >= 8 else 1
    return edit_distance(a.text, b.text) <= allowed


def _words(run: list[Token]) -> str:
    return " ".join(t.text for t in run)


def _explain(old: list[Token], new: list[Token]) -> str:
    labels = sorted({label for t in (*old, *new) if (label := t.protected)})
    what = f" ({', '.join(labels)})" if labels else ""
    if not old:
        return f"added '{_words(new)}'{what}"
    if not new:
        return f"removed '{_words(old)}'{what}"
    return f"'{_words(old)}' → '{_words(new)}'{what}"


def _run_is_editorial(old: list[Token], new: list[Token]) -> bool:
    if "".join(t.text for t in old) == "".join(t.text for t in new) and all(
        t.kind is Kind.WORD for t in (*old, *new)
    ):
        return True
    if all(t.text in ARTICLES for t in (*old, *new)):
        return True
    old_words = [t for t in old if t.text not in ARTICLES]
    new_words = [t for t in new if t.text not in ARTICLES]
    return len(old_words) == len(new_words) and all(
        spelling_level(a, b) for a, b in zip(old_words, new_words, strict=True)
    )


def text_reasons(old: str, new: str) -> list[str]:
    """Why ``old`` → ``new`` is normative; empty when the change is editorial (or none)."""
    a, b = tokens(old), tokens(new)
    keys_a = [(t.text, t.kind) for t in a]
    keys_b = [(t.text, t.kind) for t in b]
    reasons: list[str] = []
    matcher = SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if not _run_is_editorial(a[i1:i2], b[j1:j2]):
            reasons.append(_explain(a[i1:i2], b[j1:j2]))
    return reasons


def normal_form(text: str) -> str:
    """The text as the comparison sees it: its tokens, case-folded, joined by spaces."""
    return " ".join(t.text for t in tokens(text))


class Op(StrEnum):
    EQUAL = "equal"
    DELETE = "delete"
    INSERT = "insert"


@dataclass(frozen=True)
class Segment:
    """A run of words of a word-level diff."""

    op: Op
    text: str


def word_diff(old: str, new: str) -> tuple[Segment, ...]:
    """Word-level diff of two texts (split on whitespace, as written)."""
    a, b = old.split(), new.split()
    out: list[Segment] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(Segment(Op.EQUAL, " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(Segment(Op.DELETE, " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(Segment(Op.INSERT, " ".join(b[j1:j2])))
    return tuple(out)
