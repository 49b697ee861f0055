"""Compare two built sites page by page, after normalising only what differs between any two builds."""

from __future__ import annotations

import json
import re
from pathlib import Path

#: build-time facts: when the conformance suite ran, how long it took; random ids
_TIMES = (
    (re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)? UTC"), "<time>"),
    (re.compile(r"(Duration<span class=\"colon\">:</span></dt><dd[^>]*><p>)[\d.]+ s"), r"\1<duration> s"),
    # sphinx-needs' layout gives each need it draws a random container id (uuid4)
    (re.compile(r"SNCB-[0-9a-f]{8}"), "SNCB-<random>"),
)
#: not pages: the build's own bookkeeping
_SKIPPED = {".doctrees", ".smets", ".smets-build.lock", ".buildinfo"}
#: sphinx-needs' timing of its schema checks
_TIMINGS = {"validation_summary", "validated_needs_per_second"}


def _search_index(text: str) -> str:
    """Sphinx's search index without the words that no page has (an incremental build keeps the
    words of text it removed, mapped to no page, which a search never shows)."""
    data = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    for name in ("terms", "titleterms"):
        data[name] = {word: pages for word, pages in data[name].items() if pages not in ([], {})}
    return json.dumps(data, sort_keys=True)


def normalised(path: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    if path.name == "searchindex.js":
        return _search_index(text)
    if path.name == "schema_violations.json":
        data = json.loads(text)
        return json.dumps({k: v for k, v in data.items() if k not in _TIMINGS}, sort_keys=True)
    for pattern, replacement in _TIMES:
        text = pattern.sub(replacement, text)
    return text


def site_files(out: Path) -> dict[str, Path]:
    return {
        p.relative_to(out).as_posix(): p
        for p in out.rglob("*")
        if p.is_file() and p.relative_to(out).parts[0] not in _SKIPPED
    }


def differences(one: Path, other: Path) -> list[str]:
    """Every file only one site has, and every file whose normalised text differs."""
    a, b = site_files(one), site_files(other)
    found = sorted(f"only in {one if name in a else other}: {name}" for name in set(a) ^ set(b))
    for name in sorted(set(a) & set(b)):
        if a[name].read_bytes() != b[name].read_bytes() and normalised(a[name]) != normalised(b[name]):
            found.append(f"differs: {name}")
    return found
