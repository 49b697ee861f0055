"""The licence allow-list of docs/licensing.md, as data and small functions (used by test_licences.py).

A licence string (``License-Expression``, ``License`` or a ``License ::`` classifier) maps to a
class; an extra allows some classes, and GPL classes only for named distributions that run in
their own helper process. Anything unknown is a failure that names the distribution.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from importlib.metadata import Distribution, PackageNotFoundError, distribution


class Kind(StrEnum):
    PERMISSIVE = "permissive"
    WEAK = "weak copyleft"  # MPL-2.0, LGPL: used as unmodified libraries
    GPL2_ONLY = "GPL-2.0-only"
    GPL3 = "GPL-3.0"
    FORBIDDEN = "forbidden"  # source-available: never
    UNKNOWN = "unknown"


#: normalised licence id -> class
LICENCES: dict[str, Kind] = {
    **dict.fromkeys(
        [
            "mit",
            "mit-0",
            "bsd",
            "bsd-2-clause",
            "bsd-3-clause",
            "0bsd",
            "isc",
            "apache-2.0",
            "psf-2.0",
            "python software foundation",
            "cc0-1.0",
            "unlicense",
            "public domain",
            "hpnd",
            "zlib",
        ],
        Kind.PERMISSIVE,
    ),
    **dict.fromkeys(
        ["mpl-2.0", "lgpl-2.1-only", "lgpl-2.1-or-later", "lgpl-3.0-only", "lgpl-3.0-or-later", "lgpl"],
        Kind.WEAK,
    ),
    **dict.fromkeys(["gpl-2.0-only", "gplv2", "gpl-2.0"], Kind.GPL2_ONLY),
    # "or later" is the wire front end (wire/, smets-dlms): it runs with gurux-dlms, so GPL-2.0 in effect
    **dict.fromkeys(["gpl-2.0-or-later", "gplv2+"], Kind.GPL2_ONLY),
    **dict.fromkeys(["gpl-3.0", "gpl-3.0-only", "gpl-3.0-or-later", "gplv3", "gplv3+"], Kind.GPL3),
    **dict.fromkeys(
        ["busl-1.1", "bsl-1.1", "business source license", "sspl-1.0", "elastic-2.0"], Kind.FORBIDDEN
    ),
}

#: free-text spellings seen in metadata -> licence id
_ALIASES: dict[str, str] = {
    "apache 2.0": "apache-2.0",
    "apache software license": "apache-2.0",
    "apache license 2.0": "apache-2.0",
    "apache license, version 2.0": "apache-2.0",
    "mit license": "mit",
    "bsd license": "bsd",
    "mozilla public license 2.0 (mpl 2.0)": "mpl-2.0",
    "gnu general public license v2 (gplv2)": "gplv2",
    "gnu general public license v2 or later (gplv2+)": "gplv2+",
    "gnu general public license v3 (gplv3)": "gplv3",
    "gnu general public license v3 or later (gplv3+)": "gplv3+",
    "gnu lesser general public license v3 (lgplv3)": "lgpl-3.0-only",
    "python software foundation license": "psf-2.0",
    "the unlicense (unlicense)": "unlicense",
    "isc license (iscl)": "isc",
}

#: licences read by hand where the metadata is empty or misleading: name -> (class, reason)
OVERRIDES: dict[str, tuple[Kind, str]] = {
    "docutils": (
        Kind.PERMISSIVE,
        "COPYING.txt: the package is public domain or BSD-2-Clause; its GPL classifier covers only "
        "editor support files (tools/editors) that Python never imports",
    ),
}

#: GPL distributions allowed, each only in its extra and its own helper process
GPL_ALLOWED: dict[str, tuple[str, Kind, str]] = {
    "gurux-dlms": ("dlms", Kind.GPL2_ONLY, "smets_dlms_catalogue"),
    "gurux-common": ("dlms", Kind.GPL2_ONLY, "smets_dlms_catalogue"),
    "gurux-net": ("dlms", Kind.GPL2_ONLY, "smets_dlms_catalogue"),
    "gurux-serial": ("dlms", Kind.GPL2_ONLY, "smets_dlms_catalogue"),
    "zigpy": ("zigbee", Kind.GPL3, "smets_zigbee_catalogue"),
}

#: per extra ("" is the core): the classes every distribution it brings in may have
ALLOWED: dict[str, frozenset[Kind]] = {
    "": frozenset({Kind.PERMISSIVE, Kind.WEAK}),
    "test": frozenset({Kind.PERMISSIVE, Kind.WEAK}),
    "dlms": frozenset({Kind.PERMISSIVE, Kind.WEAK, Kind.GPL2_ONLY}),
    "zigbee": frozenset({Kind.PERMISSIVE, Kind.WEAK, Kind.GPL3}),
}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _one(text: str) -> Kind:
    word = text.strip().lower()
    if word.startswith("(") and word.endswith(")"):
        word = word[1:-1].strip()
    word = _ALIASES.get(word, word)
    return LICENCES.get(word, Kind.UNKNOWN)


def classify_text(text: str) -> Kind:
    """An SPDX-like expression: AND (and ',') takes the strictest part, OR the most permissive."""
    order = [Kind.PERMISSIVE, Kind.WEAK, Kind.GPL3, Kind.GPL2_ONLY, Kind.FORBIDDEN, Kind.UNKNOWN]
    best = []
    for alternative in re.split(r"\s+OR\s+", text.strip()):
        parts = [p for p in re.split(r"\s+AND\s+|,", alternative) if p.strip()]
        kinds = [_one(p) for p in parts] or [Kind.UNKNOWN]
        best.append(max(kinds, key=order.index))
    return min(best, key=order.index)


@dataclass(frozen=True)
class Licence:
    name: str
    kind: Kind
    raw: str
    reason: str


def licence_of(dist: Distribution) -> Licence:
    meta = dist.metadata
    name = canonical(meta["Name"] or "")
    if name in OVERRIDES:
        kind, reason = OVERRIDES[name]
        return Licence(name, kind, "override", reason)
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return Licence(name, classify_text(expression), expression, "License-Expression")
    free = (meta.get("License") or "").strip()
    if free and "\n" not in free and len(free) < 80:
        kind = classify_text(free)
        if kind is not Kind.UNKNOWN:
            return Licence(name, kind, free, "License")
    classifiers = [
        c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")
    ]
    classifiers = [c for c in classifiers if c != "OSI Approved"]
    if classifiers:
        return Licence(name, classify_text(" OR ".join(classifiers)), "; ".join(classifiers), "classifiers")
    return Licence(name, Kind.UNKNOWN, free[:80], "no licence metadata")


def closure(root: str, extra: str) -> dict[str, Distribution]:
    """The installed distributions that ``root`` (with ``extra``, "" for none) requires, recursively."""
    from packaging.requirements import Requirement

    seen: dict[str, Distribution] = {}
    todo: list[tuple[str, str]] = [(root, extra)]
    while todo:
        name, with_extra = todo.pop()
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        key = canonical(dist.metadata["Name"] or name)
        if key in seen and not with_extra:
            continue
        seen[key] = dist
        for line in dist.requires or []:
            req = Requirement(line)
            env = {"extra": with_extra}
            if req.marker is None or req.marker.evaluate(env):
                if canonical(req.name) == canonical(root):
                    todo += [(req.name, e) for e in req.extras]  # an extra that names other extras
                else:
                    todo.append((req.name, ""))
    seen.pop(canonical(root), None)
    return seen
