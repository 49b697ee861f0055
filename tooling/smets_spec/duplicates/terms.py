"""Terminology checks: one thing written several ways, and abbreviations the glossary lacks.

Checks (the ``check`` of a :class:`TermFinding`):

* ``unit``: a unit symbol spelled differently (kVarh / kvarh, or the var of
  kVarh written VAr in kVAr);
* ``spelling``: British and American spellings of one word (authorised /
  authorized), or a word written with different capitals mid-sentence;
* ``hyphenation``: real-time / real time, top-ups / top ups;
* ``term-variant``: a three-word term with a differently inflected word (smart
  meter system / smart metering system);
* ``misspelling``: a word a spell-checking library does not know, one or two
  edits from a word the corpus uses (interoperablity / interoperability; see
  spelling.py);
* ``synonym``: a synonym the glossary lists for a term, used instead of it
  (comms hub for communications hub function; Load limit / energy consumption
  limit when the glossary declares them);
* ``undefined-abbreviation``: an abbreviation no glossary term defines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from ..corpus.diagnostics import Location
from .items import DEFINITIONS, GlossaryEntry, Item, Source
from .spelling import misspellings
from .text import UNITS, Role, Token, fold, tokenize

#: Every terminology check, by name.
CHECKS = (
    "unit",
    "spelling",
    "capitals",
    "hyphenation",
    "term-variant",
    "misspelling",
    "synonym",
    "undefined-abbreviation",
)


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

    @property
    def flagged(self) -> tuple[str, ...]:
        """The needs to point at: every user of a synonym or undefined abbreviation; otherwise the users
        of every form but the most used one (of all forms on a tie)."""
        if self.check in {"synonym", "undefined-abbreviation"} or len(self.forms) < 2:
            return self.ids
        sizes = sorted((len(ids) for ids in self.forms.values()), reverse=True)
        if sizes[0] == sizes[1]:
            return self.ids
        most = max(self.forms, key=lambda form: len(self.forms[form]))
        return tuple(dict.fromkeys(i for form, ids in self.forms.items() if form != most for i in ids))


@dataclass
class _Forms:
    """Written forms of one key, with the items using each."""

    forms: dict[str, dict[str, Item]] = field(default_factory=dict)  # form -> id -> item

    def add(self, form: str, item: Item) -> None:
        self.forms.setdefault(form, {}).setdefault(item.id, item)

    def finding(self, check: str, term: str, message: str, fix: str) -> TermFinding:
        ordered = sorted(self.forms.items(), key=lambda kv: (len(kv[1]), kv[0]))
        first = next(iter(ordered[0][1].values()))  # a user of the rarest form
        return TermFinding(
            check, term, message, {f: tuple(users) for f, users in ordered}, first.location, fix
        )


_ELECTRICAL_BASES = ("var", "va", "w", "v", "a", "hz")


def _unit_base(folded: str) -> tuple[int, int] | None:
    """Span of the base unit in an electrical symbol: kvarh -> (1, 4) ('var')."""
    start = 1 if folded[:1] in {"k", "m", "g"} and len(folded) > 1 else 0
    for begin in (start, 0) if start else (0,):
        rest = folded[begin:]
        end = len(folded) - 1 if rest.endswith("h") and rest[:-1] in _ELECTRICAL_BASES else len(folded)
        if folded[begin:end] in _ELECTRICAL_BASES:
            return begin, end
    return None


def _plural_only(a: str, b: str) -> bool:
    return a.rstrip("s") == b.rstrip("s") or a.removesuffix("es") == b.removesuffix("es")


def _findings_of(groups: dict[str, _Forms], check: str, message: str, fix: str) -> list[TermFinding]:
    return [
        forms.finding(check, key, message.format(key=key, forms=" / ".join(forms.forms)), fix)
        for key, forms in sorted(groups.items())
        if len(forms.forms) > 1
    ]


Events = list[tuple[str, str]]  # (key, written form) of one item, in the text's order


def unit_events(tokens: Sequence[Token]) -> tuple[Events, Events]:
    """An item's unit symbols (folded, as written) and the electrical bases in them."""
    whole: Events = []
    bases: Events = []
    for token in tokens:
        if token.role is not Role.UNIT and token.role is not Role.SYMBOL:
            continue
        folded = fold(token.text)
        if len(folded) < 2 or not folded.isalnum():
            continue
        whole.append((folded, token.text))
        span = _unit_base(folded)
        if span is not None and span[1] - span[0] > 1:
            base = token.text[span[0] : span[1]]
            bases.append((base.lower(), f"{base} (in {token.text})"))
    return whole, bases


def _aggregate(events: Sequence[tuple[Item, Events]]) -> dict[str, _Forms]:
    found: dict[str, _Forms] = {}
    for item, pairs in events:
        for key, form in pairs:
            found.setdefault(key, _Forms()).add(form, item)
    return found


def _unit_checks(tokenised: Sequence[tuple[Item, Sequence[Token]]]) -> list[TermFinding]:
    per_item = [(item, unit_events(tokens)) for item, tokens in tokenised]
    whole = _aggregate([(item, w) for item, (w, _) in per_item])
    bases = _aggregate([(item, b) for item, (_, b) in per_item])
    return unit_findings(whole, bases)


def unit_findings(whole: dict[str, _Forms], bases: dict[str, _Forms]) -> list[TermFinding]:
    """Findings of the units' written forms (a key with one form only is never one)."""
    out = _findings_of(
        whole, "unit", "unit '{key}' is written in several ways: {forms}", "write every unit symbol one way"
    )
    for key, forms in sorted(bases.items()):
        spellings = {form.split(" ", 1)[0] for form in forms.forms}
        if len(spellings) > 1 and not any(f.term == key for f in out):
            out.append(
                forms.finding(
                    "unit",
                    key,
                    f"the unit '{key}' is written {' / '.join(sorted(spellings))} "
                    f"in {' / '.join(forms.forms)}",
                    "write the unit one way throughout "
                    "(IEC 80000-6 writes var, kvar, kvarh; the spec may choose kVAr, kVArh)",
                )
            )
    return out


_HYPHENATED = re.compile(r"\b([A-Za-z]+)-([A-Za-z]+)\b")


def _starts_sentence(previous: Token | None) -> bool:
    return previous is None or (previous.role is Role.PUNCT and previous.text not in {",", ")"})


def _capitalised(token: Token | None) -> bool:
    return token is not None and token.text[:1].isupper()


def spelling_events(group: str, tokens: Sequence[Token]) -> Events:
    """An item's words (folded) as written, lower case unless a capital mid-sentence."""
    out: Events = []
    check_case = group != DEFINITIONS
    for index, token in enumerate(tokens):
        if token.role is not Role.CONTENT or token.acronym:
            continue
        text = _unpossessed(token.text)  # the component's = component
        if not text:
            continue
        if text.islower():
            form = text
        elif not text.isalpha():
            continue
        else:
            previous = tokens[index - 1] if index else None
            after = tokens[index + 1] if index + 1 < len(tokens) else None
            capital = check_case and text[0].isupper() and not _starts_sentence(previous)
            form = text if capital and not (_capitalised(previous) or _capitalised(after)) else text.lower()
        out.append((fold(text), form))
    return out


_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


@lru_cache(maxsize=200_000)
def _unpossessed(word: str) -> str:
    return _POSSESSIVE.sub("", word)


def _spellings(tokenised: Sequence[tuple[Item, Sequence[Token]]]) -> list[TermFinding]:
    """authorised / authorized, and Authorized / authorized mid-sentence (outside capitalised names)."""
    return spelling_findings(_aggregate([(item, spelling_events(item.group, t)) for item, t in tokenised]))


def spelling_findings(spelling: dict[str, _Forms]) -> list[TermFinding]:
    out: list[TermFinding] = []
    for key, forms in sorted(spelling.items()):
        if len(forms.forms) < 2:
            continue
        lower = {f.lower() for f in forms.forms}
        check = "spelling" if len(lower) > 1 else "capitals"
        shown = " / ".join(forms.forms)
        out.append(
            forms.finding(
                check,
                key,
                f"'{max(forms.forms, key=lambda f: len(forms.forms[f]))}' is written {shown}",
                "write the word one way (capitals only for defined terms)",
            )
        )
    return out


def hyphenated(text: str) -> list[tuple[str, str]]:
    """The hyphenated compounds of a text: (first, second) as written."""
    return _HYPHENATED.findall(text)


def hyphen_keys(pairs: Iterable[Sequence[tuple[str, str]]]) -> dict[str, tuple[str, str]]:
    """Each compound (without hyphen, singular) and its two words, as first written."""
    keys: dict[str, tuple[str, str]] = {}
    for found in pairs:
        for first, second in found:
            keys.setdefault((first + second).lower().removesuffix("s"), (first.lower(), second.lower()))
    return keys


def hyphen_pattern(keys: dict[str, tuple[str, str]]) -> str:
    """The expression finding every compound of ``keys`` written with, without or with a space."""
    return (
        r"\b(?:"
        + "|".join(rf"{re.escape(a)}[ -]?{re.escape(b.removesuffix('s'))}s?" for a, b in keys.values())
        + r")\b"
    )


def hyphen_matches(pattern: re.Pattern[str], text: str) -> list[str]:
    return [match.group().lower() for match in pattern.finditer(text)]


def hyphen_findings(
    keys: dict[str, tuple[str, str]], matches: Iterable[tuple[Item, list[str]]]
) -> list[TermFinding]:
    forms_of = {key: _Forms() for key in keys}
    for item, written_forms in matches:
        for written in written_forms:
            forms = forms_of.get(written.replace(" ", "").replace("-", "").removesuffix("s"))
            if forms is not None:
                forms.add(written, item)
    return _findings_of(forms_of, "hyphenation", "written both {forms}", "write the compound one way")


def _hyphenations(tokenised: Sequence[tuple[Item, Sequence[Token]]]) -> list[TermFinding]:
    """real-time / real time / realtime."""
    keys = hyphen_keys(hyphenated(item.text) for item, _ in tokenised)
    if not keys:
        return []
    pattern = re.compile(hyphen_pattern(keys), re.I)
    return hyphen_findings(keys, [(item, hyphen_matches(pattern, item.text)) for item, _ in tokenised])


def trigram_events(tokens: Sequence[Token]) -> list[tuple[tuple[str, str, str], str]]:
    """An item's three-word terms: (keys, folded words)."""
    out: list[tuple[tuple[str, str, str], str]] = []
    for a, b, c in zip(tokens, tokens[1:], tokens[2:], strict=False):
        if (
            a.role is Role.CONTENT
            and b.role is Role.CONTENT
            and c.role is Role.CONTENT
            and (a.text + b.text + c.text).isalpha()
        ):
            out.append(((a.key, b.key, c.key), " ".join(fold(t.text) for t in (a, b, c))))
    return out


def _term_variants(tokenised: Sequence[tuple[Item, Sequence[Token]]]) -> list[TermFinding]:
    """smart meter system / smart metering system: one term, a word inflected differently."""
    trigrams: dict[tuple[str, ...], _Forms] = {}
    for item, tokens in tokenised:
        for key, form in trigram_events(tokens):
            trigrams.setdefault(key, _Forms()).add(form, item)
    return variant_findings(trigrams)


def variant_findings(trigrams: dict[tuple[str, ...], _Forms]) -> list[TermFinding]:
    variants = {
        " ".join(k): v
        for k, v in trigrams.items()
        if len(v.forms) > 1
        and not all(_plural_only(x, y) for x, y in zip(*(f.split() for f in list(v.forms)[:2]), strict=True))
    }
    return _findings_of(variants, "term-variant", "one term written {forms}", "use the glossary's form")


def _misspellings(source: Source, tokenised: Sequence[tuple[Item, Sequence[Token]]]) -> list[TermFinding]:
    """Words a spell-checking library does not know, next to a word the corpus uses (spelling.py)."""
    return misspelling_findings(misspellings(tokenised, source.glossary))


def misspelling_findings(found: Iterable[tuple[str, str, list[Item], list[Item]]]) -> list[TermFinding]:
    out: list[TermFinding] = []
    for written, suggested, items, others in found:
        # a suggestion no text may be flagged for (a glossary word) is named, not listed as a form
        users = {suggested: {i.id: i for i in others}} if others else {}
        forms = _Forms({**users, written: {i.id: i for i in items}})
        message = f"'{written}' is in neither the dictionary nor the corpus: did you mean '{suggested}'?"
        out.append(forms.finding("misspelling", written, message, f"write '{suggested}' if that is meant"))
    return out


def _edition(synonym: str, entry: GlossaryEntry) -> bool:
    """A "synonym" that is the abbreviation or term followed by a number names one edition or part."""
    plain = re.sub(r"[\s_-]+", "", synonym.lower())
    for name in (entry.abbreviation, entry.term):
        stem_ = re.sub(r"[\s_-]+", "", (name or "").lower())
        if stem_ and plain.startswith(stem_) and re.search(r"\d", plain[len(stem_) :]):
            return True
    return False


Phrases = dict[str, list[tuple[tuple[str, ...], int, str]]]
#: a synonym written in an item: (the glossary entry's index, the synonym, its words, as written)
SynonymEvent = tuple[int, str, str, str]


def synonym_phrases(glossary: Sequence[GlossaryEntry]) -> Phrases:
    """The glossary's synonyms by first word: (words, the entry's index, the synonym)."""
    phrases: Phrases = {}
    for n, entry in enumerate(glossary):
        for synonym in dict.fromkeys(entry.synonyms, None):
            if _edition(synonym, entry):
                continue  # FIPS140-2 is one standard of the FIPS family, not another name for it
            words = tuple(fold(t.text) for t in tokenize(synonym) if t.role is not Role.PUNCT)
            if words and all(words != p or glossary[e] is not entry for p, e, _ in phrases.get(words[0], [])):
                phrases.setdefault(words[0], []).append((words, n, synonym))
    return phrases


def synonym_events(group: str, tokens: Sequence[Token], phrases: Phrases) -> list[SynonymEvent]:
    if group == DEFINITIONS:
        return []
    out: list[SynonymEvent] = []
    written = [fold(t.text) for t in tokens]
    for start, word in enumerate(written):
        for phrase, n, synonym in phrases.get(word, ()):
            if tuple(written[start : start + len(phrase)]) == phrase:
                out.append(
                    (
                        n,
                        synonym,
                        " ".join(phrase),
                        " ".join(t.text for t in tokens[start : start + len(phrase)]),
                    )
                )
    return out


def _synonyms(source: Source, tokenised: Sequence[tuple[Item, Sequence[Token]]]) -> list[TermFinding]:
    """A synonym the glossary lists, written instead of the term (outside the glossary itself)."""
    phrases = synonym_phrases(source.glossary)
    return synonym_findings(
        source.glossary, [(item, synonym_events(item.group, tokens, phrases)) for item, tokens in tokenised]
    )


def synonym_findings(
    glossary: Sequence[GlossaryEntry], events: Iterable[tuple[Item, Sequence[SynonymEvent]]]
) -> list[TermFinding]:
    found: dict[tuple[str, str], tuple[GlossaryEntry, str, _Forms]] = {}
    for item, written in events:
        for n, synonym, phrase, as_written in written:
            entry = glossary[n]
            forms = found.setdefault((entry.id, phrase), (entry, synonym, _Forms()))[2]
            forms.add(as_written, item)
    out: list[TermFinding] = []
    for entry, synonym, forms in found.values():
        preferred = f"'{entry.term}'" + (f" or '{entry.abbreviation}'" if entry.abbreviation else "")
        out.append(
            forms.finding(
                "synonym",
                synonym,
                f"'{synonym}' is a synonym of the glossary term {preferred} ({entry.id})",
                f"write {preferred}",
            )
        )
    return out


_ABBREVIATION = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


@lru_cache(maxsize=100_000)
def _is_abbreviation(text: str) -> bool:
    if text.islower() or len(text) < 2:
        return False
    upper = sum(c.isupper() for c in text)
    lower = sum(c.islower() for c in text)
    return upper >= 2 and lower <= upper and bool(_ABBREVIATION.match(text)) and fold(text) not in UNITS


def defined_names(glossary: Sequence[GlossaryEntry]) -> set[str]:
    defined: set[str] = set()
    for entry in glossary:
        for name in (entry.abbreviation, entry.term, *entry.synonyms):
            for part in [*re.split(r"[/,]", name or ""), *re.findall(r"[A-Za-z0-9]+", name or "")]:
                defined.add(part.strip().lower())
    return defined


def abbreviation_events(group: str, tokens: Sequence[Token], defined: set[str]) -> Events:
    if group == DEFINITIONS:
        return []
    out: Events = []
    for token in tokens:
        text = token.text
        if token.role is not Role.CONTENT or text.islower() or not _is_abbreviation(text):
            continue
        if text.endswith("s") and text[:-1].isupper():  # IHDs
            text = text[:-1]
        if text.lower() not in defined:
            out.append((text, token.text))
    return out


def _abbreviations(source: Source, tokenised: Sequence[tuple[Item, Sequence[Token]]]) -> list[TermFinding]:
    """Abbreviations (two capitals or more: HAN, ESoDR) that no glossary term defines."""
    defined = defined_names(source.glossary)
    return abbreviation_findings(
        _aggregate([(item, abbreviation_events(item.group, tokens, defined)) for item, tokens in tokenised])
    )


def abbreviation_findings(found: dict[str, _Forms]) -> list[TermFinding]:
    return [
        forms.finding(
            "undefined-abbreviation",
            key,
            f"abbreviation '{key}' is not defined in the glossary",
            f"add a glossary term with ':abbreviation: {key}' (`smets new term`)",
        )
        for key, forms in sorted(found.items())
    ]


def terminology(source: Source) -> list[TermFinding]:
    """Every terminology finding of ``source`` (abbreviations only when it has a glossary)."""
    tokenised = [(item, tokenize(item.text)) for item in source.items()]
    findings = _unit_checks(tokenised) + _spellings(tokenised) + _hyphenations(tokenised)
    findings += _term_variants(tokenised) + _misspellings(source, tokenised)
    findings += _synonyms(source, tokenised)
    if source.has_glossary:
        findings += _abbreviations(source, tokenised)
    return findings
