"""The user's cache folder: outside any checkout, so nothing a pull request contains is read as a cache.

The change index cache (:mod:`smets_spec.change.specindex`) and the site's render cache
(:mod:`smets_spec.sphinx.rendercache`) live below it. CI can keep it between runs by pointing
``$SMETS_CACHE_DIR`` at a folder it saves. What is stored there is data (JSON, checked on
read), never code.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Where the caches live when set (CI keeps it between runs); else the user cache folder.
CACHE_ENV = "SMETS_CACHE_DIR"


def user_cache_folder() -> Path:
    """``$SMETS_CACHE_DIR``, else ``$XDG_CACHE_HOME/smets-spec``, else ``~/.cache/smets-spec``."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen:
        return Path(chosen)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "smets-spec"


#: what a switch such as ``SMETS_RENDER_CACHE`` may be set to, to switch its path off
OFF_VALUES = frozenset({"off", "0", "no", "false"})


def switched_off(*names: str) -> bool:
    """Whether any of the environment switches ``names`` is set to ``off`` (or ``0``, ``no``,
    ``false``; any case): the one reading of every ``SMETS_*=off`` switch."""
    return any(os.environ.get(name, "").strip().lower() in OFF_VALUES for name in names)
