"""``smets protocols accept DAT_... PO_...``: a reviewed candidate becomes a mapping in the source.

Nothing becomes a mapping silently: only a candidate the catalogues offer for that item can be
accepted. The candidate's protocol object is appended to ``spec/protocol/<protocol>.rst`` (when
the spec lacks it) and the data item gets ``:maps_to:``, ``:mapping_evidence: standard`` and a
``:mapping_source:`` that cites the pattern and the library version. Each file is written
atomically (:func:`smets_spec.corpus.files.write_atomic`); the reviewer commits the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..corpus.files import write_atomic
from ..corpus.load import Corpus
from ..corpus.schema import DataItem, ProtocolObject
from .assess import Result
from .candidates import Candidate

PROTOCOL_FILES = {"dlms-cosem": "protocol/dlms.rst", "zigbee-se": "protocol/zigbee.rst"}
_DROP = (":mapping_evidence:", ":mapping_source:", ":assessment:", ":assessment_note:")


class AcceptError(Exception):
    """Why a candidate cannot be accepted (the message names the item and the fix)."""


@dataclass(frozen=True)
class Written:
    path: Path
    what: str


def protobj_text(c: Candidate, item_id: str) -> str:
    if c.protocol == "dlms-cosem":
        title = f"{c.says} (class {c.interface_class}, {c.obis})"
        fields = [
            ("protocol", "dlms-cosem"),
            ("interface_class", str(c.interface_class)),
            ("obis", c.obis or ""),
        ]
    else:
        title = f"{c.says} (0x{c.cluster:04X}, 0x{c.attribute:04X})"
        fields = [
            ("protocol", "zigbee-se"),
            ("cluster", f"0x{c.cluster:04X}"),
            ("attribute", f"0x{c.attribute:04X}"),
        ]
        fields += [("zcl_name", c.zcl_name or ""), ("zcl_type", c.zcl_type or "")]
    lines = [f".. protobj:: {' '.join(title.split())}", f"   :id: {c.po_id}"]
    lines += [f"   :{k}: {v}" for k, v in fields]
    lines += ["   :evidence: standard", f"   :source: {c.evidence}", ""]
    lines.append(f"   Standard object accepted for {item_id} (rule: {c.rule}).")
    return "\n".join(lines) + "\n"


def item_block(lines: list[str], start: int) -> tuple[int, int]:
    """The option lines of the directive at ``start`` (0-based): (first option, end)."""
    first = start + 1
    while first < len(lines) and lines[first].strip() and not lines[first].lstrip().startswith(":"):
        first += 1  # a title continued over several lines
    end = first
    while end < len(lines) and lines[end].strip():
        end += 1
    return first, end


def edit_item(text: str, line: int, item: DataItem, c: Candidate) -> str:
    lines = text.split("\n")
    start = line - 1
    if not 0 <= start < len(lines) or not lines[start].lstrip().startswith(".. dataitem::"):
        raise AcceptError(
            f"line {line} is not the '.. dataitem::' of '{item.id}'; the file changed since it was read"
        )
    first, end = item_block(lines, start)
    options = [
        ln
        for ln in lines[first:end]
        if not ln.strip().startswith(_DROP) and not ln.strip().startswith(":maps_to:")
    ]
    maps_to = ", ".join((*item.maps_to, c.po_id))
    options += [
        f"   :maps_to: {maps_to}",
        "   :mapping_evidence: standard",
        f"   :mapping_source: {c.evidence}",
    ]
    return "\n".join([*lines[:first], *options, *lines[end:]])


def accept(corpus: Corpus, result: Result, spec: Path, item_id: str, po_id: str) -> list[Written]:
    item = corpus.needs.get(item_id)
    if not isinstance(item, DataItem):
        raise AcceptError(
            f"'{item_id}' is not a data item of the spec [smets.protocol-assessment]\n"
            "    fix: give a DAT_ id from spec/data/ (smets protocols lists them)"
        )
    assessed = next(a for a in result.items if a.item_id == item_id)
    chosen = next((c for c in assessed.candidates if c.po_id == po_id), None)
    if chosen is None:
        offered = ", ".join(c.po_id for c in assessed.candidates) or "none"
        raise AcceptError(
            f"{corpus.location(item_id)}: '{po_id}' is not a candidate for '{item_id}' "
            f"(candidates: {offered}) [smets.protocol-assessment]\n"
            "    fix: accept one of the candidates that 'smets protocols' lists, "
            "or write the mapping by hand with its citable source"
        )
    written = []
    existing = corpus.needs.get(po_id)
    if existing is None:
        target = spec / PROTOCOL_FILES[chosen.protocol]
        text = target.read_text(encoding="utf-8")
        write_atomic(target, text.rstrip("\n") + "\n\n" + protobj_text(chosen, item_id))
        written.append(Written(target, f"protocol object {po_id}"))
    elif not isinstance(existing, ProtocolObject):
        raise AcceptError(f"'{po_id}' exists and is not a protocol object")
    where = corpus.location(item_id)
    path = _resolve(spec, where.file)
    if where.line is None:
        raise AcceptError(f"the source line of '{item_id}' is not known; edit {path} by hand")
    write_atomic(path, edit_item(path.read_text(encoding="utf-8"), where.line, item, chosen))
    written.append(Written(path, f"mapping {item_id} -> {po_id}"))
    return written


def _resolve(spec: Path, file: str) -> Path:
    path = Path(file)
    if path.is_absolute():
        return path
    for base in (spec.parent, spec):
        if (base / path).exists():
            return base / path
    return spec.parent / path
