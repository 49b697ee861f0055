"""Checks of a spec source as a whole: nothing in it may put script on the site, read the
build machine's files, run code at build time, or make text vanish.

A source file comes from any pull request, so it is hostile until checked. These checks run
in the fast reader (``smets validate``, ``smets review``), without Sphinx; the Sphinx extension
enforces the same at build time (:mod:`smets_spec.sphinx.safety`), so a check missed here is
still no script on the site. Each finding names the file, the line and the fix:

* ``smets.unsafe-markup``: raw HTML (``raw`` directive or a role based on ``raw``), file or URL
  inclusion (``include``, ``literalinclude``, ``:file:``/``:url:`` options), ``meta``, the
  sphinx-needs directives and roles that evaluate Python expressions or fetch data, dynamic
  functions (``[[...]]``) in a need's title or fields, and images or downloads outside the
  spec folder;
* (also ``smets.unsafe-markup``) ``smets-source`` naming a module outside ``smets_spec`` (the
  build would import it);
* ``smets.unsafe-link``: a link whose scheme is not ``http``, ``https`` or ``mailto``;
* ``smets.conflict-marker``: an unresolved merge conflict;
* ``smets.control-char``: a control character (other than tab and line ends);
* ``smets.too-long``: a need's title, field or text over a spreadsheet cell's 32,767 characters.
"""

from __future__ import annotations

import bisect
import posixpath
import re
import unicodedata
from collections.abc import Iterable, Iterator

from .diagnostics import Diagnostic, Location, Rule, Severity

#: Excel keeps at most this many characters in a cell (a consultation workbook holds the text).
MAX_CELL = 32_767
#: Link schemes published on the site; any other scheme is refused (a relative link has none).
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})

#: sphinx-needs directives that evaluate filters as Python, or read files or services.
_SPHINX_NEEDS_RUNNERS = (
    *("needtable", "needlist", "needflow", "needpie", "needbar", "needgantt", "needsequence"),
    *("needextract", "needextend", "needfilter", "needimport", "needservice", "needreport"),
    *("needuml", "needarch", "list2need", "if", "choose", "when", "otherwise"),
)
_RUNNER_REASON = "is a sphinx-needs directive that evaluates Python expressions or reads files or services"
_DIRECTIVE_FIX = "write the text as reST; a table or figure the site needs is rendered by a smets-* directive"

#: Directives refused in spec sources, with why (the fix names the safe alternative).
REFUSED_DIRECTIVES: dict[str, str] = {
    "raw": "publishes HTML as written, script included",
    "include": "reads a file of the build machine into the page",
    "literalinclude": "reads a file of the build machine into the page",
    "meta": "writes HTML meta tags (for example a redirect)",
    **dict.fromkeys(_SPHINX_NEEDS_RUNNERS, _RUNNER_REASON),
}
#: Roles refused in spec sources (they evaluate filters as Python).
REFUSED_ROLES = frozenset({"need_count", "ndf", "variant"})
#: Options that make an otherwise harmless directive read a file or a URL.
FILE_OPTIONS = frozenset({"file", "url"})
#: Schemes docutils turns into a link when written bare in text, and that can run script or read files.
_BARE_DANGEROUS = "javascript|vbscript|livescript|data|file|jar|blob|filesystem"

_DIRECTIVE = re.compile(r"^(?P<indent> *)\.\. +(?P<name>[\w.+:-]+?) ?::(?: +(?P<arg>.*))?$")
_OPTION = re.compile(r"^ +:(?P<name>[\w-]+):")
_RAW_ROLE = re.compile(r"^ *\.\. +role:: +[\w.-]+ *\( *raw *\)")
_ROLE_USE = re.compile(r"(?<![\w`]):(?P<name>[\w.+-]+):`")
_DYNAMIC = re.compile(r"\[\[ *\w+ *\(")
_BARE_URI = re.compile(rf"(?<![\w.+-])(?P<scheme>{_BARE_DANGEROUS})\s*:[^\s`<>]+", re.IGNORECASE)
_EMBEDDED = re.compile(r"<(?P<uri>[^<>\s`]+)>`_{1,2}")
_TARGET = re.compile(r"^ *\.\. +_[^:]*: *(?P<uri>\S+)")
_IMAGE_TARGET = re.compile(r"^ +:target: *(?P<uri>\S+)")
_SCHEME = re.compile(r"^\s*(?P<scheme>[A-Za-z][A-Za-z0-9.+-]*)\s*:")
_PATHS = re.compile(r"^ *\.\. +(?:image|figure)::\s*(?P<path>\S+)|:download:`(?:[^`<]*<)?(?P<dl>[^`>]+)>?`")
_CONFLICT = re.compile(r"^(?:<{7}|>{7}|\|{7})(?: |$)")
_CONFLICT_MIDDLE = re.compile(r"^={7}$")


def _error(file: str, line: int, message: str, rule: Rule, fix: str) -> Diagnostic:
    return Diagnostic(Location(file, line), Severity.ERROR, message, rule, fix)


def scheme_of(uri: str) -> str | None:
    """The scheme of a link (``javascript`` for ``java\\tscript:``), or None for a relative one."""
    cleaned = "".join(ch for ch in uri if ch.isprintable() and not ch.isspace())
    match = _SCHEME.match(cleaned)
    if match is None or "/" in cleaned.split(":", 1)[0]:
        return None
    return match["scheme"].lower()


def safe_uri(uri: str) -> bool:
    """A link the site may publish: relative, or http, https or mailto."""
    scheme = scheme_of(uri)
    return scheme is None or scheme in SAFE_SCHEMES


def _directive_findings(file: str, lines: list[str]) -> Iterator[Diagnostic]:
    current: str | None = None
    for number, line in enumerate(lines, start=1):
        if _RAW_ROLE.match(line):
            yield _error(
                file,
                number,
                "a role based on 'raw' publishes HTML as written",
                Rule.UNSAFE_MARKUP,
                "use plain reST roles",
            )
        match = _DIRECTIVE.match(line)
        if match is not None:
            name = match["name"].rsplit(":", 1)[-1]  # rst:raw, std:include...
            current = name
            if name in REFUSED_DIRECTIVES:
                yield _error(
                    file,
                    number,
                    f"'.. {match['name']}::' is not allowed in spec sources: it {REFUSED_DIRECTIVES[name]}",
                    Rule.UNSAFE_MARKUP,
                    _DIRECTIVE_FIX,
                )
            if (
                name == "smets-source"
                and (match["arg"] or "").strip().split(".")[0].split(":")[0] != "smets_spec"
            ):
                yield _error(
                    file,
                    number,
                    f"'.. smets-source:: {(match['arg'] or '').strip()}' would import a module from outside "
                    "smets_spec at build time",
                    Rule.UNSAFE_MARKUP,
                    "list the source of a smets_spec model or test (smets_spec.reference... or "
                    "smets_spec.conformance...)",
                )
            continue
        option = _OPTION.match(line)
        if option is not None and current is not None and option["name"] in FILE_OPTIONS:
            yield _error(
                file,
                number,
                f"option ':{option['name']}:' of '{current}' reads a file or URL into the page",
                Rule.UNSAFE_MARKUP,
                "put the data in the source itself",
            )
        elif line and not line.startswith(" "):
            current = None


def _inline_findings(file: str, lines: list[str], depth: int) -> Iterator[Diagnostic]:
    for number, line in enumerate(lines, start=1):
        for role in _ROLE_USE.finditer(line):
            if role["name"] in REFUSED_ROLES:
                yield _error(
                    file,
                    number,
                    f"role ':{role['name']}:' evaluates a filter as Python at build time",
                    Rule.UNSAFE_MARKUP,
                    "write the value, or link the needs with :need:",
                )
        linked = []
        for path in _PATHS.finditer(line):
            target = path["path"] or path["dl"] or ""
            if not safe_uri(target) and not target.lower().startswith("data:image/"):
                linked.append(target)
                continue
            if scheme_of(target) is None and not target.startswith("/"):
                inside = posixpath.normpath(posixpath.join(*(["x"] * depth), target)) if depth else target
                if posixpath.normpath(inside).startswith(".."):
                    yield _error(
                        file,
                        number,
                        f"'{target}' is outside the spec folder",
                        Rule.UNSAFE_MARKUP,
                        "copy the file into spec/ and refer to it there",
                    )
        yield from _link_findings(file, number, line, linked)


def _link_findings(file: str, number: int, line: str, linked: list[str]) -> Iterator[Diagnostic]:
    """One error per unsafe link of a line (embedded, a target, an image's :target:, bare text)."""
    uris = [*linked, *(m["uri"] for m in _EMBEDDED.finditer(line))]
    target = _TARGET.match(line) or _IMAGE_TARGET.match(line)
    if target is not None:
        uris.append(target["uri"])
    bad = [u for u in uris if not safe_uri(u)]
    if target is None:  # bare text, outside the links read above
        bad += [m[0] for m in _BARE_URI.finditer(_EMBEDDED.sub(" ", line))]
    for uri in bad:
        yield _error(
            file,
            number,
            f"link '{uri[:60]}' uses a scheme the site does not publish (only http, https, mailto "
            "and relative links)",
            Rule.UNSAFE_LINK,
            "link an http(s) page, or write the text so that it is not a link (for example in ``code``)",
        )


def _conflict_findings(file: str, lines: list[str]) -> Iterator[Diagnostic]:
    inside = False
    for number, line in enumerate(lines, start=1):
        marker = bool(_CONFLICT.match(line)) or (inside and bool(_CONFLICT_MIDDLE.match(line)))
        if not marker:
            continue
        inside = not line.startswith(">")
        yield _error(
            file,
            number,
            f"unresolved merge-conflict marker '{line[:7]}'",
            Rule.CONFLICT_MARKER,
            "resolve the conflict: keep the right text and delete the <<<<<<<, ======= and >>>>>>> lines",
        )


def _control_findings(file: str, text: str) -> Iterator[Diagnostic]:
    starts: list[int] = []  # offset of each line as docutils splits them (str.splitlines)
    offset = 0
    for piece in text.splitlines(keepends=True):
        starts.append(offset)
        offset += len(piece)
    for match in re.finditer(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", text):
        char = match[0]
        if unicodedata.category(char) != "Cc":
            continue
        line = bisect.bisect_right(starts, match.start())
        yield _error(
            file,
            max(line, 1),
            f"control character U+{ord(char):04X} in the text (invisible; spreadsheets and XML refuse it)",
            Rule.CONTROL_CHAR,
            "delete it (an editor's 'show invisibles' shows where it is)",
        )


def check_text(text: str, file: str, respondent: Iterable[int] = ()) -> list[Diagnostic]:
    """Every finding of the whole-file checks in one source's text.

    ``respondent`` holds the (0-based) lines of respondents' stored text: shown as plain text on
    the site, so a ``javascript:`` a respondent typed is their words, not a link to refuse.
    """
    lines = text.splitlines()
    depth = max(len(file.split("/")) - 2, 0)  # folders between the spec folder and the file
    found = list(_control_findings(file, text))
    found += _conflict_findings(file, lines)
    clean = [line.expandtabs(8).rstrip() for line in lines]
    markup = _blank_literal_blocks(clean)
    for index in respondent:
        if 0 <= index < len(markup):
            markup[index] = ""
    found += _directive_findings(file, markup)
    found += _inline_findings(file, markup, depth)
    return found


#: Directives whose body docutils shows as literal text (no markup, no links, no directives).
_LITERAL = frozenset({"code-block", "code", "sourcecode", "literalinclude", "math"})


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _blank_literal_blocks(lines: list[str]) -> list[str]:
    """``lines`` with the bodies of literal blocks (``::`` paragraphs, code directives) blanked:
    an example of ``.. raw::`` shown as code is text, not markup."""
    out = list(lines)
    index = 0
    while index < len(lines):
        line = lines[index]
        match = _DIRECTIVE.match(line)
        literal = (match is not None and match["name"] in _LITERAL) or (
            match is None and line.endswith("::") and not line.lstrip().startswith("..")
        )
        index += 1
        if not literal:
            continue
        base = _indent(line)
        if match is not None:  # the directive's options stay visible to the checks (:file: ...)
            while index < len(lines) and lines[index] and _indent(lines[index]) > base:
                index += 1
        while index < len(lines) and (not lines[index] or _indent(lines[index]) > base):
            out[index] = ""
            index += 1
    return out


#: Needs whose text is a respondent's, stored in parts (each part fits a cell; the whole need need
#: not), and shown as plain text.
RESPONDENT_TEXT = frozenset({"ccomment"})


def check_need_values(
    file: str, line: int, directive: str, need_id: str, values: Iterable[tuple[str, str, int]]
) -> Iterator[Diagnostic]:
    """Values (``(what, text, line)``: title, fields, then the text) of one need: no dynamic
    function in a title or field, and nothing longer than a spreadsheet cell keeps."""
    for name, value, at in values:
        if name != "text" and _DYNAMIC.search(value):
            yield _error(
                file,
                at,
                f"'[[...]]' in the {name} of '{need_id or 'this need'}' is a sphinx-needs dynamic "
                "function, run at build time",
                Rule.UNSAFE_MARKUP,
                "write the value itself",
            )
        if len(value) > MAX_CELL and directive not in RESPONDENT_TEXT:
            yield _error(
                file,
                line,
                f"the {name} of '{need_id or 'this need'}' is {len(value):,} characters; a spreadsheet cell "
                f"keeps {MAX_CELL:,} (a consultation workbook would cut it)",
                Rule.TOO_LONG,
                "split it into several needs, or move detail into a referenced document",
            )
