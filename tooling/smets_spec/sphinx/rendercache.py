"""The render cache: each need card's HTML, kept by a hash of everything it depends on.

A card (see :mod:`.cards`) shows the need's own directive (title, options, text) and, from other
needs, the ids, titles, types and pages of the needs it links to and that link to it, the needs
its text names with ``:need:``, and, for a data item, its protocol assessment. Its key
(:func:`card_key`) hashes all of that with the build's context (:func:`context_digest`: this
package's code and version, the versions of Sphinx, sphinx-needs, docutils and the theme, the
builder, ``conf.py``), so a card is reused only when it would come out the same.

The cache lives in the user's cache folder (:func:`~smets_spec.corpus.cachedir.user_cache_folder`),
outside any checkout; one JSON file per page (named by a hash of the page's name) maps each of its
cards' keys to the card, and is rewritten whole when the page is written, so it never grows. Nothing
in it can run code: a file is read with ``json.loads`` and checked field by field, and one that is
corrupt, of the wrong shape, for another page, too large, a symlink, or that holds markup the
extension never renders (a script, an event handler) is ignored, so the page's cards are rendered
again and the file replaced.
No Sphinx import: the extension's directives use it (:mod:`.cachedneeds`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from ..corpus.cachedir import switched_off
from ..corpus.files import read_regular, write_atomic
from ..corpus.load import Corpus
from ..corpus.schema import DataItem, Need
from ..corpus.usercache import package_digest
from ..protocols.assess import ItemAssessment, assessment_of
from ..trace.coverage import index_of
from ..trace.graph import per_corpus

FORMAT = "smets-card-cache/2"
#: the subfolder of the user cache folder that holds the cards
FOLDER = "cards"
_KEY = re.compile(r"^[0-9a-f]{64}$")
#: a page's cards larger than this are not ours (the largest page of the real spec holds ~300 kB)
MAX_BYTES = 64 * 1024 * 1024
#: markup the extension never renders into a card or a requirement page's body: an entry holding it
#: was not written by us. Each part is searched anywhere in the lowercased HTML (so ``<img/onerror=``
#: and a handler straight after a quote are caught, as browsers read them); text is escaped, so a
#: ``<`` starts a tag.
_FOREIGN = (
    re.compile(r"<[\s/]*(?:script|iframe|object|embed|base|meta|link|style|form|frame|svg|math)\b"),
    re.compile(r"<[^>]*[\s/\"'`]on[a-z]+\s*="),
    re.compile(r"<[^>]*=\s*[\"']?\s*(?:javascript|vbscript|data)\s*:"),
)


#: The same checks, quicker (``SMETS_QUICK_FOREIGN=off``: :data:`_FOREIGN` as written): the first
#: as it is; the other two look for what follows ``<[^>]*`` (a handler name, a ``javascript:``
#: value: rare in a card) and, where found, whether that place is inside a tag, i.e. the last
#: ``<`` before it comes after the last ``>``; ``<[^>]*`` made each ``<`` scan to its ``>``.
_HANDLER = re.compile(r"on[a-z]+\s*=")  # after a character of ``[\s/"'`]``
_SCHEME = re.compile(r"=\s*[\"']?\s*(?:javascript|vbscript|data)\s*:")
_BEFORE_HANDLER = frozenset("/\"'`")
QUICK_SWITCH = "SMETS_QUICK_FOREIGN"


def _in_tag(low: str, at: int) -> bool:
    """Whether ``low[:at]`` ends inside a tag: a ``<`` with no ``>`` after it (``<[^>]*`` before ``at``)."""
    return low.rfind("<", 0, at) > low.rfind(">", 0, at)


def _foreign_quick(low: str) -> bool:
    if _FOREIGN[0].search(low):
        return True
    for found in _HANDLER.finditer(low):
        at = found.start() - 1
        if at >= 0 and (low[at] in _BEFORE_HANDLER or low[at].isspace()) and _in_tag(low, at):
            return True
    return any(_in_tag(low, found.start()) for found in _SCHEME.finditer(low))


def foreign(html: str, quick: bool | None = None) -> bool:
    """Whether ``html`` holds markup the extension never renders (a script, an event handler...);
    ``quick``: the switch's reading, when the caller read it once for many texts."""
    low = html.lower()
    if quick is None:
        quick = not switched_off(QUICK_SWITCH)
    if quick:
        return _foreign_quick(low)
    return any(check.search(low) for check in _FOREIGN)


def foreign_lowered(low: str) -> bool:
    """:func:`foreign` of a text already lowercased (``str.lower``, which a second time changes
    nothing): not lowered again, a pass over a page's text (``SMETS_QUICK_FOREIGN=off``: lowered
    again, as :func:`foreign` does)."""
    if not switched_off(QUICK_SWITCH):
        return _foreign_quick(low)
    return foreign(low)


_ROLE = re.compile(r":(?P<name>[\w.+-]+(?::[\w.+-]+)?):`(?P<text>[^`]*)`")
#: roles whose output depends on nothing outside the need (plus ``need``, whose targets are hashed)
PURE_ROLES = frozenset(
    {"emphasis", "strong", "literal", "code", "sub", "sup", "subscript", "superscript", "abbr"}
    | {"title", "title-reference", "t", "need"}
)
#: text whose output depends on the rest of its document: substitutions, footnotes, named links
_DOCUMENT_BOUND = re.compile(r"(?<![\w|])\|(?!\s)[^|\n]+(?<!\s)\|(?![\w|])|(?:`|\w|\])__?(?!\w)|\[\[")
#: a line that starts explicit markup (a directive, a comment...)
_EXPLICIT = re.compile(r"^\s*\.\.(?:\s|$)", re.MULTILINE)
_PACKAGES = ("sphinx", "sphinx-needs", "docutils", "pygments", "furo")


@dataclass(frozen=True)
class Rendered:
    """A card as the HTML writer wrote it, and the words the search index took from it."""

    html: str
    words: tuple[str, ...]


def versions(packages: Iterable[str]) -> list[str]:
    """``name=version`` of each installed distribution, ``name=-`` for one that is not there."""
    found = []
    for name in packages:
        try:
            found.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}=-")
    return found


def context_digest(settings: Iterable[str]) -> str:
    """The build's side of every key: the code, the libraries, and ``settings`` (builder, conf.py...)."""
    libraries = ";".join(versions(_PACKAGES))
    digest = hashlib.sha256(f"{FORMAT}\0{package_digest()}\0{libraries}".encode())
    for item in settings:
        digest.update(b"\0" + item.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


@per_corpus
def _assessments(corpus: Corpus) -> dict[str, ItemAssessment]:
    return {a.item_id: a for a in assessment_of(corpus).items}


def assessment_for(corpus: Corpus, need_id: str) -> ItemAssessment | None:
    """A data item's protocol assessment (by id, one scan of the results per corpus)."""
    return _assessments(corpus).get(need_id)


def _other_text(corpus: Corpus, need_id: str, docname_of: dict[str, str]) -> str:
    other = corpus.needs.get(need_id)
    if other is None:
        return f"{need_id}|-"
    return f"{need_id}|{type(other).__name__}|{other.title}|{docname_of.get(need_id, '')}"


#: ``SMETS_QUICK_CARD_KEYS=off``: what a card shows of each need it names, written out afresh
#: for each card. On, written once per corpus and page map (a need named by many cards: a
#: device, a section's parent), kept with them (held, so neither's identity is reused).
QUICK_KEYS_SWITCH = "SMETS_QUICK_CARD_KEYS"
_SHOWN: list[Any] = [None, None, {}]


def _other(corpus: Corpus, need_id: str, docname_of: dict[str, str]) -> str:
    if _SHOWN[0] is not corpus or _SHOWN[1] is not docname_of:
        if switched_off(QUICK_KEYS_SWITCH):
            return _other_text(corpus, need_id, docname_of)
        _SHOWN[:] = [corpus, docname_of, {}]
    shown: dict[str, str] = _SHOWN[2]
    found = shown.get(need_id)
    if found is None:
        found = shown[need_id] = _other_text(corpus, need_id, docname_of)
    return found


def _target(text: str) -> str:
    return text[text.rfind("<") + 1 : -1] if text.endswith(">") else text


def need_roles(content: str) -> list[str]:
    """Every need the text names with ``:need:``."""
    return [_target(m["text"]) for m in _ROLE.finditer(content) if m["name"] == "need"]


def role_targets(content: str) -> list[str] | None:
    """The needs the text names with ``:need:``; None when it uses any role not in :data:`PURE_ROLES`."""
    targets = []
    for match in _ROLE.finditer(content):
        if match["name"] not in PURE_ROLES:
            return None
        if match["name"] == "need":
            targets.append(_target(match["text"]))
    return targets


def card_inputs(corpus: Corpus, record: Need, content: str, docname_of: dict[str, str]) -> str | None:
    """What a need's card shows from outside its directive; None if that cannot be told from the text."""
    if _DOCUMENT_BOUND.search(content) or _EXPLICIT.search(content):
        return None  # substitutions, footnotes, named links, directives, comments: document-bound
    targets = role_targets(content)
    if targets is None or any(t not in corpus.needs for t in targets):
        return None  # an unknown role, or a :need: that warns when resolved: render it every time
    parts = [f">{name}:{_other(corpus, t, docname_of)}" for name, ts in record.outgoing().items() for t in ts]
    incoming = index_of(corpus).incoming.get(record.id, ())
    parts += [f"<{name}:{_other(corpus, s, docname_of)}" for name, s in incoming]
    parts += [f"@{_other(corpus, t, docname_of)}" for t in targets]
    if isinstance(record, DataItem):
        parts.append(f"#{assessment_for(corpus, record.id)!r}")
    return "\n".join(parts)


def card_key(context: str, docname: str, block: str, inputs: str) -> str:
    """The key of one card: the build's context, its page, its directive as written, what it shows."""
    digest = hashlib.sha256()
    for part in (context, docname, block, inputs):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0\1")
    return digest.hexdigest()


def bundle_to_json(docname: str, cards: dict[str, Rendered]) -> str:
    data = {k: [r.html, list(r.words)] for k, r in sorted(cards.items())}
    return json.dumps({"format": FORMAT, "page": docname, "cards": data})


def _card(key: object, value: object, quick: bool) -> Rendered:
    if not isinstance(key, str) or not _KEY.match(key) or not isinstance(value, list) or len(value) != 2:
        raise ValueError("a card of the wrong shape")
    html, words = value
    if not isinstance(html, str) or not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ValueError("a card of the wrong shape")
    if foreign(html, quick):
        raise ValueError("markup the extension never renders")
    return Rendered(html, tuple(words))


def bundle_from_json(text: str, docname: str) -> dict[str, Rendered]:
    """The cards a page's file holds; ValueError for anything that is not exactly that, for this page."""
    data = json.loads(text)
    if not isinstance(data, dict) or set(data) != {"format", "page", "cards"}:
        raise ValueError("not a card cache file")
    if data["format"] != FORMAT or data["page"] != docname or not isinstance(data["cards"], dict):
        raise ValueError("a file of another format or page")
    quick = not switched_off(QUICK_SWITCH)  # read once for the page's cards
    return {key: _card(key, value, quick) for key, value in data["cards"].items()}


class RenderCache:
    """Cards kept as one JSON file per page under ``folder/cards`` (``None`` folder: no cache).

    A page's file holds the cards of its last build (written whole, so the cards of text since
    edited go with it); each card is found by its key, which says what it shows.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder / FOLDER if folder is not None else None
        self.hits = 0
        self.stored = 0
        #: pages whose file already held the same bytes, not written again (on a warm build, every
        #: page: 274 atomic writes at 10,000, about a tenth of the write workers' CPU)
        self.unchanged = 0

    def path(self, docname: str) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / f"{hashlib.sha256(docname.encode('utf-8', 'surrogatepass')).hexdigest()}.json"

    def load(self, docname: str) -> dict[str, Rendered]:
        """The cards last stored for a page; none if its file is missing, unreadable or not ours."""
        path = self.path(docname)
        if path is None:
            return {}
        try:
            if path.is_symlink() or path.stat().st_size > MAX_BYTES:
                return {}
            return bundle_from_json(path.read_text(encoding="utf-8"), docname)
        except (OSError, ValueError, UnicodeDecodeError, RecursionError):
            return {}  # the page's cards are rendered again, and the file replaced

    def save(self, docname: str, cards: dict[str, Rendered]) -> None:
        path = self.path(docname)
        if path is None or not cards:
            return
        data = bundle_to_json(docname, cards).encode("utf-8")
        if read_regular(path, len(data)) == data:
            self.unchanged += 1  # a warm build: its cards came from this very file
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, data, durable=False)
        except OSError:
            return  # a read-only or full cache folder: build without storing
        self.stored += len(cards)
