"""CPU time of each step of `smets build` after one edit of a kind of ``build_edits.py`` (issue 20).

    cd PROJECT && SMETS_CACHE_DIR=/tmp/me/cache python bench/edit_phases.py KIND TAG [-- BUILD ARGS]

KIND: ``title`` (title and text), ``link`` (a link added), ``unlink`` (the link added last taken
away again), ``add`` (a requirement added), ``delete`` (the requirement added last deleted),
``move`` (a requirement moved to another file of its section). The edits are those of
``build_edits.Edits`` on the project's corpus; ``unlink`` puts back the file as it was before the
``link`` (kept beside the project in ``.edit_phases-undo``); ``delete`` takes away the first
requirement an ``add`` added. The steps are
timed as by ``build_phases.py``; with ``--check OUT``, the edit's check of ``build_edits`` runs
after the build on the site in OUT.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

from build_phases import install, timed_build

UNDO = ".edit_phases-undo"
#: a block ``build_edits`` adds, with the blank line before it (and after it, but at the end)
_ADDED = re.compile(
    r"\n\n\.\. req:: Added requirement [^\n]*\n(?:   [^\n]*\n|\n)*?"
    r"   The meter shall record the added event [^\n]*\n\n?"
)


def _edit(project: Path, kind: str, tag: str, out: Path | None) -> object:
    from build_edits import Edits

    from smets_spec.corpus.load import load_spec

    undo = project.parent / f"{project.name}{UNDO}"
    if kind == "unlink":
        kept = json.loads(undo.read_text(encoding="utf-8"))
        Path(kept["path"]).write_text(kept["text"], encoding="utf-8")
        undo.unlink()
        return None
    if kind == "delete":
        for path in sorted((project / "spec").rglob("*.rst")):
            text = path.read_text(encoding="utf-8")
            found = _ADDED.search(text)
            if found:
                rest = text[found.end() :]
                path.write_text(text[: found.start()] + ("\n\n" if rest else "\n") + rest, encoding="utf-8")
                return None
        raise SystemExit("edit_phases: no added requirement to delete")
    corpus = load_spec(project / "spec", relative_to=project)
    edits = Edits(project, corpus, 0, tag)
    site = out or project
    if kind == "title":
        edit = edits.title_and_text(site)
        file = None
    elif kind == "link":
        edit = edits.link(site)[0]
        file = project / corpus.location(edits.reqs[1].id).file
    elif kind == "add":
        edit = edits.add_and_delete()[0]
        file = None
    elif kind == "move":
        edit = edits.move()
        file = None
    else:
        raise SystemExit(f"edit_phases: unknown kind {kind!r}")
    if file is not None:
        undo.write_text(json.dumps({"path": str(file), "text": file.read_text(encoding="utf-8")}))
    edit.apply()
    return edit


WALL: dict[str, float] = {}


def _wall_of_read() -> None:
    """Wall time of the read (``Builder.read``: the comparison and the read of the documents)."""
    from sphinx.builders import Builder

    original = Builder.read

    def read(self: Builder) -> list[str]:
        start = time.perf_counter()
        try:
            return original(self)
        finally:
            WALL["read"] = WALL.get("read", 0.0) + time.perf_counter() - start

    Builder.read = read  # type: ignore[method-assign]


def _time_docs() -> None:
    from sphinx.builders import Builder

    original = Builder.read_doc

    def read_doc(self: Builder, docname: str, *args: object, **kwargs: object) -> None:
        start = time.process_time()
        original(self, docname, *args, **kwargs)  # type: ignore[arg-type]
        print(f"  read {os.getpid()} {docname}: {time.process_time() - start:.3f}", file=sys.stderr)

    Builder.read_doc = read_doc  # type: ignore[method-assign]


def _profile_workers(folder: Path) -> None:
    import cProfile

    from sphinx.util.parallel import ParallelTasks

    original = ParallelTasks._process

    def process(self: ParallelTasks, *args: object) -> None:
        profile = cProfile.Profile()
        profile.enable()
        try:
            original(self, *args)  # type: ignore[arg-type]
        finally:
            profile.disable()
            profile.dump_stats(folder / f"task-{os.getpid()}.prof")

    ParallelTasks._process = process  # type: ignore[method-assign]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind")
    parser.add_argument("tag")
    parser.add_argument("--check", metavar="OUT", type=Path)
    parser.add_argument("--docs", action="store_true", help="print each document's read: process, CPU s")
    parser.add_argument("--profile-workers", metavar="DIR", type=Path, help="cProfile of each forked task")
    parser.add_argument("build", nargs="*", help="arguments of `smets build` (after --)")
    args = parser.parse_args()
    start = time.process_time()
    import sphinx.cmd.build  # noqa: F401

    import smets_spec.sphinx.site  # noqa: F401
    from smets_spec import cli  # noqa: F401

    imports = time.process_time() - start
    edit = _edit(Path.cwd(), args.kind, args.tag, args.check)  # its corpus load not timed
    install()
    _wall_of_read()
    if args.docs:
        _time_docs()
    if args.profile_workers:
        _profile_workers(args.profile_workers)
    status = timed_build(args.build, imports, lambda: [f"wall of Builder.read: {WALL.get('read', 0.0):.2f}"])
    if args.check is not None and edit is not None and hasattr(edit, "check"):
        print(f"check: {edit.check(args.check)}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
