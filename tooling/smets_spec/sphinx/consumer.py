"""``smets-needs.toml``, published beside needs.json: what another sphinx-needs project declares
to read our needs (need types with their fields and links), derived from the schema.

A consumer project loads it with ``needs_from_toml = "smets-needs.toml"`` (when it declares no
types of its own) or merges its ``[needs]`` table into its own ``needs_types``/``needs_fields``
(docs/interchange.md gives both, copy-paste). Only what describes our needs is in it: nothing
about how this project builds (id regex, warnings, JSON output).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from ..corpus.files import write_atomic
from ..corpus.needsconfig import needs_settings

FILE = "smets-needs.toml"
#: the settings a consumer needs, by their name in a needs_from_toml file
KEYS = {"needs_types": "types", "needs_fields": "fields"}


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def toml_text() -> str:
    settings = needs_settings()
    lines = [
        "# The SMETS need types, fields and links, for sphinx-needs projects that read our needs.json",
        "# (needs_external_needs). Written by `smets build`; see docs/interchange.md.",
        "[needs]",
    ]
    lines += [f"{key} = {_value(settings[name])}" for name, key in KEYS.items()]
    return "\n".join(lines) + "\n"


def _write(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        write_atomic(Path(app.outdir) / FILE, toml_text())


def register(app: Sphinx) -> None:
    app.connect("build-finished", _write)
