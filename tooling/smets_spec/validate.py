"""Checks that look across needs: links, device applicability, consistency.

Checks of a single need's fields happen in :mod:`smets_spec.corpus` against the
pydantic models; everything here needs the whole corpus.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic, Location, Rule, Severity
from .schema import BY_DIRECTIVE, DataItem, Evidence, Need, Protocol, ProtocolObject, Requirement

if TYPE_CHECKING:
    from .corpus import Corpus


def _error(where: Location, message: str, rule: Rule, fix: str | None = None) -> Diagnostic:
    return Diagnostic(where, Severity.ERROR, message, rule, fix)


def check_links(corpus: Corpus, invalid: dict[str, str]) -> Iterator[Diagnostic]:
    """Every link points to an existing need of an allowed type."""
    ids = sorted(corpus.needs)
    for need in corpus:
        for name, spec in need.links().items():
            where = corpus.location(need.id, name)
            for target in getattr(need, name):
                target_type = corpus.needs[target].directive if target in corpus.needs else invalid.get(target)
                if target_type is None:
                    close = difflib.get_close_matches(target, ids, n=1, cutoff=0.6)
                    hint = f"did you mean '{close[0]}'?" if close else f"define a {'/'.join(spec.targets)} '{target}'"
                    yield _error(
                        where,
                        f"'{need.id}' links to missing need '{target}' in ':{name}:'",
                        Rule.LINK_MISSING,
                        hint,
                    )
                elif target_type not in spec.targets:
                    yield _error(
                        where,
                        f"'{need.id}' :{name}: '{target}' is a {BY_DIRECTIVE[target_type].title_.lower()}, "
                        f"but :{name}: takes {' or '.join(BY_DIRECTIVE[t].title_.lower() for t in spec.targets)}",
                        Rule.LINK_TYPE,
                        f"link a {'/'.join(spec.targets)} here, or move '{target}' to the right field",
                    )


def check_applicability(req: Requirement, where: Location) -> Iterator[Diagnostic]:
    """A requirement states which devices it binds, each with one degree."""
    if not req.mandatory_for and not req.optional_for:
        yield _error(
            where,
            f"requirement '{req.id}' states no device applicability",
            Rule.APPLICABILITY,
            "add ':mandatory_for:' and/or ':optional_for:' with the devices it binds (DEV_...)",
        )
    lists = {
        "mandatory_for": req.mandatory_for,
        "optional_for": req.optional_for,
        "not_applicable_for": req.not_applicable_for,
    }
    seen: dict[str, str] = {}
    for name, devices in lists.items():
        for device in devices:
            if device in seen:
                yield _error(
                    where,
                    f"requirement '{req.id}' gives device '{device}' two degrees (:{seen[device]}: and :{name}:)",
                    Rule.APPLICABILITY,
                    "keep the device in one of the two lists",
                )
            seen[device] = name


def check_data_item(item: DataItem, where: Location) -> Iterator[Diagnostic]:
    if item.maps_to and item.mapping_evidence is Evidence.UNMAPPED:
        yield _error(
            where,
            f"data item '{item.id}' is marked unmapped but maps to {', '.join(item.maps_to)}",
            Rule.CONSISTENCY,
            "set ':mapping_evidence:' to verified or secondary, or remove ':maps_to:'",
        )
    if not item.maps_to and item.mapping_evidence not in (None, Evidence.UNMAPPED):
        yield _error(
            where,
            f"data item '{item.id}' claims a {item.mapping_evidence} mapping but maps to nothing",
            Rule.CONSISTENCY,
            "add ':maps_to:' with the protocol objects, or set ':mapping_evidence: unmapped'",
        )
    if item.maps_to and not item.mapping_source:
        yield _error(
            where,
            f"data item '{item.id}' maps to protocol objects without a ':mapping_source:'",
            Rule.CONSISTENCY,
            "cite where the mapping comes from in ':mapping_source:'",
        )


_PROTOCOL_FIELDS: dict[Protocol, tuple[str, ...]] = {
    Protocol.DLMS_COSEM: ("interface_class", "obis"),
    Protocol.ZIGBEE_SE: ("cluster",),
    Protocol.GBCS: ("use_case",),
}


def check_protocol_object(obj: ProtocolObject, where: Location) -> Iterator[Diagnostic]:
    if obj.protocol is None:
        return
    if obj.evidence is Evidence.UNMAPPED:
        yield _error(
            where,
            f"protocol object '{obj.id}' cannot have evidence 'unmapped'",
            Rule.CONSISTENCY,
            "use verified or secondary; a data item without a mapping has no protocol object",
        )
    for name in _PROTOCOL_FIELDS[obj.protocol]:
        if getattr(obj, name) in (None, ""):
            yield _error(
                where,
                f"{obj.protocol.value} object '{obj.id}' lacks ':{name}:'",
                Rule.REQUIRED,
                f"add ':{name}:' from the cited source, or mark the data item unmapped",
            )


def check_need(need: Need, where: Location) -> Iterator[Diagnostic]:
    if isinstance(need, Requirement):
        yield from check_applicability(need, where)
    elif isinstance(need, DataItem):
        yield from check_data_item(need, where)
    elif isinstance(need, ProtocolObject):
        yield from check_protocol_object(need, where)


def check_corpus(corpus: Corpus, invalid: dict[str, str]) -> list[Diagnostic]:
    found = list(check_links(corpus, invalid))
    for need in corpus:
        found.extend(check_need(need, corpus.location(need.id)))
    return found
