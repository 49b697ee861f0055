"""A Sphinx build run inside the test process, for tests that look at the application afterwards."""

from __future__ import annotations

import io
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace

from consulttools import mini_project


def toctree_project(tmp_path: Path) -> Path:
    """The small consultation project of consulttools, every page in its root toctree."""
    root = mini_project(tmp_path / "repo")
    (root / "spec" / "index.rst").write_text(
        "Test\n====\n\n.. toctree::\n   :glob:\n\n   *\n   consultations/test/*\n", encoding="utf-8"
    )
    return root


def build_in_process(root: Path, out: Path, parallel: int) -> Sphinx:
    """Build ``root`` into ``out`` with every document read (fails the test if the build fails).

    In ``docutils_namespace()``, as sphinx-build does: the nodes and directives the build
    registers are not left registered for the next build of this process.
    """
    quiet = io.StringIO()
    with docutils_namespace():
        app = Sphinx(
            root / "spec",
            root,
            out,
            out / ".doctrees",
            "html",
            status=quiet,
            warning=quiet,
            parallel=parallel,
        )
        app.build(force_all=True)
    assert app.statuscode == 0, quiet.getvalue()
    return app
