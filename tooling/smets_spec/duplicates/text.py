"""Text normalisation for the duplicate analysis: tokens, stems and word roles.

A text becomes a list of :class:`Token`: its surface form, a normalised key
(lower case, British spellings folded to American, stemmed), and a role: an
ordinary content word, a function word, a number, a unit, a modal verb, a
negation, a comparator, a time basis or punctuation. The similarity measures
use content words only; the conflict checks use the rest. Tokens carry no
position: one token object serves every occurrence of a word, which keeps
tokenising 10,000 texts cheap; :func:`spans` gives the character spans of the
same tokens when a finding is shown.

The word lists are general English and general metering vocabulary, not this
specification's wording (see docs/duplicates.md for why each list exists).
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from typing import NamedTuple

import snowballstemmer  # type: ignore[import-untyped]  # a dependency of Sphinx

from .sentences import sentence_ends


class Role(Enum):
    CONTENT = "content"
    FUNCTION = "function"
    NUMBER = "number"
    UNIT = "unit"
    MODAL = "modal"
    NEGATION = "negation"
    COMPARATOR = "comparator"
    TIME_BASIS = "time-basis"
    SYMBOL = "symbol"  # a unit symbol standing alone, naming a quantity: "import kWh"
    PUNCT = "punct"  # sentence and phrase boundaries: . ; : , ! ? ( ) and line breaks


FUNCTION_WORDS = frozenset(
    (
        "a", "an", "the", "of", "to", "in", "on", "at", "for", "by", "with", "from", "into", "onto", "as",
        "and", "or", "but", "if", "then", "than", "that", "this", "these", "those", "which", "who", "whom",
        "whose", "what", "where", "when", "while", "such", "so", "be", "is", "are", "was", "were", "been",
        "being", "it", "its", "their", "there", "them", "they", "he", "she", "his", "her", "we", "our",
        "us", "you", "your", "i", "me", "my", "all", "any", "each", "every", "some", "other", "also", "etc",
        "e", "g", "ie", "eg", "i.e", "e.g", "via", "per", "including", "include", "includes", "included",
        "both", "either", "only", "do", "does", "done", "has", "have", "had", "having", "within"
    )
)  # fmt: skip
#: Binding strength of modal verbs: a difference is a possible conflict.
MODALS: dict[str, int] = {
    "shall": 3, "must": 3, "will": 3, "required": 3,
    "should": 2, "recommended": 2,
    "may": 1, "can": 1, "could": 1, "might": 1, "optionally": 1, "optional": 1,
    # "can only X" / "may only X" restrict: as binding as "shall not do other than X"
    "can-only": 3, "may-only": 3,
}  # fmt: skip
NEGATIONS = frozenset({"not", "no", "never", "cannot", "none", "neither", "nor", "non", "without", "nothing"})
COMPARATORS = frozenset(
    {"least", "most", "less", "more", "greater", "fewer", "above", "below", "over", "under",
     "exceed", "exceeds", "exceeding", "minimum", "maximum", "max", "min", "better", "worse",
     "before", "after", "earlier", "later"}
)  # fmt: skip
NUMBER_WORDS: dict[str, float] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "hundred": 100, "thousand": 1000,
    "once": 1, "twice": 2, "single": 1, "double": 2,
}  # fmt: skip
#: Units, by lower-case spelling. Single letters are units only right after a number.
UNITS: dict[str, str] = {
    **dict.fromkeys(
        (
            "ms", "s", "sec", "secs", "second", "seconds", "min", "mins", "minute", "minutes", "h", "hr",
            "hrs", "hour", "hours", "day", "days", "week", "weeks", "month", "months", "year", "years",
            "yr", "yrs"
        ),
        "time",
    ),
    **dict.fromkeys(
        (
            "w", "kw", "mw", "gw", "wh", "kwh", "mwh", "va", "kva", "mva", "vah", "kvah", "var", "kvar",
            "mvar", "varh", "kvarh", "mvarh", "v", "kv", "mv", "a", "ma", "ka", "hz", "khz", "ohm"
        ),
        "electrical",
    ),
    **dict.fromkeys(
        (
            "m3", "m³", "l", "litre", "litres", "liter", "liters", "ft3"
        ),
        "volume",
    ),
    **dict.fromkeys(
        (
            "£", "gbp", "p", "pence", "penny", "eur", "€", "euro", "euros"
        ),
        "money",
    ),
    **dict.fromkeys(
        (
            "%", "percent", "per-cent", "ppm", "db", "dbm"
        ),
        "ratio",
    ),
    **dict.fromkeys(
        (
            "bit", "bits", "byte", "bytes", "kb", "kbit", "kbps", "mb", "mbit", "mbps", "gb"
        ),
        "data",
    ),
    **dict.fromkeys(
        (
            "°c", "degc", "celsius", "k", "kelvin"
        ),
        "temperature",
    ),
}  # fmt: skip
#: Words denoting distinct things of one kind: swapping one for another changes the subject.
#: Things of one kind: one of these differing makes a different subject even without its counterpart
#: ("gas consumption data" vs "consumption and demand data").
SUBJECT_SETS = (
    "import export imported exported importing exporting",
    "active reactive apparent",
    "electricity gas water heat electric",
    "mains battery batteries",
    "single three poly",
    "voltage current power energy frequency",
    "credit prepayment debit debt",
    "english welsh",
    "day night peak offpeak",
    "summer winter",
    "safety security",
    "feature component module platform subsystem",
    "hardware software firmware",
    "client server",
    "master slave",
    "sender receiver",
    "host device",
)
#: Qualities and operations: they make a different subject only against their counterpart
#: ("remote" vs "local"), since a paraphrase may drop or rephrase them ("allow" -> "enable").
QUALITY_SETS = (
    "local remote remotely locally",
    "upper lower high low higher",
    "minimum maximum min max",
    "read write reading writing",
    "input output inbound outbound incoming outgoing",
    "send receive sent received transmit",
    "open close opened closed opening closing",
    "enable disable enabled disabled enablement disablement arm disarm armed",
    "on off",
    "start end begin stop started stopped",
    "first last previous next",
    "hourly daily weekly monthly yearly annual annually quarterly",
    "primary secondary tertiary",
    "internal external",
    "electronic electronically mechanical mechanically manual manually automatic automatically",
    "add remove delete insert",
    "increase decrease",
    "lock unlock locked unlocked",
    "install uninstall installation removal",
    "connect disconnect connected disconnected",
    "upload download",
    "encrypt decrypt encryption decryption",
    "sign verify signing verification",
    "success failure successful failed",
    "valid invalid",
    "public private",
    "supplier consumer installer operator",
)
CONTRAST_SETS: tuple[frozenset[str], ...] = tuple(frozenset(g.split()) for g in SUBJECT_SETS + QUALITY_SETS)
#: Words in several contrast sets that are not subject words on their own.
TIME_BASIS = frozenset({"utc", "gmt", "bst"})
TIME_WORDS = frozenset({"time", "timestamp", "date", "clock", "timing", "datetime", "stamp"})

# British spellings folded so that "authorised" and "authorized" are one word.
_BRITISH = (
    (re.compile(r"(?<=\w{3})is(e|ed|es|ing|ation|ations|er|ers)$"), r"iz\1"),
    (re.compile(r"(?<=\w)our$"), "or"),
    (re.compile(r"^(colo|behavio|favo|labo)urs?$"), r"\1r"),
    (re.compile(r"ence$"), "ense"),  # licence/license, defence/defense
    (re.compile(r"^catalogue"), "catalog"),
    (re.compile(r"^programme"), "program"),
    (re.compile(r"lys(e|ed|es|ing)$"), r"lyz\1"),
)
_STEMMER = snowballstemmer.stemmer("english")
_ACRONYM = re.compile(r"^(?=.*[A-Z].*[A-Z])[A-Z0-9]{2,8}s?$|^[A-Za-z]{1,4}\.\d+(?:\.\d+)*$")


class Token(NamedTuple):
    text: str  # the surface form, as written
    key: str  # the normalised form compared between texts
    role: Role
    acronym: bool = False  # written in capitals (HAN, WAN, ESME), an id (SP_18) or a number naming something
    value: float | None = None  # for numbers
    group: int | None = None  # contrast set of the word (import/export, local/remote), if any


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Lower case, British spelling folded to American (no stemming)."""
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    word = word.rstrip("'")
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return word


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The comparison key of a word: folded and stemmed."""
    folded = fold(word)
    if folded in UNITS or len(folded) <= 2:
        return folded
    return str(_STEMMER.stemWord(folded))


_CONTRAST_INDEX: dict[str, int] = {
    word.removesuffix("s"): index for index, group in enumerate(CONTRAST_SETS) for word in group
}


def contrast_group(word: str) -> int | None:
    """Index of the contrast set a word (as written) belongs to, if any."""
    return _CONTRAST_INDEX.get(fold(word).removesuffix("s"))


def needs_counterpart(group: int) -> bool:
    """True for quality sets (local/remote): only a swap within the set changes the subject."""
    return group >= len(SUBJECT_SETS)


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


_TIME_UNITS = frozenset(u for u, kind in UNITS.items() if kind == "time")


def _role_of(folded: str) -> Role:
    if folded in UNITS and (
        folded in {"£", "€", "%"}
        or (len(folded) > 1 and folded not in _TIME_UNITS and folded not in {"min", "max", "ms", "mb", "gb"})
    ):
        return Role.SYMBOL  # a bare symbol (kWh, m3, £) names a quantity; a bare time word is a word
    for words, role in (
        (NUMBER_WORDS, Role.NUMBER),
        (MODALS, Role.MODAL),
        (NEGATIONS, Role.NEGATION),
        (TIME_BASIS, Role.TIME_BASIS),
        (COMPARATORS, Role.COMPARATOR),
        (FUNCTION_WORDS, Role.FUNCTION),
    ):
        if folded in words:
            return role
    return Role.CONTENT


_WORD = re.compile(
    r"[A-Za-z]{1,4}\.\d+(?:\.\d+)*"  # an id: SP_18, PC.1.16
    r"|(?i:non)-[^\W\d_][\w'’]*"  # non-functional: one word, not a negation
    r"|\d+(?:[.,]\d+)*[A-Za-z%³]+|\d+(?:[.,]\d+)*"  # 0.6W, 30, 4.6
    r"|£|€|%|°[cC]"
    r"|[^\W\d_][\w'’]*"  # a word
    r"|\.(?=\s|$)|[;:,!?()\[\]\n]",  # punctuation that ends a phrase
    re.UNICODE,
)
_DIGIT_INSIDE = re.compile(r"^[^\W\d_]+\d+\w*$|^\w*[^\W_]_\w+$")  # int16, x86; CLEAN_L, module_id
_ATTACHED = re.compile(r"(\d+(?:[.,]\d+)*)([A-Za-z%³]+)")
_SENTENCE_END = frozenset({".", ";", "!", "?", "\n"})
_PIECES: dict[str, tuple[Token, ...]] = {}
#: Conjunctions written in capitals name logical operators ("a bitwise AND operation" / "OR"): content
#: words that name a thing. (Capitalised NOT stays a negation: "shall NOT" is emphasis.)
OPERATOR_NAMES = frozenset({"AND", "OR"})
#: the key a word takes when it follows a number (``10 seconds``: the unit s)
_AS_UNIT: dict[str, str] = {}


def _word_token(word: str) -> Token:
    if word[0].isdigit():
        value = _number(word)
        if value is None and word.count(".") >= 2:  # 1.6.2025, 2.4.1: a date or version names a thing
            return Token(word, word, Role.CONTENT, True)
        return Token(word, _format_number(value) if value is not None else word, Role.NUMBER, False, value)
    if not (word[0].isalnum() or word in {"£", "€", "%"} or word.startswith("°")):
        return Token(word, word, Role.PUNCT)
    if word in OPERATOR_NAMES:  # "a bitwise AND operation": the name of an operator, not a conjunction
        return Token(word, word.lower(), Role.CONTENT, True)
    folded = fold(word)
    if folded in UNITS:
        _AS_UNIT[word] = _unit_key(folded)
    role = _role_of(folded)
    if role is Role.SYMBOL:
        return Token(word, _unit_key(folded), role)
    if role is Role.NUMBER:
        value = NUMBER_WORDS[folded]
        return Token(word, _format_number(value), role, False, value)
    key = folded if role in (Role.MODAL, Role.NEGATION, Role.TIME_BASIS) else stem(word)
    named = bool(_ACRONYM.match(word) or _DIGIT_INSIDE.match(word))  # HAN, int16, uint32, x86
    return Token(word, key, role, named, None, contrast_group(word))


def _parts(piece: str) -> tuple[Token, ...]:
    attached = _ATTACHED.fullmatch(piece)
    if attached and fold(attached.group(2)) in UNITS:  # 0.6W, 30min
        unit = attached.group(2)
        parts: tuple[Token, ...] = (
            _word_token(attached.group(1)),
            Token(unit, _unit_key(fold(unit)), Role.UNIT),
        )
    else:
        parts = (_word_token(piece),)
    if len(_PIECES) < 500_000:
        _PIECES[piece] = parts
    return parts


_ABBREVIATION_STOP = Token(".", "·", Role.FUNCTION)


@lru_cache(maxsize=65_536)
def tokenize(text: str) -> tuple[Token, ...]:
    """Every word, number, symbol and boundary of ``text``, with its role and key (cached by text).

    A full stop ends a sentence where the sentence segmenter says so (``e.g.``, ``Fig. 3`` and
    ``i.e.`` do not); such a stop inside a sentence becomes a function token."""
    tokens: list[Token] = []
    pieces = _PIECES
    ends = sentence_ends(text)
    if ends is None:
        for piece in _WORD.findall(text):
            tokens.extend(pieces.get(piece) or _parts(piece))
    else:
        for match in _WORD.finditer(text):
            piece = match.group()
            if piece == "." and match.end() not in ends:
                tokens.append(_ABBREVIATION_STOP)
            else:
                tokens.extend(pieces.get(piece) or _parts(piece))
    revisit = [i for i, t in enumerate(tokens) if t.role is Role.NUMBER or t.key == "local"]
    if revisit:
        _post_pass(tokens, revisit)
    return tuple(tokens)


def spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the tokens of ``text``, in the order of :func:`tokenize`."""
    out: list[tuple[int, int]] = []
    for match in _WORD.finditer(text):
        parts = _PIECES.get(match.group()) or _parts(match.group())
        if len(parts) == 2:
            cut = match.start() + len(parts[0].text)
            out += [(match.start(), cut), (cut, match.end())]
        else:
            out.append((match.start(), match.end()))
    return out


#: Plural and long forms of units, folded: ``minutes`` = ``min``.
_UNIT_KEYS = {
    **dict.fromkeys(("seconds", "second", "sec", "secs"), "s"),
    **dict.fromkeys(("minutes", "minute", "mins"), "min"),
    **dict.fromkeys(("hours", "hour", "hr", "hrs"), "h"),
    "days": "day", "weeks": "week", "months": "month",
    **dict.fromkeys(("years", "yr", "yrs"), "year"),
    **dict.fromkeys(("litres", "litre", "liter", "liters"), "l"),
    **dict.fromkeys(("pence", "penny"), "p"),
    **dict.fromkeys(("percent", "per-cent"), "%"),
    **dict.fromkeys(("euros", "euro", "€"), "eur"),
    "gbp": "£",
}  # fmt: skip


def _unit_key(folded: str) -> str:
    return _UNIT_KEYS.get(folded, folded)


def _format_number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


#: Words after which a number counts something ("the last 10 entries") rather than names it.
_COUNTING = frozenset(
    {
        "last",
        "first",
        "next",
        "previous",
        "every",
        "each",
        "additional",
        "further",
        "extra",
        "top",
        "latest",
        "recent",
    }
)


def _post_pass(out: list[Token], positions: list[int]) -> None:
    """Roles that depend on neighbours: units after numbers, ``local time``, numbers used as names."""
    for index in positions:
        token = out[index]
        after = out[index + 1] if index + 1 < len(out) else None
        before = out[index - 1] if index else None
        if token.role is Role.NUMBER and after is not None and after.text in _AS_UNIT:
            after = out[index + 1] = Token(after.text, _AS_UNIT[after.text], Role.UNIT)
        if token.key == "local":
            if after is not None and after.key == "time":
                out[index] = Token(token.text, "local-time", Role.TIME_BASIS)
        elif (
            token.text[0].isdigit()
            and before is not None
            and before.role is Role.CONTENT
            and fold(before.text) not in _COUNTING
            and (after is None or after.role is not Role.UNIT)
            and not (index > 1 and (out[index - 2].role is Role.MODAL or out[index - 2].key == "to"))
        ):
            # "register 12": a number that names something is part of the subject
            out[index] = Token(token.text, token.key, Role.CONTENT, True)


#: Roles of the words compared for similarity: content words and unit symbols standing alone.
SUBJECT_ROLES = (Role.CONTENT, Role.SYMBOL)  # a tuple: identity tests, no Enum hashing


def is_sentence_end(token: Token) -> bool:
    return token.role is Role.PUNCT and token.text in _SENTENCE_END


def normalised(text: str) -> str:
    """Whitespace-collapsed text: the form fingerprints are computed on."""
    return " ".join(text.split())
