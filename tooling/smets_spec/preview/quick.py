"""The first stage of a rebuild in ``smets serve``: the pages a save changed, drawn at once.

When a save changes only requirements (:class:`~.known.Change`: their title, text, options or
links; a requirement added, deleted or moved to another file), the pages ``req/<ID>.html`` it
changed are drawn again at once into ``<out>/.smets/preview/``, beside the site, never over it:

* an edited requirement's page (title, text, fields, links; a changed text drawn by docutils
  alone, :mod:`smets_spec.sphinx.quickrender`);
* the page of every requirement at the other end of a link added or removed (its backlinks);
* an added requirement's new page, and a moved one's (its new file in "Written in");
* for a deleted requirement, a "removed; the site is being rebuilt" answer (a 404), never its
  old page.

While the full build that follows runs, the server answers a request for such a page from
there; every other page waits for the build, as before. The watcher removes the folder when
the build is over and the open page reloads with the page the build wrote. A change to
another kind of need, a file that does not read cleanly, a repeated id, or a change outside
``spec/`` (``conf.py``, templates) previews nothing: the full build shows it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..corpus.files import write_atomic
from .known import Change
from .state import gone_dir, preview_dir, static_copy_dir

REQ_FOLDER = "req"


def _old_page(out: Path, req_id: str) -> str | None:
    try:
        return (out / REQ_FOLDER / f"{req_id}.html").read_text(encoding="utf-8")
    except (OSError, UnicodeError):
        return None


def _text(change: Change, req_id: str, old_page: str | None) -> str:
    """The built page's text when the requirement's text (and its file's folder) did not change,
    else the text drawn again by docutils."""
    from ..sphinx.quickrender import render_text, text_block

    new = change.after.needs[req_id]
    old = change.before.needs.get(req_id)
    if old is not None and old.content == new.content and old_page is not None:
        was, now = change.before.locations[req_id].file, change.after.locations[req_id].file
        block = text_block(old_page)
        moved_away = was != now and (
            Path(was).parent != Path(now).parent or f"{Path(was).stem}.html#" in (block or "")
        )
        if block is not None and not moved_away:
            return block
    return render_text(new.content)


def pages_to_draw(change: Change) -> list[str]:
    """The requirements whose pages the first stage draws again, in order."""
    return sorted(change.edited | change.added | change.moved | change.relinked())


def write_previews(out: Path, change: Change) -> list[str]:
    """The previews of ``change`` written (atomically) under ``<out>/.smets/preview/``; the ids
    drawn (a deleted requirement's "removed" answer included)."""
    from ..sphinx.quickrender import PageKit, panel_sections, removed_page

    kit = PageKit.of(out, change.after)
    if kit is None:  # no requirement pages in this project (no req/index.rst)
        return []
    pages: dict[str, str] = {}
    for req_id in pages_to_draw(change):
        old_page = _old_page(out, req_id) if req_id not in change.added else None
        kept = panel_sections(old_page) if old_page is not None else None
        if old_page is not None and kept is None:
            continue  # a built page not of the form drawn here: wait for the build
        pages[req_id] = kit.page(req_id, _text(change, req_id, old_page), kept)
    folder = preview_dir(out) / REQ_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for req_id, page in pages.items():
        write_atomic(folder / f"{req_id}.html", page, durable=False)
    if change.deleted:
        (gone_dir(out) / REQ_FOLDER).mkdir(parents=True, exist_ok=True)
    for req_id in sorted(change.deleted):
        page = removed_page(req_id, change.before.locations[req_id].file)
        write_atomic(gone_dir(out) / REQ_FOLDER / f"{req_id}.html", page, durable=False)
    return [*pages, *sorted(change.deleted)]


def keep_static(out: Path) -> None:
    """Copy the site's ``_static/`` aside (after a good build): while the next build runs, a
    preview's styles and scripts come from there, not from a folder Sphinx may be writing. The
    pages ask for them by content hash (``?v=``), so the copy is what the previews refer to."""
    source = out / "_static"
    if not source.is_dir():
        return
    fresh = static_copy_dir(out).with_name(f"{static_copy_dir(out).name}.new")
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(source, fresh / "_static")
    shutil.rmtree(static_copy_dir(out), ignore_errors=True)
    fresh.rename(static_copy_dir(out))


def clear_previews(out: Path) -> None:
    shutil.rmtree(preview_dir(out), ignore_errors=True)
    shutil.rmtree(gone_dir(out), ignore_errors=True)
