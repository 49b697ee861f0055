"""The requirement pages' shell, its title and the requirements' texts kept from the last build
that drew the pages, so that a build drawing every page can start drawing them during its
start-up (:mod:`.reqpages`, ``_start_kept``) instead of once Sphinx has written the shell and the
section pages they are cut from.

What is kept is only a guess of this build's inputs: the pages drawn from it are checked at the
build's finish against the real shell and texts by the requirement-page index's comparison (the
one an incremental build makes, :mod:`.reqindex`), and every page whose inputs differ is drawn
again before the build ends. A wrong, stale or planted copy costs time, never a different page.

One JSON file per project and builder (``req-shell/`` in the user cache folder, named by the hash
of the format, the project's source folder and the builder's name): read only from a regular
file of at most :data:`~smets_spec.corpus.usercache.MAX_BYTES`, every field checked (strings
only, the shell's two halves, the title and each text), a text holding markup the extension
never renders (:func:`.rendercache.foreign`) refuses the whole file; anything else counts as no
copy. Written atomically, after a build that drew the pages, when it changed.
``SMETS_REQ_KEPT_SHELL=off`` neither reads nor writes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..corpus.cachedir import switched_off
from ..corpus.usercache import digest, entry_path, read_regular_entry, user_cache_folder, write_entry
from .rendercache import foreign

SWITCH = "SMETS_REQ_KEPT_SHELL"
KIND = "req-shell"
FORMAT = "smets-req-shell/1"


def enabled() -> bool:
    return not switched_off(SWITCH)


@dataclass(frozen=True)
class KeptShell:
    """The shell (``req/index.html`` before and after its body), its title (as the pages' ``<title>``
    holds it) and each requirement's text as cut from its section page, from the last build."""

    shell: tuple[str, str]
    title: str
    texts: dict[str, str]


def _key(srcdir: Path, builder: str) -> str:
    return digest([FORMAT, str(srcdir.resolve()), builder])


def path(srcdir: Path, builder: str, folder: Path | None = None) -> Path:
    """Where the copy of the project in ``srcdir`` built by ``builder`` is (or would be)."""
    return entry_path(KIND, _key(srcdir, builder), folder or user_cache_folder())


def load(srcdir: Path, builder: str, folder: Path | None = None) -> KeptShell | None:
    """The copy kept for the project (None: none, or not one of ours)."""
    data = read_regular_entry(KIND, _key(srcdir, builder), folder or user_cache_folder())
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    shell, title, texts = data.get("shell"), data.get("title"), data.get("texts")
    if not (isinstance(shell, list) and len(shell) == 2 and all(isinstance(s, str) for s in shell)):
        return None
    if not isinstance(title, str) or not isinstance(texts, dict):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in texts.items()):
        return None
    if any(foreign(text) for text in texts.values()):
        return None
    return KeptShell((shell[0], shell[1]), title, texts)


def save(
    srcdir: Path,
    builder: str,
    shell: tuple[str, str],
    title: str,
    texts: Mapping[str, str],
    folder: Path | None = None,
) -> bool:
    """Keep this build's shell, title and texts (atomically; not when the copy kept is the same);
    whether it was written."""
    value = {"format": FORMAT, "shell": list(shell), "title": title, "texts": dict(texts)}
    return write_entry(KIND, _key(srcdir, builder), value, folder or user_cache_folder(), if_changed=True)
