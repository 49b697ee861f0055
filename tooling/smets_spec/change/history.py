"""The specification at any git revision, read from git objects (no checkout, no Sphinx).

A *source* is one side of a comparison: a commit (any revision git can resolve:
branch, tag, sha, ``HEAD~2``) or the working tree (:data:`WORKTREE`). A source
lists the ``*.rst`` files of its ``spec/`` folder with their git blob ids and reads
their bytes on demand; the fast reader then works on the text.

Everything that can go wrong with what git gives us (not a repository, an unknown
revision, a shallow clone without the base commit, a revision without ``spec/``)
is a :class:`RevisionError` that says how to fix it.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..corpus.project import Project
from ..corpus.rstreader import is_source

#: The name that stands for the working tree as a revision (``smets diff v1.0 WORKTREE``).
WORKTREE = "WORKTREE"
#: Tags that name a version of the specification (``v1.0``, ``1.2.3``, ``SMETS-2.1``).
VERSION_TAG = re.compile(r"^(?:[A-Za-z]+[-_]?)?v?\d+(?:\.\d+)*(?:[-.]?[A-Za-z0-9.]*)?$")


class RevisionError(ValueError):
    """A revision cannot be read; the message names it, the rule and the fix."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(f"{message} [smets.git]\n    fix: {fix}")
        self.fix = fix


def blob_sha(data: bytes) -> str:
    """The git blob id of ``data`` (what ``git hash-object`` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def wanted_path(relative: PurePosixPath) -> bool:
    """Files the fast reader reads: ``*.rst`` not under a ``_`` or ``.`` folder (as read_tree)."""
    return is_source(relative)


def path_key(path: str) -> tuple[str, ...]:
    """Source order of files: by path parts (``a/b.rst`` before ``a.rst``), as read_tree sorts."""
    return PurePosixPath(path).parts


@dataclass
class Source:
    """One side of a comparison: its files (display path -> blob id) and how to read them."""

    label: str
    files: dict[str, str]
    commit: str | None = None  # full sha; None for the working tree
    tree: str | None = None  # git tree id of spec/ (None for the working tree, or no spec/)
    note: str | None = None  # e.g. "this revision has no spec/ folder"
    _reader: object = field(default=None, repr=False)
    #: every file under spec/ (pages, images, anything; display path -> blob id), for the review
    all_files: dict[str, str] = field(default_factory=dict)

    def read(self, path: str) -> bytes:
        reader = self._reader
        assert isinstance(reader, GitReader | DiskReader)
        return reader.read(path)

    def prefetch(self, paths: Iterable[str]) -> None:
        """Read these files ahead, at once (one git process for a commit)."""
        reader = self._reader
        if isinstance(reader, GitReader):
            reader.prefetch(paths)

    def read_optional(self, path: str) -> bytes | None:
        """Any file of the project (not only spec/*.rst), or None when absent."""
        reader = self._reader
        assert isinstance(reader, GitReader | DiskReader)
        return reader.read_optional(path)

    @property
    def is_worktree(self) -> bool:
        return self.commit is None


@dataclass
class DiskReader:
    root: Path

    def read(self, path: str) -> bytes:
        return (self.root / path).read_bytes()

    def read_optional(self, path: str) -> bytes | None:
        target = self.root / path
        return target.read_bytes() if target.is_file() else None


@dataclass
class GitReader:
    repo: object  # git.Repo (untyped library)
    commit: str
    prefix: str  # project root inside the repository ("" or "sub/dir/")
    blobs: dict[str, str]

    fetched: dict[str, bytes] = field(default_factory=dict, repr=False)

    def read(self, path: str) -> bytes:
        if path in self.fetched:
            return self.fetched.pop(path)
        sha = self.blobs[path]
        data: bytes = self.repo.odb.stream(bytes.fromhex(sha)).read()  # type: ignore[attr-defined]
        return data

    def prefetch(self, paths: Iterable[str]) -> None:
        """Read many blobs with one ``git cat-file --batch`` (much faster than one by one)."""
        wanted = [p for p in paths if p in self.blobs and p not in self.fetched]
        if len(wanted) < 4:
            return
        shas = [self.blobs[p] for p in wanted]
        git_dir = str(self.repo.git_dir)  # type: ignore[attr-defined]
        done = subprocess.run(
            ["git", "--git-dir", git_dir, "cat-file", "--batch"],
            input="\n".join(shas).encode() + b"\n",
            capture_output=True,
            check=True,
        )
        out, at = done.stdout, 0
        for path in wanted:
            end = out.index(b"\n", at)
            size = int(out[at:end].split()[2])
            self.fetched[path] = out[end + 1 : end + 1 + size]
            at = end + 1 + size + 1

    def read_optional(self, path: str) -> bytes | None:
        if path in self.blobs:
            return self.read(path)
        import git

        try:
            blob = self.repo.commit(self.commit).tree / (self.prefix + path)  # type: ignore[attr-defined]
        except KeyError:
            return None
        if not isinstance(blob, git.Blob):
            return None
        data: bytes = blob.data_stream.read()
        return data


class Repository:
    """The git repository that holds a project (or none, e.g. an unpacked tarball)."""

    def __init__(self, project: Project) -> None:
        import git

        self.project = project
        try:
            self.repo: git.Repo | None = git.Repo(project.root, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            self.repo = None
        self.prefix = ""
        if self.repo is not None and self.repo.working_tree_dir is not None:
            top = Path(self.repo.working_tree_dir).resolve()
            inner = project.root.resolve().relative_to(top).as_posix()
            self.prefix = "" if inner == "." else inner + "/"

    @property
    def is_git(self) -> bool:
        return self.repo is not None

    def _require(self, revision: str) -> object:
        if self.repo is None:
            raise RevisionError(
                f"{self.project.root}: not a git repository, so revision '{revision}' cannot be read",
                "run smets in a git clone of the specification (git clone URL), "
                f"or compare the working tree only with '{WORKTREE}'",
            )
        return self.repo

    def is_shallow(self) -> bool:
        repo = self._require("HEAD")
        return bool(repo.git.rev_parse("--is-shallow-repository").strip() == "true")  # type: ignore[attr-defined]

    def resolve(self, revision: str) -> str:
        """The full commit sha of ``revision``, or a :class:`RevisionError` with the fix."""
        import git

        repo = self._require(revision)
        try:
            sha: str = repo.git.rev_parse(  # type: ignore[attr-defined]
                "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"
            ).strip()
            return sha
        except git.GitCommandError:
            pass
        if self.is_shallow():
            remote, _, branch = revision.partition("/")
            if not branch or remote not in {r.name for r in repo.remotes}:  # type: ignore[attr-defined]
                remote, branch = "origin", revision
            raise RevisionError(
                f"revision '{revision}' is not in this clone: it is a shallow clone "
                "(its history was cut, e.g. by actions/checkout's default fetch-depth: 1)",
                f"fetch it: git fetch --depth=100 {remote} {branch}   "
                "(or all history: git fetch --unshallow); "
                "in GitHub Actions, set fetch-depth: 0 on actions/checkout",
            )
        raise RevisionError(
            f"unknown revision '{revision}' (not a branch, tag or commit of {self.project.root})",
            "check the name with `git branch -a` / `git tag`, or fetch it: git fetch origin " + revision,
        )

    def describe(self, sha: str, revision: str) -> str:
        if sha.startswith(revision.lower()):
            return revision[:12]  # a commit id: its first characters say it
        return f"{revision} ({sha[:10]})"

    def source(self, revision: str) -> Source:
        """One side of a comparison: ``revision`` (any git revision) or :data:`WORKTREE`."""
        if revision == WORKTREE:
            return self.worktree()
        import git

        sha = self.resolve(revision)
        repo = self._require(revision)
        commit = repo.commit(sha)  # type: ignore[attr-defined]
        spec_rel = self.prefix + "spec"
        label = self.describe(sha, revision)
        try:
            tree = commit.tree / spec_rel
        except KeyError:
            tree = None
        if not isinstance(tree, git.Tree):
            note = f"{label} has no {spec_rel}/ folder; it is read as an empty specification"
            return Source(label, {}, sha, None, note, GitReader(repo, sha, self.prefix, {}))
        blobs, every = self._list(tree.hexsha)
        reader = GitReader(repo, sha, self.prefix, blobs)
        return Source(label, blobs, sha, tree.hexsha, None, reader, all_files=every)

    def _list(self, tree: str) -> tuple[dict[str, str], dict[str, str]]:
        """``spec/`` files the reader reads, and every ``spec/`` file (display path -> blob id),
        of a tree, with one ``git ls-tree``."""
        repo = self._require(tree)
        out: str = repo.git.ls_tree("-r", "-z", "--full-tree", tree)  # type: ignore[attr-defined]
        files: dict[str, str] = {}
        every: dict[str, str] = {}
        for entry in out.split("\0"):
            if not entry:
                continue
            meta, _, name = entry.partition("\t")
            kind, sha = meta.split()[1:3]
            relative = PurePosixPath(name)
            every[f"spec/{relative.as_posix()}"] = sha
            if kind == "blob" and wanted_path(relative):
                files[f"spec/{relative.as_posix()}"] = sha
        return dict(sorted(files.items(), key=lambda item: path_key(item[0]))), every

    def worktree(self) -> Source:
        """The working tree as it is on disk (uncommitted edits included)."""
        spec = self.project.spec
        if not spec.is_dir():
            raise FileNotFoundError(f"{spec}: no such spec folder")
        files: dict[str, str] = {}
        every: dict[str, str] = {}
        for path in sorted(spec.rglob("*")):
            relative = PurePosixPath(path.relative_to(spec).as_posix())
            if path.is_symlink():
                every[f"spec/{relative.as_posix()}"] = blob_sha(str(path.readlink()).encode())
                continue
            if not path.is_file():
                continue
            sha = blob_sha(path.read_bytes())
            every[f"spec/{relative.as_posix()}"] = sha
            if wanted_path(relative):
                files[f"spec/{relative.as_posix()}"] = sha
        reader = DiskReader(self.project.root)
        return Source("working tree", files, None, None, None, reader, all_files=every)

    def version_tags(self) -> list[tuple[str, str]]:
        """Version tags (name, commit sha), oldest first (by commit date, then name)."""
        if self.repo is None:
            return []
        found: list[tuple[int, str, str]] = []
        for tag in self.repo.tags:
            if not VERSION_TAG.match(tag.name):
                continue
            try:
                commit = tag.commit
            except ValueError:  # a tag of a tree or blob
                continue
            found.append((commit.committed_date, tag.name, commit.hexsha))
        found.sort(key=lambda item: (item[0], _version_key(item[1])))
        return [(name, sha) for _, name, sha in found]


def _version_key(name: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", name) if p)
