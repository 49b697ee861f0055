"""Two sides of a change (base and head revisions) and the diff between them.

``open_changeset(project, "origin/main", "HEAD")`` resolves both revisions, opens
the base side from the index cache (or builds and caches it), derives the head
side from it by re-reading only the files that differ, and diffs the needs of
those files. Nothing is checked out and Sphinx is not involved.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..corpus.cachedir import user_cache_folder
from ..corpus.project import Project
from .diff import CorpusDiff, diff_corpora
from .history import WORKTREE, Repository, path_key
from .specindex import IndexCache, Side, changed_paths, open_side


@dataclass
class ChangeSet:
    repository: Repository
    base: Side
    head: Side
    diff: CorpusDiff
    changed_files: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase

    @property
    def notes(self) -> list[str]:
        return [n for n in (self.base.source.note, self.head.source.note) if n]


def cache_for(project: Project, enabled: bool = True) -> IndexCache:
    """The index cache: in the user's cache folder, never in the checkout (see specindex)."""
    return IndexCache(user_cache_folder() if enabled else None)


def _order(side: Side, need_id: str) -> tuple[tuple[str, ...], int]:
    node = side.index.nodes[need_id]
    return path_key(node.file), node.line or 0


def _unchanged(base: Side, head: Side, need_id: str) -> bool:
    """Written identically, in the same file, on both sides (so nothing to compare)."""
    old, new = base.parsed_need(need_id), head.parsed_need(need_id)
    return (
        old is not None
        and new is not None
        and old.raw.location.file == new.raw.location.file
        and old.same_text(new)
    )


def compare(base: Side, head: Side) -> tuple[CorpusDiff, list[str]]:
    """The diff of two sides: only needs of files that differ can differ."""
    changed = sorted(changed_paths(base.source, head.source), key=path_key)
    ids: set[str] = set()
    for path in changed:
        ids.update(base.index.by_file.get(path, ()))
        ids.update(head.index.by_file.get(path, ()))
    ids = {i for i in ids if not _unchanged(base, head, i)}
    in_head = sorted((i for i in ids if i in head.index.nodes), key=lambda i: _order(head, i))
    in_base = sorted((i for i in ids if i not in head.index.nodes), key=lambda i: _order(base, i))
    order = [*in_head, *in_base]
    diff = diff_corpora(base.part(order), head.part(order), base.label, head.label, candidates=set(order))
    return diff, changed


def open_changeset(
    project: Project,
    base_rev: str,
    head_rev: str = WORKTREE,
    cache: IndexCache | None = None,
    repository: Repository | None = None,
) -> ChangeSet:
    """Open ``base_rev`` and ``head_rev`` (a git revision or :data:`WORKTREE`) and diff them."""
    repo = repository or Repository(project)
    store = cache if cache is not None else cache_for(project)
    clock = time.perf_counter()
    base_source = repo.source(base_rev)
    head_source = repo.source(head_rev)
    timings = {"resolve": time.perf_counter() - clock}
    clock = time.perf_counter()
    base = open_side(base_source, store)
    timings["base"] = time.perf_counter() - clock
    clock = time.perf_counter()
    head = open_side(head_source, store, base=base)
    timings["head"] = time.perf_counter() - clock
    clock = time.perf_counter()
    diff, changed = compare(base, head)
    timings["diff"] = time.perf_counter() - clock
    return ChangeSet(repo, base, head, diff, changed, timings)
