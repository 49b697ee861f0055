"""Small helpers that write reStructuredText safely."""

from __future__ import annotations

from collections.abc import Sequence

_SPECIAL = str.maketrans({"*": r"\*", "`": r"\`", "|": r"\|", "_": r"\_", "\\": "\\\\"})


def escape(text: str) -> str:
    """Inline text, with markup characters escaped and lines joined."""
    return " ".join(text.split()).translate(_SPECIAL)


def need_ref(need_id: str) -> str:
    return f":need:`{need_id}`"


def list_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[int] | None = None,
    classes: str = "",
) -> str:
    """A ``list-table`` whose cells are already reST inline text."""
    if not rows:
        return ""
    lines = [".. list-table::", "   :header-rows: 1"]
    if widths:
        lines.append("   :widths: " + " ".join(str(w) for w in widths))
    if classes:
        lines.append(f"   :class: {classes}")
    lines.append("")
    for row in [list(header), *rows]:
        first = True
        for cell in row:
            marker = "   * - " if first else "     - "
            lines.append(marker + (cell if cell else ""))
            first = False
    lines.append("")
    return "\n".join(lines)


def heading(text: str, char: str = "-") -> str:
    return f"{text}\n{char * len(text)}\n"


def bullet(items: Sequence[str]) -> str:
    return "\n".join(f"* {item}" for item in items) + "\n" if items else ""
