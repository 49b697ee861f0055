"""The first stage of a rebuild in ``smets serve``: the edited requirements' own pages at once.

When a save changes only the title or the text of requirements (same ids, same files, same
options), their pages ``req/<ID>.html`` are written again at once with the new title and text
(the text drawn by docutils alone: :mod:`smets_spec.sphinx.quickrender`) into
``<out>/.smets/preview/``, beside the site, never over it. While the full build that follows
runs, the server answers a request for such a page from there (every other page waits for the
build, as before); the watcher removes the folder when the build is over, and the open page
reloads with the page the build wrote. Any other kind of edit (a link, an option, a need added,
deleted or moved, a file that cannot be read) previews nothing: the full build shows it.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..corpus.files import write_atomic
from ..corpus.ids import heading
from ..corpus.rstreader import RawNeed, read_file, read_tree
from ..corpus.schema import BY_DIRECTIVE, Requirement
from ..markup.html import esc
from .state import preview_dir

REQ_FOLDER = "req"
_TEXT_START = '<div class="smets-req-text">'
_DIV = re.compile(r"<(/?)div\b")


@dataclass(frozen=True)
class Seen:
    """A need as the last build read it: what a preview compares with."""

    file: str
    directive: str
    title: str
    content: str
    options: tuple[tuple[str, str], ...]

    @property
    def heading(self) -> str:
        """The page's title: the clause as the SMETS prints it (else the id), then the title."""
        values = dict(self.options)
        return heading(values.get("clause"), values.get("id", ""), self.title)


def _seen(raw: RawNeed) -> Seen:
    options = tuple(sorted((name, option.value) for name, option in raw.options.items()))
    return Seen(raw.location.file, raw.directive, raw.title, raw.content, options)


def snapshot(spec: Path, root: Path) -> dict[str, Seen]:
    """Every need of ``spec`` by id, as written now (read after each build)."""
    raws, _ = read_tree(spec, BY_DIRECTIVE, root)
    return {raw.options["id"].value: _seen(raw) for raw in raws if "id" in raw.options}


def edited_texts(changed: list[Path], root: Path, before: dict[str, Seen]) -> dict[str, tuple[Seen, Seen]]:
    """Requirements whose title or text alone changed in ``changed`` files: id -> (before, now).

    Empty when anything else changed in those files (a need added, deleted, moved or with other
    options), or when a file cannot be read: the full build alone shows such edits.
    """
    found: dict[str, tuple[Seen, Seen]] = {}
    for path in changed:
        if path.suffix != ".rst" or not path.is_file():
            return {}
        display = path.resolve().relative_to(root.resolve()).as_posix()
        raws, errors = read_file(path, display, tuple(BY_DIRECTIVE))
        if errors:
            return {}
        now = {raw.options["id"].value: _seen(raw) for raw in raws if "id" in raw.options}
        was = {key for key, seen in before.items() if seen.file == display}
        if set(now) != was or len(now) != len(raws):
            return {}
        for key, seen in now.items():
            old = before[key]
            if (seen.directive, seen.options) != (old.directive, old.options):
                return {}
            if (seen.title, seen.content) != (old.title, old.content):
                if BY_DIRECTIVE.get(seen.directive) is not Requirement:
                    return {}
                found[key] = (old, seen)
    return found


def _text_span(page: str) -> tuple[int, int] | None:
    """Where the text block's content is on a requirement page (balanced ``div`` tags)."""
    start = page.find(_TEXT_START)
    if start < 0:
        return None
    begin = start + len(_TEXT_START)
    depth = 1
    for match in _DIV.finditer(page, begin):
        depth += -1 if match[1] else 1
        if depth == 0:
            return begin, match.start()
    return None


def patched(page: str, old: Seen, new: Seen, text_html: str) -> str | None:
    """``page`` with the new title (``<title>``, ``<h1>``) and text; None when it is not of that form."""
    span = _text_span(page)
    was, now = esc(old.heading), esc(new.heading)
    if span is None or f"<h1>{was}" not in page or f"<title>{was}" not in page:
        return None
    page = page[: span[0]] + text_html + page[span[1] :]
    return page.replace(f"<title>{was}", f"<title>{now}", 1).replace(f"<h1>{was}", f"<h1>{now}", 1)


def write_previews(out: Path, edits: dict[str, tuple[Seen, Seen]]) -> list[str]:
    """The previews of ``edits`` written (atomically) under ``<out>/.smets/preview/``; their ids."""
    from ..sphinx.quickrender import render_text  # lazily: only the adapter imports docutils

    done: list[str] = []
    for key, (old, new) in sorted(edits.items()):
        source = out / REQ_FOLDER / f"{key}.html"
        try:
            page = source.read_text(encoding="utf-8")
        except OSError:
            continue
        fresh = patched(page, old, new, render_text(new.content))
        if fresh is not None:
            (preview_dir(out) / REQ_FOLDER).mkdir(parents=True, exist_ok=True)
            write_atomic(preview_dir(out) / REQ_FOLDER / f"{key}.html", fresh, durable=False)
            done.append(key)
    return done


def clear_previews(out: Path) -> None:
    shutil.rmtree(preview_dir(out), ignore_errors=True)
