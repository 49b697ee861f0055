"""A need's text of plain paragraphs, made without docutils' parser (:mod:`smets_spec.sphinx.plaintext`),
gives the nodes docutils gives: on seeded random texts parsed both ways inside docutils (every node,
its source and line, the document's current source after, the parse's return value), and in a
build (every doctree with every node's line, every page, needs.json and the warnings, against
``SMETS_QUICK_TEXT=off``)."""

from __future__ import annotations

import os
import pickle
import random
import subprocess
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.core import publish_doctree
from docutils.parsers.rst import Directive, directives
from docutils.statemachine import StringList

from clitools import build_argv, sourcedir
from sitecompare import differences
from smets_spec.sphinx.plaintext import Paragraphs, paragraphs_of

#: words of a requirement's text (some of them not plain at the start of a paragraph), and words
#: docutils reads as markup or as something else
_PLAIN = tuple(
    "The meter shall record the value 12 of supply, e.g. at 3.5 kW; 100% load! 'it' a/b x+y=z ~ # & "  # noqa: SIM905
    "{b} é – — ‘q’ Note: at Spec: (see below) 10:30 1. a) - + •".split()
)
_MARKUP = tuple("*x* `y` z_ |s| [1]_ <u> a:b http://x.y x@y.z end:: :role:`r` \\x II. -- .. ==== PEP".split())  # noqa: SIM905
#: markup that builds without a warning (a build stops at the first)
_CLEAN_MARKUP = ("*x*", "``y``", "a:b", "http://x.y", "x@y.z", "II.", "--", ":need:`PC_01`", "e.g.:x")
_FIRST = ("The", "Note:", "Each", "A", "I", "Spec:", "When,")


def _dump(node: nodes.Node) -> list[tuple[Any, ...]]:
    return [
        (
            type(n).__name__,
            getattr(n, "rawsource", None),
            getattr(n, "source", None),
            getattr(n, "line", None),
            n.astext(),
            dict(n.attributes) if isinstance(n, nodes.Element) else None,
        )
        for n in node.findall(include_self=False)
    ]


class _Both(Directive):  # type: ignore[misc]
    """Parses its content with docutils, then with :class:`Paragraphs` when it is plain, and compares."""

    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {"id": directives.unchanged}
    seen: ClassVar[list[bool]] = []

    def run(self) -> list[nodes.Node]:
        document = self.state.document
        made = paragraphs_of(self.content, document.settings)
        theirs = nodes.Element()
        returned = self.state.nested_parse(self.content, self.content_offset, theirs, match_titles=False)
        after = (document.current_source, document.current_line, returned)
        self.seen.append(made is not None)
        if made is not None:
            document.note_source("elsewhere", 99)
            ours = nodes.Element()
            again = Paragraphs(self.state, self.content, made).nested_parse(
                self.content, self.content_offset, ours, match_titles=False
            )
            assert (document.current_source, document.current_line, again) == after
            assert _dump(ours) == _dump(theirs), "\n".join(self.content)
        return []


def _text(rng: random.Random, markup: tuple[str, ...] = _MARKUP, indent: float = 0.03) -> str:
    paragraphs = []
    for _ in range(rng.randint(1, 3)):
        lines = []
        for _ in range(rng.randint(1, 3)):
            pick = [rng.choice(_FIRST)] + [
                rng.choice(_PLAIN) if rng.random() < 0.97 else rng.choice(markup)
                for _ in range(rng.randint(1, 9))
            ]
            lines.append((" " if rng.random() < indent else "") + " ".join(pick))
        paragraphs.append("\n   ".join(lines))
    return ("\n\n   " if rng.random() < 0.9 else "\n   \n   ").join(paragraphs)


def test_plain_paragraphs_are_the_nodes_docutils_makes() -> None:
    directives.register_directive("both", _Both)
    rng = random.Random(20261206)
    _Both.seen.clear()
    for _ in range(120):
        body = "\n\n".join(f".. both::\n   :id: X{i}\n\n   {_text(rng)}" for i in range(10))
        publish_doctree(
            f"Title\n=====\n\n{body}\n\nAfter.\n", source_path="t.rst", settings_overrides={"report_level": 5}
        )
    assert 300 < sum(_Both.seen) < len(_Both.seen) - 100  # both ways taken, many times


def test_what_is_not_plain_goes_to_docutils() -> None:
    class Settings:
        pep_references: bool | None = None
        rfc_references: bool | None = None

    def plain(*lines: str) -> bool:
        return paragraphs_of(StringList(list(lines), "t.rst"), Settings) is not None

    assert plain("The meter shall do it: now.", "", "Second one, at ten.")
    assert not plain("A. The meter")  # an enumerator
    assert not plain("II. The meter")
    assert not plain("The meter", "-----")  # a title's underline
    assert not plain("The meter shall::")  # a literal block follows
    assert not plain("See http://example.org now")
    assert not plain("The meter", "   shall")  # a definition list
    assert not plain("The *meter*")
    assert not plain("")

    class Pep(Settings):
        pep_references = True

    assert (
        paragraphs_of(__import__("docutils.statemachine").statemachine.StringList(["The PEP 8"]), Pep) is None
    )


def _requirements(rng: random.Random) -> str:
    out = ["More requirements\n=================\n"]
    for i in range(40):
        text = _text(rng, _CLEAN_MARKUP, 0)
        links = "\n   :depends_on: PC_01" if i % 7 == 0 else ""
        out.append(
            f".. req:: Random requirement {i}\n   :id: PC_{100 + i}\n   :status: proposed\n   :section: PC\n"
            f"   :impact: firmware\n   :mandatory_for: DEV_ESME{links}\n\n   {text}\n"
        )
    return "\n".join(out)


def _build(root: Path, out: Path, switch: str) -> str:
    env = dict(os.environ, SMETS_CACHE_DIR=str(out.parent / f"cache-{switch}"), SMETS_QUICK_TEXT=switch)
    done = subprocess.run(
        [*build_argv(root, out, "-j", "1"), "--fresh"], capture_output=True, text=True, env=env
    )
    return done.stderr.replace(str(out), "OUT")


def _doctrees(out: Path) -> dict[str, list[tuple[Any, ...]]]:
    return {
        p.relative_to(out).as_posix(): _dump(pickle.loads(p.read_bytes()))  # this test's own build
        for p in sorted((out / ".doctrees").rglob("*.doctree"))
    }


def test_a_build_with_plain_texts_made_quickly_is_the_build_parsing_them(tmp_path: Path) -> None:
    root = sourcedir(tmp_path, "mini")
    (root / "spec" / "random.rst").write_text(_requirements(random.Random(7)), encoding="utf-8")
    warned = _build(root, tmp_path / "quick", "on")
    assert warned == _build(root, tmp_path / "docutils", "off")
    assert (tmp_path / "quick" / "random.html").is_file()
    assert differences(tmp_path / "docutils", tmp_path / "quick") == []
    assert _doctrees(tmp_path / "docutils") == _doctrees(tmp_path / "quick")
