"""The duplicates panel's stamp (sphinx/reqindex.py) against its oracle: the panel computed again.

A requirement page keeps its duplicates panel without computing it when the stamp is the last
build's (the duplicate analysis is then not run at all in a build that changed nothing). So: for
seeded random edits of this repository's spec (texts copied from another requirement, so findings
appear and go; titles; links; a review entry dropped or its reason edited; whitespace), whenever
the stamp is unchanged, every requirement's panel HTML is unchanged, and every edit that changes a
panel changes the stamp.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from conftest import copy_project
from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.duplicates.page import duplicates_panel
from smets_spec.sphinx import reqindex


class _Linker:
    def need(self, need_id: str) -> str:
        return f"n/{need_id}.html"

    def doc(self, docname: str) -> str:
        return f"{docname}.html"


def _panels(corpus: Corpus) -> dict[str, str]:
    return {r.id: duplicates_panel(corpus, r.id, _Linker()) for r in corpus.requirements}


def _load(spec: Path) -> Corpus:
    return load_spec(spec, relative_to=spec)


_REQ = re.compile(r"^\.\. req:: (.*)\n   :id: (\S+)\n", re.M)


def _blocks(spec: Path) -> list[tuple[Path, re.Match[str]]]:
    return [
        (p, m) for p in sorted((spec / "sections").glob("*.rst")) for m in _REQ.finditer(p.read_text("utf-8"))
    ]


def _body(text: str, match: re.Match[str]) -> tuple[int, int]:
    """Where the requirement's text starts and ends (after its options, up to the next block)."""
    start = text.index("\n\n", match.end()) + 2
    end = text.find("\n.. ", start)
    return start, (len(text) if end < 0 else end)


def _edit(spec: Path, rng: random.Random) -> str:
    blocks = _blocks(spec)
    path, match = rng.choice(blocks)
    text = path.read_text("utf-8")
    kind = rng.choice(["copy_text", "title", "link", "link", "review_drop", "review_reason", "blank_line"])
    if kind == "copy_text":  # another requirement's text: a likely duplicate
        other_path, other = rng.choice(blocks)
        other_text = other_path.read_text("utf-8")
        o_start, o_end = _body(other_text, other)
        start, end = _body(text, match)
        text = text[:start] + other_text[o_start:o_end].rstrip("\n") + "\n\n" + text[end:].lstrip("\n")
    elif kind == "title":
        text = text[: match.start(1)] + match[1] + " edited" + text[match.end(1) :]
    elif kind == "link":  # links are not scanned, and no line moves: the stamp stays
        block_end = _body(text, match)[0]
        found = re.search(r"^   :mandatory_for: (.*)$", text[match.end() : block_end], re.M)
        if found is None:
            return f"link {match[2]}: none to edit"
        devices = [d.strip() for d in found[1].split(",")]
        devices = [d for d in devices if d != "DEV_IHD"] if "DEV_IHD" in devices else [*devices, "DEV_IHD"]
        at = match.end() + found.start(1)
        text = text[:at] + ", ".join(devices or ["DEV_ESME"]) + text[match.end() + found.end(1) :]
    else:
        review = spec / "reviews" / "duplicates.toml"
        entries = review.read_text("utf-8").split("[[suppress]]")
        n = rng.randrange(1, len(entries))
        if kind == "review_drop":
            del entries[n]
        elif kind == "review_reason":
            entries[n] = re.sub(r'reason = "', 'reason = "Checked again. ', entries[n], count=1)
        else:
            entries[n] = entries[n] + "\n"
        review.write_text("[[suppress]]".join(entries), "utf-8")
        return f"{kind} {n}"
    path.write_text(text, "utf-8")
    return f"{kind} {match[2]}"


@pytest.mark.parametrize("seed", [11, 12])
def test_an_unchanged_stamp_means_unchanged_panels(tmp_path: Path, seed: int) -> None:
    spec = copy_project(tmp_path) / "spec"
    rng = random.Random(seed)
    corpus = _load(spec)
    stamp, panels = reqindex.panel_stamps(corpus)["duplicates"], _panels(corpus)
    kept = changed = 0
    for _ in range(8):
        done = _edit(spec, rng)
        corpus = _load(spec)
        new_stamp, new_panels = reqindex.panel_stamps(corpus)["duplicates"], _panels(corpus)
        if new_stamp == stamp:
            kept += 1
            assert new_panels == panels, done
        elif new_panels != panels:
            changed += 1
        stamp, panels = new_stamp, new_panels
    assert kept and changed  # both sides of the rule were exercised


def test_what_the_stamp_covers(tmp_path: Path) -> None:
    spec = copy_project(tmp_path) / "spec"
    corpus = _load(spec)
    first = reqindex.panel_stamps(corpus)["duplicates"]
    assert reqindex.panel_stamps(_load(spec))["duplicates"] == first  # the same spec read again
    review = spec / "reviews" / "duplicates.toml"
    original = review.read_text("utf-8")
    review.write_text(original.replace("reason = ", "reason = 'x' #", 1), "utf-8")
    assert reqindex.panel_stamps(_load(spec))["duplicates"] != first  # any byte of the review file
    review.write_text(original, "utf-8")
    path, match = _blocks(spec)[0]
    text = path.read_text("utf-8")
    start, _ = _body(text, match)
    path.write_text(text[:start] + "Moved. " + text[start:], "utf-8")
    assert reqindex.panel_stamps(_load(spec))["duplicates"] != first  # a text
    path.write_text(text, "utf-8")
    review.unlink()
    assert reqindex.panel_stamps(_load(spec))["duplicates"] != first  # no review file
