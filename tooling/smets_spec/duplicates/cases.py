"""Why two texts that share their words are not a duplicate (or not a plain overlap): another case
of one requirement, or one requirement extended.

* a negation inside a qualifying clause on one side only (*hardware that does not provide ...*);
* a limit, order or superlative word on one side only (*the maximum count*, *the highest priority
  thread*, *after a timeout*);
* a value named on one side only (*setting a variable* / *... to zero*);
* one word swapped for another that the corpus varies between requirements (contrasts.varied), the
  texts otherwise word for word the same (edits.swapped);
* one added phrase (edits.one_edit): a clause joined by *and* / *then* adds an obligation (an
  overlap), any other qualifies the requirement (a case of it).

Each explanation quotes the words as the texts write them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from itertools import pairwise

from .contrasts import BALANCE
from .edits import one_edit, swapped
from .features import Profile
from .index import Doc
from .text import Role


def differ(a: tuple[str, ...], b: tuple[str, ...], empty: str) -> str:
    """``"x, y vs z"``: what each side has that the other lacks, as written (``empty``: neither)."""
    ca, cb = Counter(a), Counter(b)
    only_a = ", ".join(f"'{w}'" for w in sorted((ca - cb).elements())) or empty
    only_b = ", ".join(f"'{w}'" for w in sorted((cb - ca).elements())) or empty
    return f"{only_a} vs {only_b}"


def edit_case(a: Doc, b: Doc, pa: Profile, pb: Profile, varied: frozenset[str]) -> tuple[bool, str] | None:
    """(an overlap?, the reason) for a would-be duplicate that is another case of the other text or
    extends it; None when nothing here tells them apart."""
    qa = tuple(q for sentence in pa.sentences for q in sentence.qualified)
    qb = tuple(q for sentence in pb.sentences for q in sentence.qualified)
    if len(qa) != len(qb):  # "hardware that does not provide ..." / "where the hardware provides ..."
        return False, (
            f"a negation in a qualifying clause differs ({differ(qa, qb, '(none)')}): "
            "the same obligation for another case, a parallel variant"
        )
    limits = _limits_differ(a, b)
    if limits:
        return False, limits
    na, nb = _numbers(a), _numbers(b)
    if bool(na) != bool(nb):  # "setting a variable" / "setting a variable to zero"
        return False, (
            f"only {'the first' if na else 'the second'} text names a value "
            f"({', '.join(map(repr, na or nb))}): a case the other does not state, a parallel variant"
        )
    swap = swapped(a.tokens, b.tokens, varied) if varied else None
    if swap is not None:
        return False, (
            f"the texts differ only in '{swap[0]}' / '{swap[1]}', words this corpus swaps with others "
            "between requirements: a different operation or object, not the same thing in other words; "
            "a parallel variant"
        )
    edit = one_edit(a.tokens, b.tokens)
    if edit is None:
        return None
    side = "the first" if edit.words_a else "the second"
    added = edit.words_a or edit.words_b
    if edit.joins:
        return True, f"only {side} text adds '{added}': it requires more than the other states; an overlap"
    return (
        False,
        f"only {side} text adds '{added}': a qualified case of the same requirement, a parallel variant",
    )


def _limits_differ(a: Doc, b: Doc, order: bool = True) -> str:
    """The explanation when the texts differ in limit words (and with ``order``, in order words)."""
    la, lb = _limit_words(a, order), _limit_words(b, order)
    if Counter(w.lower() for w in la) == Counter(w.lower() for w in lb):
        return ""
    return (
        f"the limit or order words differ ({differ(la, lb, '(none)')}): a bound or sequence one text "
        "states and the other does not, a parallel variant"
    )


#: Range words that name a limit or an order of their own, with or without a number.
_LIMITS = frozenset(
    {"minimum", "maximum", "min", "max", "least", "most", "before", "after", "earlier", "later"}
)


def _limit_words(doc: Doc, order: bool = True) -> tuple[str, ...]:
    words = _LIMITS if order else _LIMITS - _ORDER
    return tuple(
        t.text
        for t in doc.tokens
        if (t.role is Role.COMPARATOR and t.text.lower() in words) or t.text.lower() in _SUPERLATIVES
    )


def balanced(
    only_a: Collection[str], only_b: Collection[str], varied: frozenset[str], df: Counter[str]
) -> frozenset[str]:
    """The varied words of the pair's one-for-one swap when both words are about as common as each other
    (contrasts.BALANCE): alternatives are used alike (add / set / get), while the synonyms a paraphrase
    brings are rare next to the word they replace (record: capture)."""
    if len(only_a) != 1 or len(only_b) != 1:
        return frozenset()
    (x,), (y,) = only_a, only_b
    low, high = sorted((df[x], df[y]))
    return varied & {x, y} if low >= BALANCE * high else frozenset()


#: Prepositions that introduce a value: "to zero", "by 1", "at 5 seconds".
_VALUE_PREPOSITIONS = frozenset({"to", "at", "by", "from", "with", "of", "within", "every", "than"})


def _numbers(doc: Doc) -> list[str]:
    """The values a text names after a preposition ("set it to zero"), as written; a number word used
    otherwise ("shall zero the counter", "record the zero") is none."""
    return [
        token.text
        for before, token in pairwise(doc.tokens)
        if token.role is Role.NUMBER and before.text.lower() in _VALUE_PREPOSITIONS
    ]


def as_state(short: Profile, long: Profile, shared: frozenset[str]) -> bool:
    """True when a word the shorter text states as an action or thing (*disable*, *detection*) is in the
    longer only as a participle, a state of something else (*disabled*, *detected*): the longer is
    about another operation on it, not a superset of the shorter."""
    for key in shared:
        mine, theirs = short.written.get(key, ""), long.written.get(key, "")
        if (
            mine.lower() != theirs.lower()
            and theirs.lower().endswith("ed")
            and not mine.lower().endswith("ed")
        ):
            return True
    return False


#: Order words: they make another case of a would-be duplicate, but in a longer text they often add.
_ORDER = frozenset({"before", "after", "earlier", "later"})
#: Superlatives that pick one of many ("the highest priority thread", "the thread waiting longest").
_SUPERLATIVES = frozenset({"highest", "lowest", "longest", "shortest", "oldest", "newest", "first", "last"})


def other_case(a: Doc, b: Doc, pa: Profile, pb: Profile) -> str:
    """Why a text that contains the other's words is another case of it rather than a superset: a
    limit, order or superlative word, or (in one-sentence texts) a negation, on one side only
    ("signal the highest priority waiting thread" / "signal all waiting threads"; "send ... and
    block" / "send ... without waiting")."""
    limits = _limits_differ(a, b, order=False)  # "later" in "for later audit" adds, it orders nothing
    if limits:
        return limits
    if len(pa.sentences) > 1 or len(pb.sentences) > 1:
        return ""  # in longer texts a negation belongs to a sentence of its own
    na = tuple(n for sentence in pa.sentences for n in sentence.negations)
    nb = tuple(n for sentence in pb.sentences for n in sentence.negations)
    if len(na) != len(nb):
        shown = differ(na, nb, "(none)")
        return f"the negations differ ({shown}): the other case of one operation, a parallel variant"
    return ""
