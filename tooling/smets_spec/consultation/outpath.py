"""Where ``smets consult`` may write: ``--out`` files checked before anything is written.

``--out`` is a file the user names, so it may be anywhere; but a slip must not cost work:
a file git tracks, anything under ``spec/`` and ``conf.py`` are refused unless ``--force``,
and a path inside the repository whose folder is a symbolic link leading out of it is
refused always (writes never follow a link out of the repository). A symbolic link *at*
the path itself is replaced by the new file, never written through
(:func:`smets_spec.corpus.files.atomic_path`).
"""

from __future__ import annotations

from pathlib import Path


class OutPathError(ValueError):
    """An output path that must not be written; the message says why and what to do."""


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def _tracked(root: Path, target: Path) -> bool:
    """Is ``target`` (resolved, inside ``root``) a file git tracks? False outside a git checkout."""
    import git

    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return False
    top = Path(str(repo.working_tree_dir)).resolve()
    if not _inside(target, top):
        return False
    relative = target.relative_to(top).as_posix()
    try:
        listed = repo.git.ls_files("--", relative)
    except git.GitCommandError:
        return False
    return bool(str(listed).strip())


def check_out(root: Path, out: Path, force: bool = False) -> Path:
    """The path to write for ``--out out`` (its folder resolved), or :class:`OutPathError`.

    The folder is created by the caller; a folder that does not exist yet is judged by the
    nearest one that does.
    """
    named_root, root = root, root.resolve()
    given = out if out.is_absolute() else Path.cwd() / out
    if given.is_dir() and not given.is_symlink():
        raise OutPathError(f"{out}: is a folder; --out takes a file name (e.g. {out}/responses.xlsx)")
    existing = given.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    missing = given.parent.relative_to(existing)
    folder = existing.resolve() / missing
    target = folder / given.name
    lexical = Path(_normpath(given))
    lexical_inside = _inside(lexical, root) or _inside(lexical, Path(_normpath(named_root.absolute())))
    if lexical_inside and not _inside(target, root):
        raise OutPathError(
            f"{out}: its folder is a symbolic link leading out of the repository ({folder}); "
            "smets never writes through such a link; give the real path"
        )
    if force:
        return target
    if _inside(target, root / "spec") or target == root / "conf.py":
        raise OutPathError(
            f"{out}: is a specification source (spec/ or conf.py); writing there would overwrite "
            "what its authors wrote; choose another file, or pass --force if you mean it"
        )
    if target.is_file() and _tracked(root, target):
        raise OutPathError(
            f"{out}: is a file git tracks; writing it would replace committed work; choose another "
            "file, or pass --force if you mean it"
        )
    return target


def _normpath(path: Path) -> str:
    import os.path

    return os.path.normpath(path)
