"""Text normalisation for the duplicate analysis: tokens, stems and word roles.

A text becomes a list of :class:`Token`: its surface form and character span
(for highlighting), a normalised key (lower case, British spellings folded to
American, stemmed), and a role: an ordinary content word, a function word, a
number, a unit, a modal verb, a negation, a comparator or a time basis. The
similarity measures use content words only; the conflict checks use the rest.

The word lists are general English and general metering vocabulary, not this
specification's wording (see docs/duplicates.md for why each list exists).
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from typing import NamedTuple

import snowballstemmer  # type: ignore[import-untyped]  # a dependency of Sphinx


class Role(Enum):
    CONTENT = "content"
    FUNCTION = "function"
    NUMBER = "number"
    UNIT = "unit"
    MODAL = "modal"
    NEGATION = "negation"
    COMPARATOR = "comparator"
    TIME_BASIS = "time-basis"


FUNCTION_WORDS = frozenset(
    """a an the of to in on at for by with from into onto as and or but if then than that this these
    those which who whom whose what where when while such so be is are was were been being it its
    their there them they he she his her we our us you your i me my all any each every some other
    also etc e g ie eg i.e e.g via per including include includes included both either only
    do does done has have had having within""".split()
)
#: Binding strength of modal verbs: a difference is a possible conflict.
MODALS: dict[str, int] = {
    "shall": 3, "must": 3, "will": 3, "required": 3,
    "should": 2, "recommended": 2,
    "may": 1, "can": 1, "could": 1, "might": 1, "optionally": 1, "optional": 1,
}  # fmt: skip
NEGATIONS = frozenset({"not", "no", "never", "cannot", "none", "neither", "nor", "non", "without", "nothing"})
COMPARATORS = frozenset(
    {"least", "most", "less", "more", "greater", "fewer", "above", "below", "over", "under",
     "exceed", "exceeds", "exceeding", "minimum", "maximum", "max", "min", "better", "worse",
     "before", "after", "earlier", "later", "up"}
)  # fmt: skip
NUMBER_WORDS: dict[str, float] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "hundred": 100, "thousand": 1000,
    "once": 1, "twice": 2, "single": 1, "double": 2,
}  # fmt: skip
#: Units, by lower-case spelling. Single letters are units only right after a number.
UNITS: dict[str, str] = {
    **{u: "time" for u in "ms s sec secs second seconds min mins minute minutes h hr hrs hour hours "
       "day days week weeks month months year years yr yrs".split()},
    **{u: "electrical" for u in "w kw mw gw wh kwh mwh va kva mva vah kvah var kvar mvar varh kvarh "
       "mvarh v kv mv a ma ka hz khz ohm".split()},
    **{u: "volume" for u in "m3 m³ l litre litres liter liters ft3".split()},
    **{u: "money" for u in "£ gbp p pence penny eur € euro euros".split()},
    **{u: "ratio" for u in "% percent per-cent ppm db dbm".split()},
    **{u: "data" for u in "bit bits byte bytes kb kbit kbps mb mbit mbps gb".split()},
    **{u: "temperature" for u in "°c degc celsius k kelvin".split()},
}  # fmt: skip
_SINGLE_LETTER_UNITS = frozenset(u for u in UNITS if len(u) == 1)
#: Words denoting distinct things of one kind: swapping one for another changes the subject.
CONTRAST_SETS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        "import export",
        "active reactive apparent",
        "local remote remotely locally",
        "upper lower high low higher lower",
        "minimum maximum min max",
        "read write reading writing",
        "input output inbound outbound incoming outgoing",
        "send receive sent received transmit",
        "open close opened closed opening closing",
        "enable disable enabled disabled enablement disablement arm disarm armed",
        "on off",
        "start end begin stop started stopped",
        "first last previous next current",
        "hourly daily weekly monthly yearly annual annually quarterly",
        "primary secondary tertiary",
        "internal external",
        "electricity gas water heat electric",
        "electronic electronically mechanical mechanically manual manually automatic automatically",
        "mains battery",
        "single three poly",
        "voltage current power energy frequency",
        "credit prepayment debit debt",
        "english welsh",
        "day night peak offpeak",
        "summer winter",
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
)
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
_ACRONYM = re.compile(r"^(?=.*[A-Z].*[A-Z])[A-Z0-9]{2,8}s?$")


class Token(NamedTuple):
    text: str  # the surface form, as written
    start: int  # character span in the source text
    end: int
    key: str  # the normalised form compared between texts
    role: Role
    acronym: bool = False  # written in capitals (HAN, WAN, ESME) or a number naming something
    value: float | None = None  # for numbers


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


@lru_cache(maxsize=50_000)
def contrast_group(key: str) -> int | None:
    """Index of the contrast set a stemmed word belongs to, if any."""
    for index, group in enumerate(CONTRAST_SETS):
        if key in group or any(stem(word) == key for word in group):
            return index
    return None


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


_TIME_UNITS = frozenset(u for u, kind in UNITS.items() if kind == "time")


def _role_of(folded: str, after_number: bool) -> Role:
    if folded in UNITS:
        if after_number or folded in {"£", "€", "%"}:
            return Role.UNIT
        # a bare symbol (kWh, m3, £) names a quantity; a bare time word or letter is a word
        if len(folded) > 1 and folded not in _TIME_UNITS and folded not in {"min", "max", "ms", "mb", "gb"}:
            return Role.UNIT
    if folded in NUMBER_WORDS:
        return Role.NUMBER
    if folded in MODALS:
        return Role.MODAL
    if folded in NEGATIONS:
        return Role.NEGATION
    if folded in TIME_BASIS:
        return Role.TIME_BASIS
    if folded in COMPARATORS:
        return Role.COMPARATOR
    if folded in FUNCTION_WORDS:
        return Role.FUNCTION
    return Role.CONTENT


_WORD = re.compile(r"\d+(?:[.,]\d+)*[A-Za-z%³]+|£|€|%|°[cC]|\d+(?:[.,]\d+)*|[^\W\d_][\w'’]*", re.UNICODE)
_ATTACHED = re.compile(r"(\d+(?:[.,]\d+)*)([A-Za-z%³]+)")

#: piece -> its parts: (start offset, end offset, key, role, acronym, value, key as a unit after a number)
_Part = tuple[int, int, str, Role, bool, float | None, str | None]
_PIECES: dict[str, tuple[_Part, ...]] = {}


def _word_part(word: str, offset: int) -> _Part:
    if word[0].isdigit():
        value = _number(word)
        return (offset, offset + len(word), _format_number(value) if value is not None else word,
                Role.NUMBER, False, value, None)
    folded = fold(word)
    role = _role_of(folded, False)
    as_unit = _unit_key(folded) if folded in UNITS else None
    value: float | None = None
    if role is Role.UNIT:
        key = _unit_key(folded)
    elif role is Role.NUMBER:
        value = NUMBER_WORDS[folded]
        key = _format_number(value)
    elif role in (Role.MODAL, Role.NEGATION, Role.TIME_BASIS):
        key = folded
    else:
        key = stem(word)
    return (offset, offset + len(word), key, role, bool(_ACRONYM.match(word)), value, as_unit)


def _parts(piece: str) -> tuple[_Part, ...]:
    parts = _PIECES.get(piece)
    if parts is None:
        attached = _ATTACHED.fullmatch(piece)
        if attached and fold(attached.group(2)) in UNITS:  # 0.6W, 30min
            cut = len(attached.group(1))
            number = _word_part(attached.group(1), 0)
            unit = fold(attached.group(2))
            parts = (number, (cut, len(piece), _unit_key(unit), Role.UNIT, False, None, None))
        else:
            parts = (_word_part(piece, 0),)
        if len(_PIECES) < 500_000:
            _PIECES[piece] = parts
    return parts


@lru_cache(maxsize=65_536)
def tokenize(text: str) -> tuple[Token, ...]:
    """Every word, number and symbol of ``text``, with its role and key (cached by text)."""
    tokens: list[Token] = []
    after_number = False
    for match in _WORD.finditer(text):
        piece, start = match.group(0), match.start()
        for begin, end, key, role, acronym, value, as_unit in _parts(piece):
            if after_number and as_unit is not None:
                key, role = as_unit, Role.UNIT
            tokens.append(Token(piece[begin:end], start + begin, start + end, key, role, acronym, value))
            after_number = role is Role.NUMBER
    return tuple(_post_pass(tokens, text))


def _unit_key(folded: str) -> str:
    """Plural and long forms of time units folded: ``minutes`` = ``min``."""
    table = {"seconds": "s", "second": "s", "sec": "s", "secs": "s", "minutes": "min", "minute": "min",
             "mins": "min", "hours": "h", "hour": "h", "hr": "h", "hrs": "h", "days": "day",
             "weeks": "week", "months": "month", "years": "year", "yr": "year", "yrs": "year",
             "litres": "l", "litre": "l", "liter": "l", "liters": "l", "pence": "p", "penny": "p",
             "percent": "%", "per-cent": "%", "euros": "eur", "euro": "eur", "€": "eur", "gbp": "£"}
    return table.get(folded, folded)


def _format_number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


#: Words after which a number counts something ("the last 10 entries") rather than names it.
_COUNTING = frozenset({"last", "first", "next", "previous", "every", "each", "additional", "further", "extra",
                       "top", "latest", "recent", "minimum", "maximum", "least", "most"})


def _post_pass(tokens: list[Token], text: str) -> list[Token]:
    """Roles that depend on neighbours: ``local time`` and numbers used as names."""
    out = tokens
    for index, token in enumerate(out):
        if token.role is not Role.NUMBER and token.key != "local":
            continue
        after = out[index + 1] if index + 1 < len(out) else None
        if after is not None and text[token.end : after.start].strip(" -"):
            after = None  # punctuation ends the phrase
        before = out[index - 1] if index else None
        if token.key == "local" and after is not None and after.key == "time":
            out[index] = Token(token.text, token.start, token.end, "local-time", Role.TIME_BASIS)
        elif (
            token.role is Role.NUMBER
            and token.text[0].isdigit()
            and before is not None
            and before.role is Role.CONTENT
            and fold(before.text) not in _COUNTING
            and (after is None or after.role is not Role.UNIT)
            and not (index > 1 and (out[index - 2].role is Role.MODAL or out[index - 2].key == "to"))
        ):
            # "register 12", "SP.18": a number that names something is part of the subject
            out[index] = Token(token.text, token.start, token.end, token.key, Role.CONTENT, acronym=True)
    return out


def normalised(text: str) -> str:
    """Whitespace-collapsed text: the form fingerprints are computed on."""
    return " ".join(text.split())
