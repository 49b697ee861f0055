"""Where ``--out FILE`` may write: never over the specification or another tracked file by accident.

``--out`` is a file the user names, so it may be anywhere; but a slip must not cost work: a
file git tracks, anything under ``spec/`` and ``conf.py`` are refused unless ``--force``; a
folder is refused; a path inside the repository whose folder is a symbolic link leading out
of it is refused always (writes never follow a link out of the repository). A symbolic link
*at* the path itself is replaced by the new file, never written through
(:func:`smets_spec.corpus.files.atomic_path`). A refusal writes nothing. Every command with
``--out`` uses this module (``consult``, ``diff``/``impact``/``review``, ``conform``), and
``smets build`` asks :func:`tracked_under` about its output folder.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from .files import write_atomic
from .project import Project

FORCE_HELP = "let --out overwrite a file git tracks, conf.py or one in spec/"


class OutPathError(ValueError):
    """An output path that must not be written; the message says why and what to do."""


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def tracked_under(root: Path, path: Path) -> str:
    """The first file at or under ``path`` that git tracks ("" when none, outside ``root`` or git)."""
    if not _inside(path.absolute(), root.absolute()) and not _inside(path.resolve(), root.resolve()):
        return ""
    try:
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--", str(path)],
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    first = listed.stdout.split(b"\0", 1)[0] if listed.returncode == 0 else b""
    return first.decode("utf-8", errors="replace")


def check_out(root: Path, out: Path, force: bool = False) -> Path:
    """The path to write for ``--out out`` (its folder resolved), or :class:`OutPathError`.

    The folder is created by the caller; a folder that does not exist yet is judged by the
    nearest one that does.
    """
    named_root, root = root, root.resolve()
    given = out if out.is_absolute() else Path.cwd() / out
    if given.is_dir() and not given.is_symlink():
        raise OutPathError(f"{out}: is a folder; --out takes a file name")
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
    if target.is_file() and tracked_under(root, target):
        raise OutPathError(
            f"{out}: is a file git tracks; writing it would replace committed work; choose another "
            "file, or pass --force if you mean it"
        )
    return target


def _normpath(path: Path) -> str:
    import os.path

    return os.path.normpath(path)


def refusal(project: Project, out: Path, force: bool = False) -> str | None:
    """Why ``out`` may not be written (None when it may), in one line."""
    try:
        check_out(project.root, out, force)
    except OutPathError as exc:
        return str(exc)
    return None


def write_out(project: Project, out: str, text: str, force: bool = False) -> None:
    """Write ``text`` to ``--out`` atomically, after :func:`check_out` (OutPathError when refused)."""
    write_atomic(check_out(project.root, Path(out), force), text)
