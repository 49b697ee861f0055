"""The site's view of the analysis: the findings page and the panel on each requirement page.

Pure functions of the corpus (and the suppression file beside it): the page is
reStructuredText headings around raw HTML blocks, the panel an HTML fragment,
their links made by a :class:`~smets_spec.markup.html.Linker`;
``smets_spec.sphinx.duplicates`` registers the page directive, and importing
this module registers the requirement-page panel.
The analysis runs once per corpus and suppression file and is cached; a build's scan starts from
the state the project's last scan kept (store.py), with the same findings as a full scan.
"""

from __future__ import annotations

import atexit
import errno
import multiprocessing
import os
import pickle
import stat as statmod
import tempfile
import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import IO, Any

from .. import forking
from ..corpus.cachedir import switched_off
from ..corpus.diagnostics import Diagnostic
from ..corpus.load import Corpus
from ..corpus.usercache import digest, read_entry, write_entry
from ..markup.html import Linker, esc, need_link, raw_block, table
from ..markup.panels import html_panel
from ..markup.rst import heading
from . import store
from .classify import Finding, Kind, marked
from .incremental import quick
from .items import ReaderTexts, Source, from_corpus
from .report import TITLES, mark
from .scan import Scan, scan
from .suppress import Outcome, Suppressions, apply, fingerprint, load_suppressions
from .terms import TermFinding
from .text import normalised

SUPPRESSIONS = Path("reviews") / "duplicates.toml"
_REVIEWS = str(SUPPRESSIONS)
PAGE = "quality/duplicates"


#: Findings of one class shown in full (both texts, marked) on the page; the rest are listed in a table.
BLOCKS = 200
#: Rows of a class's table, at most (the rest are counted; `smets dups --class X` lists them all).
ROWS = 1000


@dataclass
class Analysis:
    scan: Scan
    outcome: Outcome
    problems: list[Diagnostic]
    path: Path | None
    by_need: dict[str, list[Finding]] = field(default_factory=dict)
    terms_by_need: dict[str, list[TermFinding]] = field(default_factory=dict)
    blocks: set[int] = field(default_factory=set)  # id() of the findings shown in full, with an anchor

    def index(self) -> Analysis:
        for finding in self.outcome.active:
            for need_id in finding.ids:
                self.by_need.setdefault(need_id, []).append(finding)
        for term in self.outcome.terms:
            for need_id in term.flagged:
                self.terms_by_need.setdefault(need_id, []).append(term)
        for kind in Kind:
            if kind is not Kind.PARALLEL:
                shown = [f for f in self.outcome.active if f.kind is kind][:BLOCKS]
                self.blocks.update(id(f) for f in shown)
        return self


_CACHE: dict[tuple[int, int], tuple[weakref.ref[Corpus], Analysis]] = {}


def suppression_file(corpus: Corpus) -> Path | None:
    return corpus.source / SUPPRESSIONS if corpus.source is not None else None


def analysis(corpus: Corpus) -> Analysis:
    """The scan of ``corpus`` with its reviewed findings applied (cached per corpus and review file)."""
    if quick():
        stamp = _stamp(corpus)
    else:
        path = suppression_file(corpus)
        stamp = path.stat().st_mtime_ns if path is not None and path.is_file() else 0
    key = (id(corpus), stamp)
    cached = _CACHE.get(key)
    if cached is not None and cached[0]() is corpus:
        return cached[1]
    with store.no_gc():
        found = _analysis(corpus, suppression_file(corpus))
    for old in [k for k, (ref, _) in _CACHE.items() if ref() is None or k[0] == id(corpus)]:
        del _CACHE[old]
    _CACHE[key] = (weakref.ref(corpus), found)
    return found


#: the errors ``Path.is_file`` reads as "no file" (pathlib._IGNORED_ERRNOS)
_NO_FILE = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)


def _stamp(corpus: Corpus) -> int:
    """The review file's ``st_mtime_ns`` when it is a file, else 0, from one ``stat`` (what
    ``path.stat().st_mtime_ns if path.is_file() else 0`` gives: the panel asks it once a page)."""
    if corpus.source is None:
        return 0
    try:
        status = os.stat(os.path.join(corpus.source, _REVIEWS))  # noqa: PTH116, PTH118 (no Path made a page)
    except OSError as exc:
        if exc.errno in _NO_FILE:
            return 0
        raise
    except ValueError:
        return 0
    return status.st_mtime_ns if statmod.S_ISREG(status.st_mode) else 0


def _analysis(corpus: Corpus, path: Path | None) -> Analysis:
    result = _received(corpus)
    if result is not None:  # the scan a forked copy made from the same corpus (:func:`scan_beside`)
        source = result.source
    else:
        kept = _kept(corpus)
        if kept is not None and quick():
            memo = ReaderTexts(kept[0].texts if kept[0] is not None else None)
            source = from_corpus(corpus, texts=memo)
        else:
            memo, source = None, from_corpus(corpus)
        result = _scan(corpus, source, kept, memo)
    suppressions, problems = (
        load_suppressions(path, source.all_ids, SUPPRESSIONS.as_posix())
        if path is not None
        else (Suppressions(), [])
    )
    texts = {item.id: item.text for item in source.items()}
    outcome = apply(result.findings, result.terms, suppressions, texts)
    # a finding recorded as known and open is real: the site keeps showing it (only the exit code
    # of `smets dups` leaves it out)
    outcome.active += [f for f, s in outcome.suppressed if s.status == "open"]
    outcome.suppressed = [(f, s) for f, s in outcome.suppressed if s.status != "open"]
    outcome.terms += [t for t, s in outcome.terms_suppressed if s.status == "open"]
    return Analysis(result, outcome, problems, path).index()


#: ``SMETS_RENDER_CACHE=off`` also switches off the scan state kept between builds
SWITCH = "SMETS_RENDER_CACHE"


def _kept(corpus: Corpus) -> tuple[store.State | None] | None:
    """The state the project's last scan kept, (None,) when there is none to read, None when the
    scan keeps none (no project folder, or switched off)."""
    if corpus.source is None or switched_off(SWITCH):
        return None
    store.settle()
    return (store.load(corpus.source),)


def _scan(
    corpus: Corpus,
    source: Source,
    kept: tuple[store.State | None] | None = None,
    memo: ReaderTexts | None = None,
) -> Scan:
    """The scan of ``source``; with a project folder, from the state its last scan kept (store.py:
    the same findings, the unchanged pairs reused) in the user cache folder (``kept``: read
    already; ``memo``: the reader texts ``source`` was made with, kept with the state)."""
    if kept is None:
        kept = _kept(corpus)
    if kept is None or corpus.source is None:
        return scan(source)
    state = kept[0]
    result, new = _rescan(source, state, memo)
    if new == state:  # nothing changed: the entry stays as it is
        return result
    if state is None:  # a full scan (a cold build): written here, not by a forked copy of a
        store.save(corpus.source, new)  # process that still holds the scan's tables
    else:
        store.save_beside(corpus.source, new)
    return result


def _rescan(source: Source, state: store.State | None, memo: ReaderTexts | None) -> tuple[Scan, store.State]:
    """The scan of ``source`` from the kept ``state``, and the state to keep (with the reader texts
    of ``memo``, those ``source`` was made with)."""
    result, new = store.scan_kept(source, state)
    if memo is not None:
        new.texts = memo.used
    return result, new


#: ``SMETS_DUPS_BESIDE=off``: the scan after an edit runs in the build's process when the site first
#: asks for it (as before), not in a forked copy started as the build starts (:func:`scan_beside`)
BESIDE_SWITCH = "SMETS_DUPS_BESIDE"


@dataclass
class _Beside:
    """A scan running in a forked copy: of which corpus, the copy, the end of its pipe (it says when
    the scan is written, and how many bytes), and the unnamed file it writes the scan to."""

    corpus: weakref.ref[Corpus]
    process: BaseProcess
    conn: Connection
    file: IO[bytes]
    #: the process that started (or adopted) the copy: the only one that may take its scan
    owner: int = field(default_factory=os.getpid)

    def close(self) -> None:
        self.conn.close()
        self.file.close()
        store.adopt(self.process)  # joined by store.settle (or as this process exits)


_BESIDE: list[_Beside] = []
_EXIT_HOOK: list[bool] = []


def _mine() -> list[_Beside]:
    """:data:`_BESIDE`, after letting go of the copies another process started: in a copy forked
    from the process that started them (a page writer, the comparison's copy) they are that
    process's, whose pipe this one must not read from (it would take the scan from its owner) nor
    join; such a copy finds no scan beside and scans what it needs itself."""
    if _BESIDE and _BESIDE[-1].owner != os.getpid():
        _BESIDE.clear()
    return _BESIDE


def scan_beside(corpus: Corpus) -> bool:
    """Start the scan :func:`analysis` makes of ``corpus`` in a forked copy of this process, which
    hands it back and then writes the state to keep; :func:`analysis` of the same corpus object
    takes it instead of scanning here. True when a copy was started.

    The copy scans while this process loads Sphinx's environment (an edit) or starts its build (a
    cold build, where the full scan is about a tenth of the main process's CPU at 10,000
    requirements: cold builds at 10,000, three each, 34.5-36.3 s of wall time against 36.7-37.4 s);
    with no project folder, ``SMETS_DUPS_BESIDE=off`` (or the switches that turn the kept state
    off), in a daemon process or where the platform cannot fork, nothing is started and the scan
    runs here as ever.
    The copy runs :func:`_analysis`'s own steps (the same scan, the same state written). It hands
    the scan over (pickled: between this process and its own copy, never through the user cache)
    in an unnamed temporary file this process opened, and says on a pipe when it is there: the
    copy never waits for this process, and ends as soon as its work is done.
    """
    forget_beside()
    if not beside_wanted(corpus) or not forking.may_fork():
        return False
    store.settle()  # the copy reads the newest state
    try:
        file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _Beside.close)
    except OSError:
        return False
    reader, writer = multiprocessing.get_context("fork").Pipe(duplex=False)
    try:
        child = forking.start(_scan_copy, (corpus, file, reader, writer), "smets-dups-scan")
    except OSError:
        child = None
    writer.close()
    if child is None:
        reader.close()
        file.close()
        return False
    adopt_beside(corpus, child, reader, file)
    return True


def beside_wanted(corpus: Corpus) -> bool:
    """Whether the scan of ``corpus`` is one :func:`scan_beside` would start in a forked copy (a
    project folder, a kept state, the switches on), where the platform can fork."""
    return corpus.source is not None and not switched_off(BESIDE_SWITCH, SWITCH) and quick()


def adopt_beside(corpus: Corpus, child: BaseProcess, reader: Connection, file: IO[bytes]) -> None:
    """Count ``child``, forked to run :func:`scan_in_copy` of a corpus equal to ``corpus`` (``reader``
    the receiving end of its pipe, ``file`` the one it writes the scan to), as the copy
    :func:`scan_beside` starts for ``corpus``: :func:`analysis` of ``corpus`` takes its scan."""
    if not _EXIT_HOOK:  # registered after multiprocessing's own: run before it
        atexit.register(forget_beside)
        _EXIT_HOOK.append(True)
    _BESIDE.append(_Beside(weakref.ref(corpus), child, reader, file))


def _scan_copy(corpus: Corpus, file: IO[bytes], theirs: Connection, conn: Connection) -> None:
    """In the forked copy: :func:`_analysis`'s scan of ``corpus`` (its state read, the scan), written
    to ``file``, its size sent on ``conn`` (None when anything failed: the build then scans
    itself), then the new state written. ``theirs`` (the build's end of the pipe) is closed here."""
    theirs.close()
    assert corpus.source is not None
    state: store.State | None = None
    result: tuple[Scan, store.State] | None = None
    size: int | None = None
    with store.no_gc():
        try:
            kept = _kept(corpus)
            if kept is not None:
                state = kept[0]
                memo = ReaderTexts(state.texts if state is not None else None)
                result = _rescan(from_corpus(corpus, texts=memo), state, memo)
                size = forking.write_pickled(file, result[0])
        except Exception:
            result, size = None, None
        try:
            conn.send(size)  # a few bytes: never waits for the build
        except OSError:
            result = None
        conn.close()
        file.close()
        if result is not None and result[1] != state:
            store.save(corpus.source, result[1])


def scan_in_copy(corpus: Corpus, file: IO[bytes], theirs: Connection, conn: Connection) -> None:
    """In a forked copy that :func:`adopt_beside` counts: what the copy :func:`scan_beside` starts
    runs (the scan of ``corpus`` written to ``file``, its size sent on ``conn``, then the new state
    written; ``theirs``, the other end of the pipe, closed here)."""
    _scan_copy(corpus, file, theirs, conn)


def _received(corpus: Corpus) -> Scan | None:
    """The scan of ``corpus`` a forked copy made (:func:`scan_beside`), or None (none started for
    this corpus object, or it failed). The copy may still be writing the state (joined by
    ``store.settle``)."""
    if not _mine():
        return None
    beside = _BESIDE.pop()
    got: object = None
    if beside.corpus() is corpus:
        with store.no_gc():
            try:
                size = beside.conn.recv()
                if type(size) is int:
                    got = forking.read_pickled(beside.file, size)
            except (EOFError, OSError, pickle.UnpicklingError):
                got = None
    beside.close()
    return got if isinstance(got, Scan) else None


def scan_running(corpus: Corpus) -> bool:
    """Whether a forked copy (:func:`scan_beside`) still scans ``corpus``: its scan is neither
    taken nor sent yet (:func:`analysis` of ``corpus`` would wait for it)."""
    if not _mine() or _BESIDE[-1].corpus() is not corpus:
        return False
    try:
        return not _BESIDE[-1].conn.poll()
    except (EOFError, OSError):
        return False


def started_for(corpus: Corpus) -> bool:
    """Whether a forked copy (:func:`scan_beside`) was started for this very corpus object and its
    scan is not taken yet (it may be done)."""
    return bool(_mine()) and _BESIDE[-1].corpus() is corpus


def forget_beside() -> None:
    """Let go of any copy whose scan was not taken (the build did not need it; joined by
    ``store.settle``, or as this process exits). Called at the end of a build, and as this
    process exits."""
    while _mine():
        _BESIDE.pop().close()


def anchor(finding: Finding) -> str:
    return (
        f"smets-dups-{finding.kind.value}-{finding.a.id}-{finding.b.id}".lower()
        .replace(".", "-")
        .replace("_", "-")
    )


def _lines(text: str) -> str:
    """User text as HTML: escaped, its line breaks kept."""
    return "<br>".join(esc(line) for line in text.strip().splitlines())


def _marked(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` (one line), escaped, with the spans in bold."""
    return mark(text, spans, lambda w: f"<strong>{esc(w)}</strong>", esc)


def _finding_block(
    finding: Finding, outcome: Outcome, corpus: Corpus, linker: Linker, memo: Marks | None = None
) -> str:
    """One finding in full: its pair, scores and reason, then both texts; ``id`` is its anchor."""
    text_a, text_b = _texts(finding, memo)
    scores = ", ".join(f"{k} {v:.2f}" for k, v in finding.scores.items())
    out = [
        f'<div class="smets-dups-finding" id="{esc(anchor(finding))}">',
        f"<p><strong>{esc(finding.a.id)} and {esc(finding.b.id)}</strong>: {esc(finding.kind.value)}, "
        f"score {finding.score:.2f} ({esc(scores)}). {_lines(finding.reason)}</p>",
    ]
    stale = outcome.stale.get(id(finding))
    if stale is not None:
        out.append(
            f"<p><em>Reviewed ({_lines(stale[0].reason)}), but the text of "
            f"{esc(', '.join(stale[1]))} changed since.</em></p>"
        )
    rows = "".join(
        f"<tr><td>{need_link(corpus, linker, item.id, show_title=True)}</td><td>{text}</td></tr>"
        for item, text in ((finding.a, text_a), (finding.b, text_b))
    )
    out.append(
        '<div class="smets-scroll"><table class="smets-list smets-dups-pair"><colgroup>'
        f'<col style="width: 15%"><col style="width: 85%"></colgroup><tbody>{rows}</tbody></table></div>'
    )
    return "".join(out) + "</div>"


def _section(finding: Finding) -> str:
    a, b = finding.a.section or finding.a.group, finding.b.section or finding.b.group
    return a if a == b else f"{a} and {b}"


def _terms_table(terms: list[TermFinding], corpus: Corpus, linker: Linker) -> str:
    rows = []
    for term in terms:
        used = "; ".join(
            f"{esc(form)}: {', '.join(need_link(corpus, linker, i, show_title=True) for i in ids[:10])}"
            + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
            for form, ids in term.forms.items()
        )
        rows.append([esc(term.check), _lines(term.message), used])
    return table(["Check", "Finding", "Used in"], rows, "smets-list smets-dups-terms")


Spans = list[tuple[int, int]]

#: the user-cache kind of the findings page's kept spans (:class:`Marks`)
MARKS = "dups-marks"


class Marks:
    """The spans :func:`~.classify.marked` gives for a finding's two normalised texts, kept between
    builds (``dups-marks/`` in the user cache, keyed as the scan's state: the project's folder and
    every module of the analysis) by the digest of what it reads: the two texts, and the finding's
    signals when it is a rule-found conflict. Only spans are kept (pairs of ints within the text,
    checked when used; anything else is computed again): the page escapes every text as before,
    so a planted entry can at worst put bold in the wrong place, never markup."""

    def __init__(self, project: Path, folder: Path | None = None) -> None:
        self.key, self.folder = store.entry_key(project), folder
        data = read_entry(MARKS, self.key, folder)
        self.kept: dict[str, Any] = data if isinstance(data, dict) else {}
        self.used: dict[str, tuple[Spans, Spans]] = {}

    def spans(self, finding: Finding, text_a: str, text_b: str) -> tuple[Spans, Spans]:
        # what classify.marked hands to highlight
        rule_found = finding.kind is Kind.CONFLICT and finding.scores.get("pattern") == 0.0
        a, b = text_a or finding.a.text, text_b or finding.b.text
        key = digest(["1" if rule_found else "0", a, b, *(finding.signals if rule_found else ())])
        got = self.used.get(key)
        if got is None:
            got = _spans(self.kept.get(key), len(text_a), len(text_b))
        if got is None:
            spans_a, spans_b = marked(finding, text_a, text_b)
            got = (list(spans_a), list(spans_b))
        self.used[key] = got
        return got

    def save(self) -> None:
        """The spans this page used, when they are not the entry read (atomically, as every entry)."""
        value = {k: [[list(s) for s in a], [list(s) for s in b]] for k, (a, b) in self.used.items()}
        if value != self.kept:
            write_entry(MARKS, self.key, value, self.folder)


def _spans(value: object, length_a: int, length_b: int) -> tuple[Spans, Spans] | None:
    """A kept value: two lists of ``[start, end]`` ints, ``0 <= start < end <= length`` (else None)."""
    if not (isinstance(value, list) and len(value) == 2):
        return None
    out: list[Spans] = []
    for spans, length in zip(value, (length_a, length_b), strict=True):
        if not isinstance(spans, list):
            return None
        got: Spans = []
        for span in spans:
            if not (
                isinstance(span, list)
                and len(span) == 2
                and type(span[0]) is int
                and type(span[1]) is int
                and 0 <= span[0] < span[1] <= length
            ):
                return None
            got.append((span[0], span[1]))
        out.append(got)
    return out[0], out[1]


def _marks(corpus: Corpus) -> Marks | None:
    """The kept spans for the page (None with no project folder, ``SMETS_DUPS_EDIT=off`` or
    ``SMETS_RENDER_CACHE=off``: every finding marked again, as before)."""
    if not quick() or corpus.source is None or switched_off(SWITCH):
        return None
    return Marks(corpus.source)


def _texts(finding: Finding, memo: Marks | None = None) -> tuple[str, str]:
    text_a, text_b = normalised(finding.a.text), normalised(finding.b.text)
    if memo is None:
        spans_a, spans_b = marked(finding, text_a, text_b)
    else:
        spans_a, spans_b = memo.spans(finding, text_a, text_b)
    return _marked(text_a, spans_a), _marked(text_b, spans_b)


def _table(findings: list[Finding], corpus: Corpus, linker: Linker, memo: Marks | None = None) -> str:
    """One row per finding: the pair and score, both texts with the differing words in bold, the reason."""
    rows = []
    for f in findings:
        text_a, text_b = _texts(f, memo)
        pair = (
            f"{need_link(corpus, linker, f.a.id, show_title=True)} and "
            f"{need_link(corpus, linker, f.b.id, show_title=True)}, {f.score:.2f}"
        )
        texts = f"<p>{esc(f.a.id)}: {text_a}</p><p>{esc(f.b.id)}: {text_b}</p>"
        rows.append([pair, texts, _lines(f.reason)])
    return table(["Pair", "Texts", "Reason"], rows, "smets-list smets-dups-table")


def _class_section(
    findings: list[Finding], found: Analysis, corpus: Corpus, linker: Linker, memo: Marks | None = None
) -> str:
    """Findings of one class by section: in full with an anchor (up to BLOCKS), else in tables."""
    out: list[str] = []
    listed = findings[: max(ROWS, len(found.blocks))]
    by_section: dict[str, list[Finding]] = defaultdict(list)
    for finding in listed:
        by_section[_section(finding)].append(finding)
    for section in sorted(by_section):
        out.append(heading(section, "~"))
        html = [
            _finding_block(f, found.outcome, corpus, linker, memo)
            for f in by_section[section]
            if id(f) in found.blocks
        ]
        rest = [f for f in by_section[section] if id(f) not in found.blocks]
        if rest:
            html.append(_table(rest, corpus, linker, memo))
        out.append(raw_block("".join(html)))
    if len(findings) > len(listed):
        kind = esc(findings[0].kind.value)
        more = f"<code>smets dups --class {kind}</code>"
        out.append(raw_block(f"<p>And {len(findings) - len(listed)} more: {more} lists them all.</p>"))
    return "\n".join(out)


def _problems(found: Analysis) -> str:
    """The error box shown when the review file cannot be read ("" when it can)."""
    if not found.problems:
        return ""
    items = "".join(f"<li><code>{esc(p.format().splitlines()[0])}</code></li>" for p in found.problems)
    return raw_block(
        '<div class="admonition error"><p class="admonition-title">Error</p>'
        "<p>The review file cannot be read; <code>smets dups</code> shows the same errors:</p>"
        f"<ul>{items}</ul></div>"
    )


def _summary(found: Analysis) -> str:
    outcome = found.outcome
    counts = {kind: sum(1 for f in outcome.active if f.kind is kind) for kind in Kind}
    compared = ", ".join(f"{n} {group}" for group, n in found.scan.compared.items())
    return raw_block(
        f"<p>Compared {esc(compared)}. Open findings: "
        + ", ".join(f"{counts[k]} {esc(k.value)}" for k in Kind)
        + f"; {len(outcome.terms)} terminology; {len(outcome.suppressed)} reviewed and suppressed "
        f"(<code>spec/{esc(SUPPRESSIONS.as_posix())}</code>). Differing words are in bold.</p>"
    )


def _suppressed(outcome: Outcome, corpus: Corpus, linker: Linker) -> str:
    items = "".join(
        f"<li>{need_link(corpus, linker, f.a.id, show_title=True)} and "
        f"{need_link(corpus, linker, f.b.id, show_title=True)}, {esc(f.kind.value)}: {_lines(s.reason)} "
        f"(reviewed by {esc(s.reviewer)}; fingerprints {fingerprint(f.a.text)} {fingerprint(f.b.text)})</li>"
        for f, s in outcome.suppressed
    )
    return raw_block(f"<ul>{items}</ul>")


def duplicates_page(corpus: Corpus, args: list[str], linker: Linker) -> str:
    """``.. smets-duplicates::``: every finding by class and section, terminology, reviewed findings.

    reST headings (so they appear in the page's contents) around HTML blocks; each finding shown
    in full is a block whose ``id`` is :func:`anchor`, where the requirement-page panel links.
    """
    found = analysis(corpus)
    outcome = found.outcome
    memo = _marks(corpus)
    out = [_problems(found), _summary(found)]
    for kind in Kind:
        findings = [f for f in outcome.active if f.kind is kind]
        if findings:
            out.append(heading(f"{TITLES[kind]} ({len(findings)})", "-"))
            out.append(_class_section(findings, found, corpus, linker, memo))
    if outcome.terms:
        out += [
            heading(f"Terminology ({len(outcome.terms)})", "-"),
            raw_block(_terms_table(outcome.terms, corpus, linker)),
        ]
    if outcome.suppressed:
        out.append(heading(f"Reviewed and suppressed ({len(outcome.suppressed)})", "-"))
        out.append(_suppressed(outcome, corpus, linker))
    if memo is not None:
        memo.save()
    return "\n".join(o for o in out if o) + "\n"


def involved(corpus: Corpus) -> frozenset[str]:
    """The needs :func:`duplicates_panel` shows anything for (in a finding or a terminology
    finding): for every other it gives ""."""
    found = analysis(corpus)
    return frozenset(found.by_need).union(found.terms_by_need)


@html_panel("duplicates", "Duplicates, overlaps and conflicts", order=60)
def duplicates_panel(corpus: Corpus, req_id: str, linker: Linker) -> str:
    """The findings that involve one requirement, linked to the findings page."""
    found = analysis(corpus)
    findings, terms = found.by_need.get(req_id, ()), found.terms_by_need.get(req_id, ())
    if not findings and not terms:
        return ""  # most requirements (every page's panel is asked for after an edit)
    page = linker.doc(PAGE)
    items = []
    for finding in findings:
        other = finding.b.id if finding.a.id == req_id else finding.a.id
        href = f"{page}#{anchor(finding)}" if id(finding) in found.blocks else page
        items.append(
            f"<li>{esc(finding.kind.value)} with {need_link(corpus, linker, other, show_title=True)} "
            f'(score {finding.score:.2f}): {_lines(finding.reason)} (<a href="{esc(href)}">details</a>)</li>'
        )
    items += [
        f'<li>terminology: {_lines(term.message)} (<a href="{esc(page)}">all findings</a>)</li>'
        for term in terms
    ]
    return f'<ul class="smets-dups-panel">{"".join(items)}</ul>' if items else ""
