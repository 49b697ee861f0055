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
  spec folder or of a kind a browser runs script in (SVG, HTML, XML, JavaScript);
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
#: Files an image or download may not be: a browser runs script in them when they are opened
#: from the site (CSP meta tags do not reach them).
ACTIVE_SUFFIXES = frozenset(
    {".svg", ".svgz", ".html", ".htm", ".xhtml", ".xht", ".xml", ".xsl", ".xslt", ".js", ".mjs", ".swf"}
)
#: Roles refused in spec sources (they evaluate filters as Python).
REFUSED_ROLES = frozenset({"need_count", "ndf", "variant"})
#: Options that make an otherwise harmless directive read a file or a URL.
FILE_OPTIONS = frozenset({"file", "url"})
#: Schemes docutils turns into a link when written bare in text, and that can run script or read files.
_BARE_DANGEROUS = "javascript|vbscript|livescript|data|file|jar|blob|filesystem"

_SPACE = r"[ \t]"
_DIRECTIVE = re.compile(rf"^(?P<indent>{_SPACE}*)\.\. +(?P<name>[\w.+:-]+?) ?::(?: +(?P<arg>.*))?$", re.M)
_FILE_OPTION = re.compile(rf"^{_SPACE}+:(?P<name>file|url):", re.M)
_RAW_ROLE = re.compile(rf"^{_SPACE}*\.\. +role:: +[\w.-]+ *\( *raw *\)", re.M)
_REFUSED_ROLE = re.compile(r"(?<![\w`]):(?P<name>" + "|".join(sorted(REFUSED_ROLES)) + r"):`")
_DYNAMIC = re.compile(r"\[\[ *\w+ *\(")
_BARE_URI = re.compile(rf"(?<![\w.+-])(?P<scheme>{_BARE_DANGEROUS}):[^\s`<>]+", re.IGNORECASE)
_EMBEDDED = re.compile(r"<(?P<uri>[^<>\s`]+)>`_{1,2}")
_TARGET = re.compile(rf"^{_SPACE}*\.\. +_[^:\n]*: *(?P<uri>\S+)", re.M)
_IMAGE_TARGET = re.compile(rf"^{_SPACE}+:target: *(?P<uri>\S+)", re.M)
_SCHEME = re.compile(r"^\s*(?P<scheme>[A-Za-z][A-Za-z0-9.+-]*)\s*:")
_PATHS = re.compile(
    rf"^{_SPACE}*\.\. +(?:image|figure):: *(?P<path>\S+)|:download:`(?:[^`<\n]*<)?(?P<dl>[^`>\n]+)>?`", re.M
)
_CONFLICT = re.compile(r"^(?:(?P<edge>(?:<{7}|>{7}|\|{7}))(?: .*)?|={7})$", re.M)
#: Lines that start a literal block: a code directive, or a paragraph line ending in ``::``.
_LITERAL_START = re.compile(
    rf"^(?P<indent>{_SPACE}*)(?:\.\. +(?P<name>code-block|code|sourcecode|literalinclude|math) ?::.*"
    rf"|(?!\.\.)\S.*::)$",
    re.M,
)
#: Line ends other than \n, where str.splitlines (and docutils) break lines but a regex does not.
_OTHER_LINE_ENDS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


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


Found = Iterator[tuple[int, Diagnostic]]  # (line, finding): the line decides if a literal block hides it


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


#: A refused directive (or smets-source), found by its literal ``..`` prefix (fast), then checked to
#: start its line.
_WATCHED = re.compile(
    r"\.\. +(?P<name>(?:[\w-]+:)?(?:"
    + "|".join(
        re.escape(name) for name in sorted({*REFUSED_DIRECTIVES, "smets-source"}, key=len, reverse=True)
    )
    + r")) ?::(?: +(?P<arg>.*))?$",
    re.M,
)


def _starts_line(text: str, offset: int) -> bool:
    head = text[text.rfind("\n", 0, offset) + 1 : offset]
    return not head.strip(" \t")


def _directive_findings(file: str, text: str) -> Found:
    for match in _WATCHED.finditer(text):
        if not _starts_line(text, match.start()):
            continue
        name = match["name"].rsplit(":", 1)[-1]  # rst:raw, std:include...
        arg = (match["arg"] or "").strip()
        if name in REFUSED_DIRECTIVES:
            line = _line(text, match.start())
            yield (
                line,
                _error(
                    file,
                    line,
                    f"'.. {match['name']}::' is not allowed in spec sources: it {REFUSED_DIRECTIVES[name]}",
                    Rule.UNSAFE_MARKUP,
                    _DIRECTIVE_FIX,
                ),
            )
        elif name == "smets-source" and arg.split(":")[0].split(".")[0] != "smets_spec":
            line = _line(text, match.start())
            yield (
                line,
                _error(
                    file,
                    line,
                    f"'.. smets-source:: {arg}' would import a module from outside smets_spec at build time",
                    Rule.UNSAFE_MARKUP,
                    "list the source of a smets_spec model or test (smets_spec.reference... or "
                    "smets_spec.conformance...)",
                ),
            )
    if ":file:" in text or ":url:" in text:
        directives = list(_DIRECTIVE.finditer(text))
        starts = [m.start() for m in directives]
        for option in _FILE_OPTION.finditer(text):
            owner = bisect.bisect_left(starts, option.start()) - 1
            name = directives[owner]["name"] if owner >= 0 else "a directive"
            line = _line(text, option.start())
            yield (
                line,
                _error(
                    file,
                    line,
                    f"option ':{option['name']}:' of '{name}' reads a file or URL into the page",
                    Rule.UNSAFE_MARKUP,
                    "put the data in the source itself",
                ),
            )
    for role in _RAW_ROLE.finditer(text) if "role::" in text else ():
        line = _line(text, role.start())
        yield (
            line,
            _error(
                file,
                line,
                "a role based on 'raw' publishes HTML as written",
                Rule.UNSAFE_MARKUP,
                "use plain reST roles",
            ),
        )


def _inline_findings(file: str, text: str, depth: int) -> Found:
    roles = any(f":{name}:`" in text for name in REFUSED_ROLES)
    for role in _REFUSED_ROLE.finditer(text) if roles else ():
        line = _line(text, role.start())
        yield (
            line,
            _error(
                file,
                line,
                f"role ':{role['name']}:' evaluates a filter as Python at build time",
                Rule.UNSAFE_MARKUP,
                "write the value, or link the needs with :need:",
            ),
        )
    for path in _PATHS.finditer(text) if _has_paths(text) else ():
        target = path["path"] or path["dl"] or ""
        if not safe_uri(target) or scheme_of(target) is not None:
            continue  # a link with a scheme is checked with the links
        line = _line(text, path.start())
        suffix = "" if target.endswith(".*") else posixpath.splitext(target.lower())[1]
        if suffix in ACTIVE_SUFFIXES or target.endswith(".*"):
            yield (
                line,
                _error(
                    file,
                    line,
                    f"'{target}' would be published as a file of the site that a browser can run "
                    f"({suffix or 'a wildcard, which may pick an SVG'}: script runs when it is opened)",
                    Rule.UNSAFE_MARKUP,
                    "use a PNG or JPEG image; put documents in the text",
                ),
            )
        if target.startswith("/"):
            continue  # Sphinx reads /x from the source folder
        inside = posixpath.normpath(posixpath.join(*(["x"] * depth), target)) if depth else target
        if posixpath.normpath(inside).startswith(".."):
            yield (
                line,
                _error(
                    file,
                    line,
                    f"'{target}' is outside the spec folder",
                    Rule.UNSAFE_MARKUP,
                    "copy the file into spec/ and refer to it there",
                ),
            )


def _has_paths(text: str) -> bool:
    return "image::" in text or "figure::" in text or ":download:" in text


def _link_findings(file: str, text: str) -> Found:
    """One error per unsafe link (embedded, a target, an image or its :target:, bare text)."""
    links: list[tuple[int, int, str]] = []  # (start, end, uri)
    patterns = (
        (_EMBEDDED, "uri", ">`_" in text),
        (_TARGET, "uri", ".. _" in text),
        (_IMAGE_TARGET, "uri", ":target:" in text),
        (_PATHS, "path", _has_paths(text)),
    )
    for pattern, group, present in patterns:
        for match in pattern.finditer(text) if present else ():
            uri = match[group] or ""
            if uri and not safe_uri(uri) and not (group == "path" and uri.lower().startswith("data:image/")):
                links.append((match.start(group), match.end(group), uri))
    covered = sorted((start, end) for start, end, _ in links)
    lower = text.lower()
    bare = any(f"{scheme}:" in lower for scheme in _BARE_DANGEROUS.split("|"))
    for match in _BARE_URI.finditer(text) if bare else ():
        at = bisect.bisect_right(covered, (match.start(), len(text))) - 1
        if at < 0 or covered[at][1] <= match.start():
            links.append((match.start(), match.end(), match[0]))
    reported: set[tuple[int, str]] = set()
    for start, _, uri in sorted(links):
        line = _line(text, start)
        if (line, uri) in reported:
            continue
        reported.add((line, uri))
        yield (
            line,
            _error(
                file,
                line,
                f"link '{uri[:60]}' uses a scheme the site does not publish (only http, https, mailto "
                "and relative links)",
                Rule.UNSAFE_LINK,
                "link an http(s) page, or write the text so that it is not a link (for example in ``code``)",
            ),
        )


def _conflict_findings(file: str, text: str) -> Iterator[Diagnostic]:
    if "<<<<<<<" not in text and ">>>>>>>" not in text and "|||||||" not in text:
        return
    inside = False
    for match in _CONFLICT.finditer(text):
        edge = match["edge"]
        if edge is None and not inside:
            continue  # ======= alone: a heading's underline
        inside = edge is None or not edge.startswith(">")
        line = _line(text, match.start())
        yield _error(
            file,
            line,
            f"unresolved merge-conflict marker '{match[0][:7]}'",
            Rule.CONFLICT_MARKER,
            "resolve the conflict: keep the right text and delete the <<<<<<<, ======= and >>>>>>> lines",
        )


def _control_findings(file: str, text: str) -> Iterator[Diagnostic]:
    found = list(re.finditer(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", text))
    if not found:
        return
    starts: list[int] = []  # offset of each line as docutils splits them (str.splitlines)
    offset = 0
    for piece in text.splitlines(keepends=True):
        starts.append(offset)
        offset += len(piece)
    for match in found:
        line = bisect.bisect_right(starts, match.start())
        yield _error(
            file,
            max(line, 1),
            f"control character U+{ord(match[0]):04X} in the text "
            "(invisible; spreadsheets and XML refuse it)",
            Rule.CONTROL_CHAR,
            "delete it (an editor's 'show invisibles' shows where it is)",
        )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _literal_lines(text: str) -> set[int]:
    """Lines (1-based) of literal-block bodies (``::`` paragraphs, code directives): an example
    of ``.. raw::`` shown as code is text, not markup, as docutils reads it."""
    if "::\n" not in text and not text.endswith("::"):
        return set()
    starts = list(_LITERAL_START.finditer(text))
    if not starts:
        return set()
    lines = [line.expandtabs(8).rstrip() for line in text.split("\n")]
    hidden: set[int] = set()
    for match in starts:
        index = _line(text, match.start())  # the 0-based index of the line after it
        base = _indent(lines[index - 1])
        if match["name"]:  # the directive's options stay visible to the checks (:file: ...)
            while index < len(lines) and lines[index] and _indent(lines[index]) > base:
                index += 1
        while index < len(lines) and (not lines[index] or _indent(lines[index]) > base):
            hidden.add(index + 1)
            index += 1
    return hidden


def check_text(text: str, file: str, respondent: Iterable[int] = ()) -> list[Diagnostic]:
    """Every finding of the whole-file checks in one source's text (regular expressions over the
    whole text: the reader stays fast on thousands of files).

    ``respondent`` holds the (0-based) lines of respondents' stored text: shown as plain text on
    the site, so a ``javascript:`` a respondent typed is their words, not a link to refuse.
    """
    found = list(_control_findings(file, text))
    if _OTHER_LINE_ENDS.search(text):
        text = "\n".join(text.splitlines())  # line numbers as docutils counts them
    found += _conflict_findings(file, text)
    depth = max(len(file.split("/")) - 2, 0)  # folders between the spec folder and the file
    hidden = _literal_lines(text) | {index + 1 for index in respondent}
    for line, finding in (
        *_directive_findings(file, text),
        *_inline_findings(file, text, depth),
        *_link_findings(file, text),
    ):
        if line not in hidden:
            found.append(finding)
    return found


#: Needs whose text is a respondent's, stored in parts (each part fits a cell; the whole need need
#: not), and shown as plain text.
RESPONDENT_TEXT = frozenset({"ccomment"})


def need_values_suspect(title: str, content: str, options: list[str]) -> bool:
    """Whether :func:`check_need_values` could find anything (a cheap test first)."""
    if len(content) > MAX_CELL or len(title) > MAX_CELL or "[[" in title:
        return True
    return any("[[" in value or len(value) > MAX_CELL for value in options)


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
