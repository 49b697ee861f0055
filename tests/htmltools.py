"""Reading built HTML pages in tests (stdlib parser): tables as rows of cell texts, links, text."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[dict[str, str], list[list[str]]]] = []
        self._stack: list[tuple[dict[str, str], list[list[str]]]] = []
        self._cell: list[str] | None = None
        self.links: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "table":
            self._stack.append((a, []))
        elif tag == "tr" and self._stack:
            self._stack[-1][1].append([])
        elif tag in ("td", "th") and self._stack:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._stack and self._cell is not None:
            rows = self._stack[-1][1]
            if rows:
                rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parse(path: Path) -> _Tables:
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def table(path: Path, table_id: str | None = None, index: int = 0) -> list[list[str]]:
    """Rows (lists of cell texts) of the table with ``table_id``, or the ``index``-th table."""
    tables = parse(path).tables
    if table_id is not None:
        return next(rows for attrs, rows in tables if attrs.get("id") == table_id)
    return tables[index][1]


def text(path: Path) -> str:
    """The page's text with tags removed and whitespace collapsed."""

    class _Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []
            self._skip = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self._skip += tag in ("script", "style")

        def handle_endtag(self, tag: str) -> None:
            self._skip -= tag in ("script", "style")

        def handle_data(self, data: str) -> None:
            if not self._skip:
                self.parts.append(data)

    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return " ".join(" ".join(parser.parts).split())


class StubLinker:
    """A :class:`smets_spec.markup.html.Linker` whose URLs say what they point at."""

    def need(self, need_id: str) -> str:
        return f"need:{need_id}"

    def doc(self, docname: str) -> str:
        return f"doc:{docname}"
