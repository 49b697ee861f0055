"""Export a corpus to ReqIF text; import ReqIF files into spec sources (all or nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..corpus.diagnostics import Diagnostic, Location, Rule, Severity
from ..corpus.files import write_atomic
from ..corpus.load import Corpus, build_corpus, raw_values
from ..corpus.rstreader import read_text
from ..corpus.schema import BY_DIRECTIVE, Need
from . import export
from .importer import Imported, read_documents
from .mapping import Mapping
from .reader import read
from .rstwrite import file_for, file_text


def groups_of(corpus: Corpus) -> dict[str, list[Need]]:
    """The corpus's needs by source file, in source order."""
    groups: dict[str, list[Need]] = {}
    for need in corpus:
        groups.setdefault(corpus.location(need.id).file, []).append(need)
    return groups


def export_text(corpus: Corpus, title: str = "SMETS", when: datetime | None = None) -> str:
    return export.to_text(groups_of(corpus), title, when)


@dataclass
class ImportResult:
    files: dict[Path, str] = field(default_factory=dict)  # relative path -> text
    diagnostics: list[Diagnostic] = field(default_factory=list)
    needs: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)


def sources(imported: Imported) -> ImportResult:
    """The reST files for the imported needs."""
    result = ImportResult(diagnostics=list(imported.diagnostics))
    for group, needs in imported.groups.items():
        if not needs:
            continue
        path = Path(file_for(group))
        while path in result.files:
            path = path.with_name(path.stem + "-2.rst")
        result.files[path] = file_text(group, needs, result.diagnostics)
        result.needs += len(needs)
    return result


def import_files(paths: list[tuple[Path, str]], mapping: Mapping) -> ImportResult:
    """Read ReqIF files (path, how to name it in messages) into reST sources, not yet written."""
    documents = []
    problems: list[Diagnostic] = []
    for path, display in paths:
        found, refused = read(path, display)
        documents.extend(found)
        problems.extend(refused)
    if problems:
        return ImportResult(diagnostics=problems)
    return sources(read_documents(documents, mapping))


def check(result: ImportResult, out_dir: Path, display: str) -> Corpus:
    """The imported sources read and validated as the spec reader reads them (records and findings)."""
    raws = []
    early: list[Diagnostic] = []
    for rel, text in result.files.items():
        found, problems = read_text(text, f"{display}/{rel.as_posix()}", BY_DIRECTIVE)
        raws.extend(found)
        early.extend(problems)
    return build_corpus([(raw, raw_values(raw)) for raw in raws], early)


def write(result: ImportResult, out_dir: Path, display: str, replace: bool) -> list[Diagnostic]:
    """Write every file, or none: an existing file is refused unless ``replace``."""
    if not replace:
        taken = [rel for rel in result.files if (out_dir / rel).exists()]
        if taken:
            return [
                Diagnostic(
                    Location(f"{display}/{rel.as_posix()}"),
                    Severity.ERROR,
                    "exists already; nothing written",
                    Rule.REQIF,
                    "import into an empty folder (--out-dir), or pass --replace",
                )
                for rel in taken
            ]
    for rel, text in result.files.items():
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, text)
    return []
