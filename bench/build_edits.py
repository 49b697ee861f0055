"""The one-requirement edits of the site build benchmark (issue 20), each with its own check.

Every edit writes one source file of a generated spec, as an author would, and comes with:

* ``visible(status, body)``: the page that shows the edit does (for ``smets serve``: the
  moment the author sees it);
* ``check(out)``: after the build, every page and needs.json agree with the edit, none stale.

The kinds: a requirement's title and text; a link added, then removed again; a requirement
added, then deleted; a requirement moved from one file to another of its section.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from smets_spec.corpus.load import Corpus
from smets_spec.corpus.schema import DataItem


@dataclass
class Edit:
    kind: str
    apply: Callable[[], None]
    page: str  # the page (relative to the site) that shows the edit
    visible: Callable[[int, str], bool]
    check: Callable[[Path], tuple[bool, str]]


def pages_with(html: Path, needle: str) -> set[str]:
    return {
        p.relative_to(html).as_posix()
        for p in html.rglob("*.html")
        if needle in p.read_text(encoding="utf-8", errors="replace")
    }


def needs_of(out: Path) -> dict[str, dict[str, object]]:
    data = json.loads((out / "needs.json").read_text(encoding="utf-8"))
    needs: dict[str, dict[str, object]] = data["versions"][data["current_version"]]["needs"]
    return needs


def _page(out: Path, page: str) -> str:
    path = out / page
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _block(text: str, req_id: str) -> tuple[int, int]:
    """Start and end of the ``.. req::`` block whose ``:id:`` is ``req_id`` in ``text``."""
    found = re.search(rf"^\.\. req:: .*\n   :id: {re.escape(req_id)}\n", text, re.M)
    assert found is not None, req_id
    following = re.compile(r"^\.\. ", re.M).search(text, found.end())
    return found.start(), following.start() if following else len(text)


class Edits:
    """The edits, made one after another on the generated requirements from ``first`` on."""

    def __init__(self, project: Path, corpus: Corpus, first: int, tag: str) -> None:
        self.project, self.corpus, self.tag, self.first = project, corpus, tag, first
        generated = [r for r in corpus.requirements if r.title.startswith("Synthetic requirement")]
        self.reqs = generated[first : first + 4]
        if len(self.reqs) < 4:
            raise SystemExit(
                f"build_bench: only {len(generated)} generated requirements, {first + 4} needed for "
                "the edits: use a larger size (200 or more)"
            )
        self.data = sorted(d.id for d in corpus.of_type(DataItem))

    def _file(self, req_id: str) -> Path:
        return self.project / self.corpus.location(req_id).file

    def _rewrite(self, path: Path, change: Callable[[str], str]) -> None:
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")

    def all(self, out: Path) -> list[Edit]:
        return [self.title_and_text(out), *self.link(out), *self.add_and_delete(), self.move()]

    def title_and_text(self, out: Path) -> Edit:
        req = self.reqs[0]
        new = f"Edited requirement {req.id} {self.tag}"
        first_line = req.content.splitlines()[0]
        before: set[str] = set()

        def apply() -> None:
            before.update(pages_with(out, req.title))
            self._rewrite(
                self._file(req.id),
                lambda t: t.replace(f".. req:: {req.title}\n", f".. req:: {new}\n", 1).replace(
                    first_line, f"EDITED {self.tag} " + first_line, 1
                ),
            )

        def check(site: Path) -> tuple[bool, str]:
            after = pages_with(site, new)
            stale = pages_with(site, req.title + "<") | {
                p for p in pages_with(site, req.title) if p not in after
            }
            # a page that no longer refers to the requirement at all (it showed it only through a
            # duplicate finding the new text no longer makes) is not stale: it is listed apart
            gone = {p for p in before - after if not re.search(rf"\b{req.id}\b", _page(site, p))}
            missing = before - after - gone
            return not stale and not missing, (
                f"{len(before)} pages showed it; {len(after)} show the edit; "
                f"stale: {sorted(stale) or 'none'}; missing: {sorted(missing) or 'none'}; "
                f"no longer refer to it: {sorted(gone) or 'none'}"
            )

        page = f"req/{req.id}.html"
        return Edit("title and text", apply, page, lambda s, b: new in b, check)

    def link(self, out: Path) -> list[Edit]:
        req = self.reqs[1]
        target = next(d for d in reversed(self.data) if d not in req.outgoing().get("uses", []))
        page = f"req/{req.id}.html"
        mentions: set[str] = set()
        original: list[str] = []

        def add(text: str) -> str:
            start, end = _block(text, req.id)
            block = text[start:end]
            original.append(block)
            if "   :uses: " in block:
                block = re.sub(r"(   :uses: .*)\n", rf"\1, {target}\n", block, count=1)
            else:
                block = block.replace(f"   :id: {req.id}\n", f"   :id: {req.id}\n   :uses: {target}\n", 1)
            return text[:start] + block + text[end:]

        def apply_add() -> None:
            mentions.update(pages_with(out, f"{req.id}.html"))
            self._rewrite(self._file(req.id), add)

        def apply_remove() -> None:
            self._rewrite(
                self._file(req.id), lambda t: t.replace(t[slice(*_block(t, req.id))], original[0], 1)
            )

        def linked(site: Path) -> tuple[bool, bool, bool]:
            needs = needs_of(site)
            return (
                target in (needs[req.id].get("uses") or []),  # type: ignore[operator]
                req.id in (needs[target].get("uses_back") or []),  # type: ignore[operator]
                f'#{target}"' in _page(site, page),
            )

        def check_added(site: Path) -> tuple[bool, str]:
            got = linked(site)
            return all(got), f"needs.json link, back link, requirement page shows it: {got}"

        def check_removed(site: Path) -> tuple[bool, str]:
            got = linked(site)
            now = pages_with(site, f"{req.id}.html")
            ok = not any(got) and now == mentions
            return ok, (
                f"needs.json link, back link, page: {got} (all False expected); pages linking "
                f"{req.id}: {len(now)}, before the link was added: {len(mentions)}"
            )

        return [
            Edit("link added", apply_add, page, lambda s, b: f'#{target}"' in b, check_added),
            Edit("link removed", apply_remove, page, lambda s, b: f'#{target}"' not in b, check_removed),
        ]

    def add_and_delete(self) -> list[Edit]:
        near = self.reqs[2]
        prefix = near.id.split("_")[0]
        new_id = next(
            f"{prefix}_{k}" for k in range(999 - self.first, 0, -1) if f"{prefix}_{k}" not in self.corpus
        )
        title = f"Added requirement {new_id} {self.tag}"
        section = str(near.section.value) if near.section else prefix
        block = (
            f".. req:: {title}\n   :id: {new_id}\n   :clause: {new_id.replace('_', '.')}\n"
            f"   :status: draft\n   :section: {section}\n   :introduced: unreleased\n"
            f"   :impact: firmware\n   :mandatory_for: DEV_GPF\n\n"
            f"   The meter shall record the added event {self.tag}.\n\n"
        )
        path = self._file(near.id)
        docname = self.corpus.location(near.id).file.removeprefix("spec/").removesuffix(".rst")
        page = f"req/{new_id}.html"

        def apply_add() -> None:
            self._rewrite(path, lambda t: t.rstrip("\n") + "\n\n" + block)

        def apply_delete() -> None:
            self._rewrite(path, lambda t: t.replace("\n\n" + block, "\n", 1))

        def check_added(site: Path) -> tuple[bool, str]:
            needs = needs_of(site)
            got = (
                new_id in needs,
                title in _page(site, page),
                f'href="#{new_id}"' in _page(site, f"{docname}.html"),
                f"{new_id}.html" in _page(site, "req/index.html"),
            )
            return all(got), f"in needs.json, own page, card on {docname}.html, listed: {got}"

        def check_deleted(site: Path) -> tuple[bool, str]:
            stale = pages_with(site, title)
            ok = new_id not in needs_of(site) and not (site / page).exists() and not stale
            return (
                ok,
                f"pages still showing it: {sorted(stale) or 'none'}; own page left: {(site / page).exists()}",
            )

        return [
            Edit("need added", apply_add, page, lambda s, b: s == 200 and title in b, check_added),
            Edit("need deleted", apply_delete, page, lambda s, b: s == 404, check_deleted),
        ]

    def move(self) -> Edit:
        req = self.reqs[3]
        source = self._file(req.id)
        others = sorted(p for p in source.parent.glob("*.rst") if p != source)
        prefix = source.stem.split("-")[0]
        same = [p for p in others if p.stem.split("-")[0] == prefix]  # another file of its section
        dest = next((p for p in same if "syn" in p.name), same[0])
        old_page, new_page = (
            p.relative_to(self.project / "spec").with_suffix(".html").as_posix() for p in (source, dest)
        )
        page = f"req/{req.id}.html"
        anchor_new = f"{Path(new_page).name}#{req.id}"

        def apply() -> None:
            text = source.read_text(encoding="utf-8")
            start, end = _block(text, req.id)
            moved = text[start:end].rstrip("\n") + "\n\n"
            dest.write_text(dest.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + moved, encoding="utf-8")
            source.write_text(text[:start] + text[end:], encoding="utf-8")

        def check(site: Path) -> tuple[bool, str]:
            docname = needs_of(site)[req.id].get("docname")
            stale = pages_with(site, f"{Path(old_page).name}#{req.id}")
            got = (
                docname == new_page.removesuffix(".html"),
                f'href="#{req.id}"' in _page(site, new_page),
                f'href="#{req.id}"' not in _page(site, old_page),
                anchor_new in _page(site, page),
            )
            return all(got) and not stale, (
                f"needs.json docname, card on {new_page}, gone from {old_page}, own page links it: "
                f"{got}; pages linking the old place: {sorted(stale) or 'none'}"
            )

        return Edit(
            f"need moved ({source.name} -> {dest.name})", apply, page, lambda s, b: anchor_new in b, check
        )
