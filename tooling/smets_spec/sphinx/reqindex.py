"""Which requirement pages (``req/<ID>.html``) a build must draw again: what each was drawn from.

Each page is recorded, when drawn, with the digest of everything it was drawn from and the needs
its structural parts show:

* the *global* inputs every page shares: this package's code and libraries, the shell page
  (``req/index.html``: theme, sidebar, header and footer) and its title, ``conf.py``, the builder,
  the project's documents, and every device (the devices panel lists them all);
* the page's own need (its whole key: title, text, links, fields, file and lines), the needs
  linking to it (the links panel, models, tests, comments: each source's key), its neighbours
  (previous and next page), and its text as cut from its section page;
* the needs its fields and traceability panels show (every id the drawn HTML mentions, or a word
  shaped like one): each one's key without its lines, so a title, a link or a field of a need it
  shows changed, or a need it names added or removed, draws it again;
* for each panel that reads an analysis of the whole corpus or of files outside it (duplicates,
  conformance results, consultation comments, change history, cost evidence, and any panel not
  known here as structural), the digest of that panel's HTML for this requirement, computed
  again in every build (the analyses are computed once per corpus) and compared.

An incremental build draws only the pages whose recorded inputs differ (or that have no record, or
whose file is gone). Without a usable index (none kept, another version of this package, the
global inputs changed, ``SMETS_REQ_INDEX=off``) every page is drawn, as a full build does. The
index is JSON in ``OUT/.smets/reqpages.json``; it is removed before any page is written and
written again after the last one, so a build cut short leaves none and the next draws every page.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sphinx.application import Sphinx

from ..conformance import live
from ..corpus.cachedir import switched_off
from ..corpus.files import file_stamp, write_atomic
from ..corpus.load import Corpus
from ..corpus.needkeys import NeedKey, mentioned
from ..corpus.schema import ConformanceTest, ConsultationQuestion, Device
from ..duplicates.page import duplicates_panel, involved, suppression_file
from ..markup.html import Linker
from ..markup.panels import Panel, ordered
from ..trace.coverage import index_of
from . import reqnav
from .fingerprints import keys_for
from .rendercache import context_digest

INDEX = Path(".smets") / "reqpages.json"
#: Panels whose HTML is a function of the requirement, the needs it shows, the needs linking to it
#: and the devices (all recorded as the page's inputs). Every other panel is an *analysis* panel:
#: its HTML is computed in every build and its digest compared.
STRUCTURAL = frozenset(
    {"trace-devices", "trace-data", "trace-models", "trace-tests", "trace-links", "trace-graph"}
)
_LINE = 6  # the slot of a need key holding its lines (corpus/needkeys.py)

#: What one page was drawn from: the digest of its inputs, the needs it shows, its analysis panels'
#: digests by panel name.
Record = tuple[str, list[str], dict[str, str]]


def _h(parts: Iterable[str]) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@functools.cache
def _version() -> str:
    return context_digest(("requirement-page-index", "1"))


def enabled() -> bool:
    return not switched_off("SMETS_REQ_INDEX")


def analysis_panels() -> list[Panel]:
    return [p for p in ordered() if p.name not in STRUCTURAL]


def _results_digest() -> str:
    """The digest of the conformance results file's bytes ("none" when there is no file)."""
    return file_stamp(live.results_path())


def _conformance_stamp(corpus: Corpus) -> str:
    """All the conformance status panel reads: the results (the file's bytes, and why they cannot
    be used if so: not its path or time, so the same results in another output folder are the same
    stamp), the conformance tests (what they verify, their titles) and the consultation questions
    (the models' open questions about a requirement)."""
    keys = keys_for(corpus)
    parts = [_results_digest(), str(live.error())]
    for need in (*corpus.of_type(ConformanceTest), *corpus.of_type(ConsultationQuestion)):
        parts += (need.id, *keys[need.id][:_LINE], *keys[need.id][_LINE + 1 :])
    return _h(parts)


#: the slots of a need key the duplicate scan's items are made from (``duplicates.items.from_corpus``:
#: type, title, text, fields such as the section, file, lines; not the links)
_SCANNED = (0, 1, 2, 4, 5, _LINE)


def _duplicates_stamp(corpus: Corpus) -> str:
    """All the duplicates panel reads besides the needs it names (recorded as the page's inputs):
    the analysis (``duplicates.page.analysis``), a function of the scanned items (each need's id,
    type, title, text, fields, file and lines, in the corpus's order: a superset of what
    ``from_corpus`` takes) and of the review file's bytes. This package's code is in every
    record's global inputs."""
    keys = keys_for(corpus)
    parts = [file_stamp(suppression_file(corpus))]
    for need_id, key in keys.items():
        parts += (need_id, *(key[i] for i in _SCANNED))
    return _h(parts)


#: Analysis panels whose every input a stamp covers: their HTML is computed again only when it
#: changes (the others', in every build).
PANEL_STAMPS: dict[str, Callable[[Corpus], str]] = {
    "conformance-status": _conformance_stamp,
    "duplicates": _duplicates_stamp,
}


def panel_stamps(corpus: Corpus) -> dict[str, str]:
    return {name: stamp(corpus) for name, stamp in PANEL_STAMPS.items()}


def panels_to_compare(stamps: Mapping[str, str], kept: Mapping[str, str]) -> list[Panel]:
    """The analysis panels whose HTML this build computes for every page: those with no stamp, and
    those whose stamp changed since the build that kept ``kept``."""
    return [p for p in analysis_panels() if p.name not in stamps or stamps[p.name] != kept.get(p.name)]


@dataclass
class Inputs:
    """This build's inputs every page's digest is made from (computed once per build)."""

    glob: str
    keys: Mapping[str, NeedKey]
    around: Mapping[str, tuple[reqnav.Neighbour, reqnav.Neighbour]]
    texts: Mapping[str, str]
    incoming: Mapping[str, list[tuple[str, str]]]
    shown: dict[str, str] = field(default_factory=dict)

    def show(self, need_id: str) -> str:
        """What another page can show of a need: its key without its lines ("-" when there is none)."""
        found = self.shown.get(need_id)
        if found is None:
            key = self.keys.get(need_id)
            found = "-" if key is None else _h((*key[:_LINE], *key[_LINE + 1 :]))
            self.shown[need_id] = found
        return found

    def digest(self, req_id: str, deps: Iterable[str]) -> str:
        """The digest of everything page ``req_id`` is drawn from, given the needs ``deps`` it shows."""
        parts = [self.glob, *self.keys[req_id], repr(self.around.get(req_id)), self.texts[req_id]]
        for link, source in self.incoming.get(req_id, ()):
            parts += (link, source, self.show(source))
        for need_id in deps:
            parts += (need_id, self.show(need_id))
        return _h(parts)


def global_inputs(app: Sphinx, corpus: Corpus, shell: tuple[str, str], shell_title: str) -> str:
    """What every page shares (see the module's docstring)."""
    conf = Path(app.confdir) / "conf.py"
    keys = keys_for(corpus)
    parts = [
        _version(),
        app.builder.name,
        str(app.config.html_file_suffix),
        str(app.config.html_link_suffix),
        hashlib.sha256(conf.read_bytes()).hexdigest() if conf.is_file() else "no conf.py",
        *shell,
        shell_title,
        "\x1e".join(sorted(app.env.found_docs)),
    ]
    for device in corpus.of_type(Device):
        parts += (device.id, *keys[device.id][:_LINE])
    return _h(parts)


Around = Mapping[str, tuple[reqnav.Neighbour, reqnav.Neighbour]]


def inputs(corpus: Corpus, glob: str, around: Around, texts: Mapping[str, str]) -> Inputs:
    """This build's :class:`Inputs` (``texts``: each requirement's text as its page shows it)."""
    return Inputs(glob, keys_for(corpus), around, texts, index_of(corpus).incoming)


def shows(corpus: Corpus, req_id: str, html: str) -> list[str]:
    """The needs (besides ``req_id``) the structural parts of a page mention, in order."""
    return sorted(mentioned(html, corpus.needs) - {req_id})


def panel_digest(html: str) -> str:
    return _EMPTY_DIGEST if not html else _h((html,))


_EMPTY_DIGEST = _h(("",))

#: ``SMETS_PANEL_LOOKUP=off``: every page's analysis panels asked one by one when their stamp changed
#: (as before), not the empty ones known from one lookup (:data:`EMPTY_OUTSIDE`)
LOOKUP_SWITCH = "SMETS_PANEL_LOOKUP"

#: Panel functions whose HTML is "" for every requirement outside a set known once per build: the
#: duplicates panel of a requirement in no finding (``duplicates.page.involved``)
EMPTY_OUTSIDE: dict[object, Callable[[Corpus], Collection[str]]] = {duplicates_panel: involved}


def panels_html(corpus: Corpus, linker: Linker, panels: list[Panel]) -> Callable[[str], dict[str, str]]:
    """Each requirement's HTML of ``panels`` by name (``panel.html`` of each; "" without asking for
    a panel of :data:`EMPTY_OUTSIDE` outside its set)."""
    if switched_off(LOOKUP_SWITCH):
        return lambda req_id: {p.name: p.html(corpus, req_id, linker) for p in panels}
    sets: dict[str, Collection[str]] = {}  # asked at the first page compared, as the panels were

    def empty(panel: Panel, req_id: str) -> bool:
        find = EMPTY_OUTSIDE.get(panel.html)
        if find is None:
            return False
        if panel.name not in sets:
            sets[panel.name] = find(corpus)
        return req_id not in sets[panel.name]

    def html(req_id: str) -> dict[str, str]:
        return {p.name: "" if empty(p, req_id) else p.html(corpus, req_id, linker) for p in panels}

    return html


# ------------------------------------------------------------------ the index on disk


@dataclass
class Kept:
    """The index the last build kept: each page's record, and the stamps of :data:`PANEL_STAMPS`."""

    records: dict[str, Record]
    stamps: dict[str, str]


def load(outdir: Path, glob: str) -> Kept | None:
    """The index kept by the last build (None: none usable: missing, unreadable, another
    version of this package or other global inputs)."""
    path = outdir / INDEX
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != _version() or data.get("global") != glob:
        return None
    pages, stamps = data.get("pages"), data.get("stamps")
    if not isinstance(pages, dict) or not isinstance(stamps, dict):
        return None
    records: dict[str, Record] = {}
    for req_id, rec in pages.items():
        if not (isinstance(rec, list) and len(rec) == 3 and isinstance(rec[0], str)):
            return None
        deps, panels = rec[1], rec[2]
        if not (
            isinstance(deps, list) and all(isinstance(d, str) for d in deps) and isinstance(panels, dict)
        ):
            return None
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in panels.items()):
            return None
        records[str(req_id)] = (rec[0], deps, panels)
    return Kept(records, {str(k): str(v) for k, v in stamps.items()})


def forget(outdir: Path) -> None:
    """Remove the index (before pages are written: a build cut short must not leave it)."""
    (outdir / INDEX).unlink(missing_ok=True)


def save(outdir: Path, glob: str, records: Mapping[str, Record], stamps: Mapping[str, str]) -> None:
    pages = {k: list(v) for k, v in records.items()}
    data = {"version": _version(), "global": glob, "stamps": dict(stamps), "pages": pages}
    target = outdir / INDEX
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, json.dumps(data, separators=(",", ":")), durable=False)
