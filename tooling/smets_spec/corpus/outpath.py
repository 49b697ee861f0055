"""Where ``--out FILE`` may write: never over the specification or another tracked file by accident.

``--out`` onto anything under ``spec/``, onto a file git tracks (``conf.py``, ``policy.toml``,
a source), or onto a folder is refused unless ``--force``; a refusal writes nothing. The
write itself goes through :func:`smets_spec.corpus.files.write_atomic`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from .files import write_atomic
from .project import Project

FORCE_HELP = "let --out overwrite a file git tracks or one in spec/"


class OutRefusedError(ValueError):
    """``--out`` names a file the command must not overwrite; the message says why and how."""


def _tracked(project: Project, target: Path) -> bool:
    try:
        target.relative_to(project.root.resolve())
    except ValueError:
        return False
    try:
        found = subprocess.run(
            ["git", "-C", str(project.root), "ls-files", "--error-unmatch", "--", str(target)],
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return found.returncode == 0


def refusal(project: Project, out: Path, force: bool = False) -> str | None:
    """Why ``out`` may not be written (None when it may)."""
    target = out.absolute()
    shown = project.rel(target)
    if target.is_dir():
        return f"--out {shown} is a folder; --out names a file"
    if force:
        return None
    resolved = target.parent.resolve() / target.name
    spec = project.spec.resolve()
    if resolved == spec or spec in resolved.parents:
        return f"--out {shown} is inside the specification (spec/); give another file, or add --force"
    if target.exists() and _tracked(project, resolved):
        return f"--out {shown} is a file tracked by git; give another file, or add --force to overwrite it"
    return None


def write_out(project: Project, out: str, text: str, force: bool = False) -> None:
    """Write ``text`` to ``--out`` atomically, after :func:`refusal` (OutRefusedError when refused)."""
    path = Path(out)
    why = refusal(project, path, force)
    if why is not None:
        raise OutRefusedError(why)
    write_atomic(path.absolute(), text)
