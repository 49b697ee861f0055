"""Read a ReqIF file (``.reqif``, or ``.reqifz``: a zip of them) as hostile input.

Before the ``reqif`` library sees a byte, lxml parses the document with entity expansion, DTD
loading and network access off, and a document type declaration is refused outright (ReqIF has
none; it is where entity bombs and external entities live). A zip is refused when it would
expand beyond :data:`MAX_BYTES` or holds a path that leaves the archive. Every refusal is a
diagnostic with the file (and line when there is one) and a fix; nothing raises.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lxml import etree
from reqif.parser import ReqIFParser
from reqif.reqif_bundle import ReqIFBundle

from ..corpus.diagnostics import Diagnostic, Location, Rule, Severity

#: the most a ReqIF document (or all documents of one .reqifz) may hold, uncompressed
MAX_BYTES = 512 * 1024 * 1024
_FIX_SAVE = "export the document again from its tool as ReqIF 1.2 (.reqif or .reqifz)"


@dataclass(frozen=True)
class Document:
    where: str
    bundle: ReqIFBundle


def _error(where: str, message: str, fix: str, line: int | None = None) -> Diagnostic:
    return Diagnostic(Location(where, line), Severity.ERROR, message, Rule.REQIF, fix)


def _safe_parse(data: bytes, where: str) -> Diagnostic | None:
    """None when ``data`` is well-formed XML without a document type declaration."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        tree = etree.fromstring(data, parser).getroottree()
    except etree.XMLSyntaxError as error:
        line = error.position[0] if error.position else None
        return _error(where, f"not well-formed XML: {error.msg}", _FIX_SAVE, line)
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        return _error(
            where,
            "the document declares a DOCTYPE (entities are not accepted in ReqIF input)",
            "remove the <!DOCTYPE ...> declaration; ReqIF documents have none",
            1,
        )
    return None


def parse_bytes(data: bytes, where: str) -> tuple[Document | None, list[Diagnostic]]:
    refusal = _safe_parse(data, where)
    if refusal is not None:
        return None, [refusal]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, [_error(where, f"not UTF-8 at byte {error.start}", _FIX_SAVE)]
    try:
        bundle = ReqIFParser.parse_from_string(text)
    except Exception as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        return None, [_error(where, f"not a ReqIF document the reqif library can read: {message}", _FIX_SAVE)]
    if bundle.core_content is None or bundle.core_content.req_if_content is None:
        return None, [_error(where, "the ReqIF document has no CORE-CONTENT", _FIX_SAVE)]
    return Document(where, bundle), []


def _members(archive: zipfile.ZipFile, where: str) -> tuple[list[zipfile.ZipInfo], list[Diagnostic]]:
    members = [m for m in archive.infolist() if m.filename.lower().endswith(".reqif")]
    if not members:
        return [], [_error(where, "the .reqifz holds no .reqif document", _FIX_SAVE)]
    for member in members:
        path = PurePosixPath(member.filename)
        if path.is_absolute() or ".." in path.parts:
            return [], [_error(f"{where}:{member.filename}", "a path that leaves the archive", _FIX_SAVE)]
    if sum(m.file_size for m in members) > MAX_BYTES:
        return [], [_error(where, f"the documents would expand beyond {MAX_BYTES} bytes", "split the export")]
    return members, []


def read(path: Path, display: str | None = None) -> tuple[list[Document], list[Diagnostic]]:
    """The documents of a .reqif or .reqifz file, or the diagnostics that refuse it."""
    where = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return [], [_error(where, f"larger than {MAX_BYTES} bytes", "split the export")]
        if path.suffix.lower() != ".reqifz":
            document, problems = parse_bytes(path.read_bytes(), where)
            return ([document] if document else []), problems
        with zipfile.ZipFile(path) as archive:
            members, problems = _members(archive, where)
            documents: list[Document] = []
            for member in members:
                with archive.open(member) as handle:
                    data = handle.read(MAX_BYTES + 1)
                if len(data) > MAX_BYTES:
                    return [], [
                        _error(f"{where}:{member.filename}", "expands beyond its stated size", _FIX_SAVE)
                    ]
                document, found = parse_bytes(data, f"{where}:{member.filename}")
                problems.extend(found)
                if document is not None:
                    documents.append(document)
            return documents, problems
    except (OSError, zipfile.BadZipFile) as error:
        return [], [
            _error(where, f"cannot read it: {error}", "check the path and that the file is a ReqIF export")
        ]
