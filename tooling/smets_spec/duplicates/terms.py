"""Terminology checks: one thing written several ways, and abbreviations the glossary lacks.

Checks (the ``check`` of a :class:`TermFinding`):

* ``unit``: a unit symbol spelled differently (kVarh / kvarh, or the var of
  kVarh written VAr in kVAr);
* ``spelling``: British and American spellings of one word (authorised /
  authorized), or a word written with different capitals mid-sentence;
* ``hyphenation``: real-time / real time, top-ups / top ups;
* ``term-variant``: a three-word term with a differently inflected word (smart
  meter system / smart metering system);
* ``misspelling``: a long word one letter away from another word of the
  corpus (interoperablity / interoperability);
* ``synonym``: a synonym the glossary lists for a term, used instead of it
  (comms hub for communications hub function; Load limit / energy consumption
  limit when the glossary declares them);
* ``undefined-abbreviation``: an abbreviation no glossary term defines.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..diagnostics import Location
from .items import DEFINITIONS, Item, Source
from .text import UNITS, Role, Token, fold, stem, tokenize


@dataclass(frozen=True)
class TermFinding:
    check: str
    term: str
    message: str
    forms: dict[str, tuple[str, ...]]  # written form -> ids of the items using it
    location: Location
    fix: str = ""

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i for ids in self.forms.values() for i in ids))


@dataclass
class _Forms:
    """Written forms of one key, with the items using each."""

    forms: dict[str, dict[str, Item]] = field(default_factory=dict)  # form -> id -> item

    def add(self, form: str, item: Item) -> None:
        self.forms.setdefault(form, {}).setdefault(item.id, item)

    def finding(self, check: str, term: str, message: str, fix: str) -> TermFinding:
        ordered = sorted(self.forms.items(), key=lambda kv: (len(kv[1]), kv[0]))
        first = next(iter(ordered[0][1].values()))  # a user of the rarest form
        return TermFinding(check, term, message, {f: tuple(users) for f, users in ordered}, first.location, fix)


_ELECTRICAL_BASES = ("var", "va", "w", "v", "a", "hz")


def _unit_base(folded: str) -> tuple[int, int] | None:
    """Span of the base unit in an electrical symbol: kvarh -> (1, 4) ('var')."""
    start = 1 if folded[:1] in {"k", "m", "g"} and len(folded) > 1 else 0
    for begin in ((start, 0) if start else (0,)):
        rest = folded[begin:]
        end = len(folded) - 1 if rest.endswith("h") and rest[:-1] in _ELECTRICAL_BASES else len(folded)
        if folded[begin:end] in _ELECTRICAL_BASES:
            return begin, end
    return None


def _sentence_start(text: str, token: Token) -> bool:
    before = text[: token.start].rstrip()
    return not before or before[-1] in ".!?:;-•\n*"


def _plural_only(a: str, b: str) -> bool:
    return a.rstrip("s") == b.rstrip("s") or a.removesuffix("es") == b.removesuffix("es")


def _findings_of(groups: dict[str, _Forms], check: str, message: str, fix: str) -> list[TermFinding]:
    return [forms.finding(check, key, message.format(key=key, forms=" / ".join(forms.forms)), fix)
            for key, forms in sorted(groups.items()) if len(forms.forms) > 1]


def _unit_checks(tokenised: Sequence[tuple[Item, list[Token]]]) -> list[TermFinding]:
    whole: dict[str, _Forms] = {}
    bases: dict[str, _Forms] = {}
    for item, tokens in tokenised:
        for token in tokens:
            folded = fold(token.text)
            if token.role is not Role.UNIT or len(folded) < 2 or not folded.isalnum():
                continue
            whole.setdefault(folded, _Forms()).add(token.text, item)
            span = _unit_base(folded)
            if span is not None and span[1] - span[0] > 1:
                base = token.text[span[0] : span[1]]
                bases.setdefault(base.lower(), _Forms()).add(f"{base} (in {token.text})", item)
    out = _findings_of(whole, "unit", "unit '{key}' is written in several ways: {forms}",
                       "write every unit symbol one way")
    for key, forms in sorted(bases.items()):
        spellings = {form.split(" ", 1)[0] for form in forms.forms}
        if len(spellings) > 1 and not any(f.term == key for f in out):
            out.append(forms.finding("unit", key, f"the unit '{key}' is written {' / '.join(sorted(spellings))} "
                                     f"in {' / '.join(forms.forms)}", "write the unit one way throughout "
                                     "(IEC 80000-6 writes var, kvar, kvarh; the spec may choose kVAr, kVArh)"))
    return out


def _word_checks(tokenised: Sequence[tuple[Item, list[Token]]]) -> list[TermFinding]:
    spelling: dict[str, _Forms] = {}
    hyphen: dict[str, _Forms] = {}
    trigrams: dict[tuple[str, ...], _Forms] = {}
    for item, tokens in tokenised:
        words = [t for t in tokens if t.text[0].isalpha()]
        for token in words:
            if token.role is not Role.CONTENT or token.acronym or sum(c.isupper() for c in token.text) > 1:
                continue
            form = token.text.lower() if _sentence_start(item.text, token) else token.text
            spelling.setdefault(fold(token.text), _Forms()).add(form, item)
        for first, second in zip(tokens, tokens[1:], strict=False):
            if item.text[first.end : second.start] == "-" and first.text.isalpha() and second.text.isalpha():
                hyphen.setdefault((fold(first.text) + fold(second.text)).removesuffix("s"), _Forms())
        for a, b, c in zip(tokens, tokens[1:], tokens[2:], strict=False):
            if all(t.role is Role.CONTENT and t.text.isalpha() for t in (a, b, c)) and \
                    item.text[a.end : b.start] == " " and item.text[b.end : c.start] == " ":
                trigrams.setdefault((a.key, b.key, c.key), _Forms()).add(
                    " ".join(fold(t.text) for t in (a, b, c)), item)
    for item, tokens in tokenised:  # every way the hyphenated compounds are written
        for first, second in zip(tokens, tokens[1:], strict=False):
            gap = item.text[first.end : second.start]
            if gap in {" ", "-"} and first.text.isalpha() and second.text.isalpha():
                forms = hyphen.get((fold(first.text) + fold(second.text)).removesuffix("s"))
                if forms is not None:
                    forms.add(f"{first.text}{gap}{second.text}".lower(), item)
        for token in tokens:
            forms = hyphen.get(fold(token.text).removesuffix("s")) if token.text.isalpha() else None
            if forms is not None:
                forms.add(token.text.lower(), item)
    out = _findings_of(spelling, "spelling", "'{key}' is written {forms}",
                       "write the word one way (capitals only for defined terms)")
    out += _findings_of(hyphen, "hyphenation", "written both {forms}", "write the compound one way")
    variants = {" ".join(k): v for k, v in trigrams.items() if len(v.forms) > 1 and not all(
        _plural_only(x, y) for x, y in zip(*(f.split() for f in list(v.forms)[:2]), strict=True))}
    out += _findings_of(variants, "term-variant", "one term written {forms}", "use the glossary's form")
    return out


def _deletions(word: str) -> Iterable[str]:
    return (word[:i] + word[i + 1 :] for i in range(len(word)))


def _misspellings(tokenised: Sequence[tuple[Item, list[Token]]]) -> list[TermFinding]:
    counts: Counter[str] = Counter()
    users: dict[str, list[Item]] = {}
    for item, tokens in tokenised:
        for token in tokens:
            word = fold(token.text)
            if len(word) >= 8 and word.isalpha():
                counts[word] += 1
                users.setdefault(word, []).append(item)
    by_deletion: dict[str, set[str]] = {}
    for word in counts:
        for key in (word, *_deletions(word)):
            by_deletion.setdefault(key, set()).add(word)
    out: list[TermFinding] = []
    reported: set[frozenset[str]] = set()
    for word in sorted(counts):
        near = {w for key in (word, *_deletions(word)) for w in by_deletion.get(key, ())} - {word}
        for other in sorted(near):
            pair = frozenset({word, other})
            if pair in reported or stem(word) == stem(other) or _plural_only(word, other):
                continue
            reported.add(pair)
            rare, common = sorted((word, other), key=lambda w: (counts[w], w))
            forms = _Forms({common: {i.id: i for i in users[common]}, rare: {i.id: i for i in users[rare]}})
            out.append(forms.finding("misspelling", rare, f"'{rare}' may be a misspelling of '{common}'",
                                     f"write '{common}' if that is meant"))
    return out


def _synonyms(source: Source, tokenised: Sequence[tuple[Item, list[Token]]]) -> list[TermFinding]:
    out: list[TermFinding] = []
    for entry in source.glossary:
        for synonym in entry.synonyms:
            phrase = [fold(t.text) for t in tokenize(synonym)]
            forms = _Forms()
            for item, tokens in tokenised:
                words = [fold(t.text) for t in tokens]
                hits = [i for i in range(len(words)) if words[i : i + len(phrase)] == phrase]
                if phrase and hits and item.group != DEFINITIONS:
                    first, last = tokens[hits[0]], tokens[hits[0] + len(phrase) - 1]
                    forms.add(item.text[first.start : last.end], item)
            if forms.forms:
                preferred = f"'{entry.term}'" + (f" or '{entry.abbreviation}'" if entry.abbreviation else "")
                out.append(forms.finding("synonym", synonym, f"'{synonym}' is a synonym of the glossary term "
                                         f"{preferred} ({entry.id})", f"write {preferred}"))
    return out


_ABBREVIATION = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


def _is_abbreviation(text: str, item: Item, token: Token) -> bool:
    upper = sum(c.isupper() for c in text)
    lower = sum(c.islower() for c in text)
    if upper < 2 or lower > upper or not _ABBREVIATION.match(text) or fold(text) in UNITS:
        return False
    after = item.text[token.end : token.end + 2]
    return not (len(after) == 2 and after[0] in "._" and after[1].isdigit())  # an id such as SP.18


def _abbreviations(source: Source, tokenised: Sequence[tuple[Item, list[Token]]]) -> list[TermFinding]:
    defined: set[str] = set()
    for entry in source.glossary:
        for name in (entry.abbreviation, entry.term, *entry.synonyms):
            defined.update(part.strip().lower().removesuffix("s") for part in re.split(r"[/,]", name or ""))
            defined.update(w.lower().removesuffix("s") for w in re.findall(r"[A-Za-z0-9]+", name or "")
                           if sum(c.isupper() for c in w) >= 2)
    found: dict[str, _Forms] = {}
    for item, tokens in tokenised:
        if item.group == DEFINITIONS:
            continue
        for token in tokens:
            text = token.text.removesuffix("s") if token.text.endswith("s") and token.text[:-1].isupper() \
                else token.text
            if _is_abbreviation(text, item, token) and text.lower() not in defined:
                found.setdefault(text, _Forms()).add(token.text, item)
    return [forms.finding("undefined-abbreviation", key, f"abbreviation '{key}' is not defined in the glossary",
                          f"add a glossary term with ':abbreviation: {key}' (`smets new term`)")
            for key, forms in sorted(found.items())]


def terminology(source: Source) -> list[TermFinding]:
    """Every terminology finding of ``source`` (abbreviations only when it has a glossary)."""
    tokenised = [(item, tokenize(item.text)) for item in source.items()]
    findings = _unit_checks(tokenised) + _word_checks(tokenised) + _misspellings(tokenised)
    findings += _synonyms(source, tokenised)
    if source.has_glossary:
        findings += _abbreviations(source, tokenised)
    return findings
