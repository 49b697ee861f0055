"""The needs of ``spec/`` as ``smets serve`` last read them, kept file by file, and what a save changed.

The first stage of a rebuild (:mod:`.quick`) must know, in milliseconds, what a save changed:
which needs were edited, added, deleted or moved, and the whole corpus after it (a page shows
its neighbours, its links both ways). Reading and checking every file again takes about a
second at 2,000 requirements, so the watcher keeps each file's needs (raw and as typed
records, built by the loader's own :func:`~smets_spec.corpus.load.build_record`) and, on a
save, reads again only the files that changed. The corpus it assembles is the loader's (same
records, same order: files sorted as :func:`~smets_spec.corpus.rstreader.read_tree` sorts them),
without the cross-need checks: a preview is drawn only when the changed files read without
an error, and the full build that follows checks everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..corpus.diagnostics import Severity
from ..corpus.load import Corpus, build_record, raw_values
from ..corpus.rstreader import RawNeed, is_source, read_file, read_tree, spec_files
from ..corpus.schema import BY_DIRECTIVE, Need, Requirement
from .state import Stamp, file_stamp


@dataclass(frozen=True)
class FileNeeds:
    """One source file's needs as read: each raw need with its record."""

    stamp: Stamp | None
    needs: tuple[tuple[RawNeed, Need], ...]
    clean: bool  # read and typed without an error
    #: per need, the line of each option (the corpus's ``field_lines``), made once at reading
    lines: tuple[dict[str, int], ...] = ()


def _typed(raws: list[RawNeed], clean: bool, stamp: Stamp | None) -> FileNeeds:
    needs = []
    for raw in raws:
        record, problems = build_record(raw, raw_values(raw))
        if record is None or any(p.severity is Severity.ERROR for p in problems):
            clean = False
        if record is not None:
            needs.append((raw, record))
    lines = tuple({name: option.line for name, option in raw.options.items()} for raw, _ in needs)
    return FileNeeds(stamp, tuple(needs), clean, lines)


def _order(display: str) -> tuple[str, ...]:
    return PurePosixPath(display).parts


@dataclass
class Known:
    """Every file of ``spec`` with its needs, keyed by its path relative to ``spec`` (as Sphinx's
    corpus shows locations), in the order the loader reads them."""

    spec: Path
    files: dict[str, FileNeeds] = field(default_factory=dict)
    _corpus: Corpus | bool | None = field(default=None, repr=False, compare=False)

    @classmethod
    def read(cls, spec: Path) -> Known:
        """Every file read now (at start-up, and after an edit this module cannot follow)."""
        raws, errors = read_tree(spec, BY_DIRECTIVE, spec)
        by_file: dict[str, list[RawNeed]] = {p.relative_to(spec).as_posix(): [] for p in spec_files(spec)}
        for raw in raws:
            by_file.setdefault(raw.location.file, []).append(raw)
        broken = {str(e.location.file) for e in errors}
        known = cls(spec)
        for display, found in by_file.items():
            known.files[display] = _typed(found, display not in broken, file_stamp(spec / display))
        return known

    def source_file(self, path: Path) -> str | None:
        """``path`` as a key of :attr:`files` when it is a source file the loader reads, else None."""
        try:
            relative = path.resolve().relative_to(self.spec.resolve())
        except ValueError:
            return None
        if not is_source(relative):
            return None
        return relative.as_posix()

    def updated(self, paths: list[Path]) -> Known:
        """A copy with ``paths`` (source files of ``spec``, each saved, added or deleted) read again."""
        files = dict(self.files)
        for path in paths:
            display = self.source_file(path)
            if display is None:
                continue
            if not path.is_file():
                files.pop(display, None)
                continue
            stamp = file_stamp(path)
            raws, errors = read_file(path, display, tuple(BY_DIRECTIVE))
            files[display] = _typed(raws, not errors, stamp)
        return Known(self.spec, dict(sorted(files.items(), key=lambda item: _order(item[0]))))

    def unchanged_since_read(self, displays: set[str]) -> bool:
        """Whether the files ``displays`` are as this copy read them (no save since)."""
        return all(
            file_stamp(self.spec / d) == (self.files[d].stamp if d in self.files else None) for d in displays
        )

    def corpus(self) -> Corpus | None:
        """The needs as one corpus (the loader's records, in its order); None on a repeated id.

        Made once per copy (a copy's files never change), so the corpus after one save is the
        corpus before the next at no cost; callers do not change it."""
        if self._corpus is None:
            self._corpus = self._assembled()
        return self._corpus if isinstance(self._corpus, Corpus) else None

    def _assembled(self) -> Corpus | bool:
        corpus = Corpus(source=self.spec)
        for entry in self.files.values():
            for (raw, record), lines in zip(entry.needs, entry.lines, strict=True):
                if record.id in corpus.needs:
                    return False
                corpus.needs[record.id] = record
                corpus.locations[record.id] = raw.location
                corpus.field_lines[record.id] = dict(lines)
        return corpus


@dataclass(frozen=True)
class Change:
    """What a save changed among the needs: every id is a requirement's (else there is no Change)."""

    before: Corpus
    after: Corpus
    edited: frozenset[str]  # same file, other title, text or options
    added: frozenset[str]
    deleted: frozenset[str]
    moved: frozenset[str]  # now written in another file

    def relinked(self) -> frozenset[str]:
        """Requirements at the other end of a link that the change added or removed (their
        backlinks changed), still in the corpus."""
        ends: set[str] = set()
        for need_id in self.edited | self.added | self.deleted | self.moved:
            old, new = self.before.needs.get(need_id), self.after.needs.get(need_id)
            was = {t for ts in (old.outgoing().values() if old else ()) for t in ts}
            now = {t for ts in (new.outgoing().values() if new else ()) for t in ts}
            ends |= was ^ now
        return frozenset(
            e for e in ends if isinstance(self.after.needs.get(e), Requirement) and e not in self.deleted
        )


def change_of(before: Known, after: Known, displays: set[str]) -> Change | None:
    """What changed among the needs of the files ``displays``; None when the quick path cannot be
    sure: a file with an error, a repeated id, or a need other than a requirement changed."""
    if not all(after.files[d].clean for d in displays if d in after.files):
        return None
    old, new = before.corpus(), after.corpus()
    if old is None or new is None:
        return None
    touched = {r.id for d in displays for k in (before, after) if d in k.files for _, r in k.files[d].needs}
    added = {i for i in touched if i in new.needs and i not in old.needs}
    deleted = {i for i in touched if i in old.needs and i not in new.needs}
    both = touched - added - deleted
    moved = {i for i in both if old.locations[i].file != new.locations[i].file}
    edited = {i for i in both - moved if old.needs[i] != new.needs[i]}
    for need_id in added | deleted | moved | edited:
        versions = [c.needs[need_id] for c in (old, new) if need_id in c.needs]
        if not all(isinstance(v, Requirement) for v in versions):
            return None
    if _dangling(new, added | moved | edited, deleted):
        return None  # the build reports it, with its file and line
    return Change(old, new, frozenset(edited), frozenset(added), frozenset(deleted), frozenset(moved))


def _dangling(corpus: Corpus, linking: set[str], deleted: set[str]) -> bool:
    """Whether a changed need links to a need that is not there, or a need links to a deleted one."""
    for need_id in linking:
        if any(t not in corpus.needs for ts in corpus.needs[need_id].outgoing().values() for t in ts):
            return True
    if deleted:
        return any(t in deleted for n in corpus.needs.values() for ts in n.outgoing().values() for t in ts)
    return False


def changed_files(paths: list[Path], known: Known) -> tuple[set[str], bool]:
    """The source files among ``paths`` (keys of ``known``), and whether every path was one
    (a change to ``conf.py``, templates or anything else may change every page). A path that is
    gone and was no source file (an editor's or ``sed -i``'s temporary file) changes no page."""
    displays = {d for d in (known.source_file(p) for p in paths) if d is not None}
    others = [p for p in paths if known.source_file(p) is None and p.exists()]
    return displays, not others and bool(displays)
