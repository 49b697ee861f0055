"""Where a specification repository's parts are: root, spec folder, templates, output."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def spec(self) -> Path:
        return self.root / "spec"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def build_dir(self) -> Path:
        return self.root / "_build"

    @property
    def html_dir(self) -> Path:
        return self.build_dir / "html"

    def rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


def find_project(start: Path | None = None) -> Project:
    """The nearest folder at or above ``start`` holding ``conf.py`` and ``spec/``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "conf.py").is_file() and (folder / "spec").is_dir():
            return Project(folder)
    raise FileNotFoundError(
        f"{here}: not inside a SMETS spec repository (no folder with conf.py and spec/ above it); "
        "run smets from the repository or pass --root"
    )
