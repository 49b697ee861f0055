"""The spec's text at the revision a workbook was exported from, read from git.

The integrity data in a workbook says which revision it was exported from, and holds hashes
of the protected cells; but anyone can recompute a SHA-256, so those hashes only catch slips.
The import instead reads the spec at that revision from git objects (no checkout) and
compares every protected cell with what the export wrote at that revision: an edited cell is
refused with its column, whatever the workbook's own hashes say, and a row is stale exactly
when the requirement's text at that revision differs from its text now.

When the revision cannot be read (not a git checkout, an export from uncommitted changes
``+modified``, a commit this clone does not have), :func:`load_baseline` says why and the
import falls back to the workbook's own data (with a warning).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..corpus.load import Corpus, build_corpus
from ..corpus.rstreader import RawNeed, is_source, read_text, spec_files
from ..corpus.schema import BY_DIRECTIVE, Consultation, Device
from .export import cover_cells
from .model import consulted_requirements, question_cells, questions_of, requirement_cells

_SHA = re.compile(r"^[0-9a-f]{7,40}$")


@dataclass
class Baseline:
    """What the export wrote at ``revision``: protected cells by requirement id and question id."""

    revision: str
    requirements: dict[str, list[str]] = field(default_factory=dict)
    questions: dict[str, list[str]] = field(default_factory=dict)
    #: the Cover sheet's protected cells (coordinate -> text), empty cells left out
    cover: dict[str, str] = field(default_factory=dict)

    @property
    def texts(self) -> dict[str, str]:
        """The text of every requirement and question at the revision, by id."""
        out = {req_id: cells[3] for req_id, cells in self.requirements.items()}
        out.update({qid: cells[1] for qid, cells in self.questions.items()})
        return out


def _blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _spec_files(repo: Any, commit: Any, root: Path) -> dict[str, Any] | None:
    """``spec/**/*.rst`` blobs at ``commit`` by path relative to ``root`` (None without spec/)."""
    top = Path(str(repo.working_tree_dir)).resolve()
    prefix = (root.resolve() / "spec").relative_to(top).as_posix()
    try:
        tree = commit.tree / prefix
    except KeyError:
        return None
    files: dict[str, Any] = {}
    for item in tree.traverse():
        inside = PurePosixPath(item.path).relative_to(prefix)
        if item.type == "blob" and is_source(inside):
            files[f"spec/{inside.as_posix()}"] = item
    return files


def _unchanged(files: dict[str, Any], root: Path) -> bool:
    """Are the revision's spec files exactly the working tree's?"""
    spec = root / "spec"
    on_disk = {p.relative_to(root).as_posix() for p in spec_files(spec)}
    if on_disk != set(files):
        return False
    return all(_blob_sha((root / path).read_bytes()) == blob.hexsha for path, blob in files.items())


def _corpus_at(files: dict[str, Any]) -> Corpus:
    raws = []
    for path in sorted(files, key=lambda p: PurePosixPath(p).parts):
        text = files[path].data_stream.read().decode("utf-8", errors="replace").removeprefix("\ufeff")
        found, _ = read_text(text, path, BY_DIRECTIVE)
        raws.extend(found)
    values: list[tuple[RawNeed, Mapping[str, Any]]] = [
        (raw, {k: o.value for k, o in raw.options.items() if o.value != ""}) for raw in raws
    ]
    return build_corpus(values, [])


def _baseline(corpus: Corpus, revision: str, consultation_id: str) -> Baseline:
    devices = corpus.of_type(Device)
    out = Baseline(revision)
    for req in consulted_requirements(corpus):
        out.requirements[req.id] = requirement_cells(req, devices)
    for question in questions_of(corpus, consultation_id):
        out.questions[question.id] = question_cells(question)
    consultation = corpus.needs.get(consultation_id)
    if isinstance(consultation, Consultation):
        out.cover = {k: v for k, v in cover_cells(consultation, revision).items() if v}
    return out


def load_baseline(
    root: Path, revision: str, consultation_id: str, current: Corpus
) -> tuple[Baseline | None, str]:
    """The spec at ``revision`` (or None and why it cannot be read)."""
    import git

    if not _SHA.match(revision):
        why = "exported from uncommitted changes" if revision.endswith("+modified") else "not a git revision"
        return None, f"revision {revision[:40]!r} is {why}"
    try:
        repo = git.Repo(root, search_parent_directories=True)
        commit = repo.commit(revision)
        files = _spec_files(repo, commit, root)
        if files is None:
            return None, f"revision {revision} has no spec/ folder"
        corpus = current if _unchanged(files, root) else _corpus_at(files)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None, "the repository is not a git checkout"
    except (git.BadName, git.BadObject, ValueError):
        return None, f"revision {revision} is not in this repository's history (a shallow clone?)"
    except (git.GitError, OSError) as exc:  # no git program, a damaged object store, ...
        return None, f"git cannot read it ({' '.join(str(exc).split())[:120]})"
    return _baseline(corpus, revision, consultation_id), ""
