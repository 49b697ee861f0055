"""Requirement ids and SMETS clause numbers.

A requirement's need id is one sphinx-needs reads as a whole id everywhere (no dot:
sphinx-needs reads ``A.B`` in a link or a ``:need:`` role as part ``B`` of need ``A``),
and its clause number, as the SMETS writes it, is the ``clause`` field:

=================  ==================  =======================================
clause (shown)     need id             kind
=================  ==================  =======================================
``GS.08``          ``GS_08``           section code and number (the 2011 IDTS)
``5.4.8.1``        ``SMETS_5_4_8_1``   a numbered clause of a SMETS release
=================  ==================  =======================================

The two are one-to-one (:func:`id_for_clause`, :func:`clause_for_id`), so a user who
types the clause (``smets trace GS.08``, ``:refines: GS.08``) reaches the need.
"""

# smets-rename: keep (this module defines the clause numbers GS.08 <-> ids GS_08)
from __future__ import annotations

import re

#: Section codes of the SMETS (kept in step with :class:`smets_spec.corpus.schema.Section`).
SECTION_CODES = ("IM", "OP", "DS", "IN", "PC", "ES", "GS", "DI", "HA", "WA", "IH", "SP")

_SECTIONS = "|".join(SECTION_CODES)
#: need ids of requirements: ``GS_08`` or ``SMETS_5_4_8_1``
#: (written plainly: it is shown in error messages and the schema reference)
REQUIREMENT_ID = r"[A-Z]{2}_[0-9]{1,3}|SMETS_[0-9]{1,3}(?:_[0-9]{1,3})*"
#: clause numbers as the SMETS writes them: ``GS.08`` or ``5.4.8.1``
CLAUSE = rf"(?:{_SECTIONS})\.[0-9]{{1,3}}|[0-9]{{1,3}}(?:\.[0-9]{{1,3}}){{0,7}}"
#: the prefix of the ids of numbered clauses
NUMBERED_PREFIX = "SMETS_"

_SECTION_CLAUSE = re.compile(rf"({_SECTIONS})\.([0-9]{{1,3}})")
_NUMBERED_CLAUSE = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){0,7}")
_SECTION_ID = re.compile(rf"({_SECTIONS})_([0-9]{{1,3}})")
_NUMBERED_ID = re.compile(rf"{NUMBERED_PREFIX}([0-9]{{1,3}}(?:_[0-9]{{1,3}}){{0,7}})")
#: a section-style clause inside text, as a whole word (not ``X.GS.08``, ``GS.08.1.2``)
SECTION_CLAUSE_IN_TEXT = re.compile(rf"(?<![\w.])({_SECTIONS})\.([0-9]{{1,3}})(?![0-9]|\.[0-9])(?!\w)")


def id_for_clause(clause: str) -> str | None:
    """The need id of a clause number (``GS.08`` -> ``GS_08``), or None if it is not one."""
    text = clause.strip()
    match = _SECTION_CLAUSE.fullmatch(text)
    if match:
        return f"{match[1]}_{match[2]}"
    if _NUMBERED_CLAUSE.fullmatch(text):
        return NUMBERED_PREFIX + text.replace(".", "_")
    return None


def clause_for_id(need_id: str) -> str | None:
    """The clause number of a requirement id (``GS_08`` -> ``GS.08``), or None."""
    match = _SECTION_ID.fullmatch(need_id)
    if match:
        return f"{match[1]}.{match[2]}"
    match = _NUMBERED_ID.fullmatch(need_id)
    if match:
        return match[1].replace("_", ".")
    return None


def heading(clause: str | None, need_id: str, title: str) -> str:
    """A requirement's heading as the SMETS prints it: its clause (else its id), then its title."""
    return " ".join(f"{clause or need_id} {title}".split())


def canonical(address: str) -> str:
    """The need id a user means: a clause number becomes its id; anything else is kept.

    A part of a requirement keeps its part: ``GS.08.a`` -> ``GS_08.a``.
    """
    text = address.strip()
    found = id_for_clause(text)
    if found is not None:
        return found
    match = re.fullmatch(rf"({_SECTIONS})\.([0-9]{{1,3}})\.([A-Za-z_][\w-]*)", text)
    if match:
        return f"{match[1]}_{match[2]}.{match[3]}"
    return text


#: a ``:need:`` (or ``:need_part:``) role whose target is a clause number: bare, or after a title
_ROLE = re.compile(
    rf"(?P<head>:need(?:_part|_incoming|_outgoing)?:`)(?P<title>[^`<]*<)?"
    rf"(?P<target>(?:{_SECTIONS})\.[0-9]{{1,3}}(?:\.[A-Za-z_][\w-]*)?)(?P<close>>?`)"
)
#: a clause number (and part) inside an option value
_CLAUSE_TOKEN = re.compile(rf"(?<![\w.])(?:{_SECTIONS})\.[0-9]{{1,3}}(?![0-9])(?:\.[A-Za-z_][\w-]*)?")


def _role(match: re.Match[str]) -> str:
    target = match["target"]
    if match["title"] is not None:
        return f"{match['head']}{match['title']}{canonical(target)}{match['close']}"
    if match["close"] != "`":
        return match[0]
    return f"{match['head']}{target} <{canonical(target)}>`"


def roles_with_ids(text: str) -> str:
    """Roles written with clause numbers made plain sphinx-needs roles, the clause kept as the title.

    ``:need:`GS.08``` -> ``:need:`GS.08 <GS_08>```; ``:need:`text <GS.08>``` -> ``:need:`text <GS_08>```.
    Used on sources before sphinx-needs reads them, so authors may keep writing what the SMETS prints.
    """
    if ":need" not in text:
        return text
    return _ROLE.sub(_role, text)


def options_with_ids(text: str, link_fields: frozenset[str]) -> str:
    """Link options written with clause numbers (``:refines: GS.05``) given as need ids.

    Only the clause numbers change (a wrapped list keeps its layout). The fast reader reads
    the same values through :data:`smets_spec.corpus.schema.Links`, which makes the same
    change, so the two readers agree.
    """
    if not any(f":{name}:" in text for name in link_fields):
        return text

    def fix(match: re.Match[str]) -> str:
        if match["name"] not in link_fields:
            return match[0]
        return match["head"] + _CLAUSE_TOKEN.sub(lambda m: canonical(m[0]), match["value"])

    return _LINK_OPTION.sub(fix, text)


_LINK_OPTION = re.compile(r"(?m)^(?P<head>[ \t]+:(?P<name>[a-z_]+):[ \t]+)(?P<value>[^\n]*)$")
