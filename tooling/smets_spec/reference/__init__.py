"""Executable reference models of SMETS meter behaviour (the golden units).

Each model declares the requirement ids it implements (see :mod:`.registry`);
:mod:`.interfaces` has the typed device interfaces the conformance suite drives,
and :func:`target` is the default device under test (``smets_spec.reference:target``).
The devices are imported on first use, so reading the registry stays cheap. Imports
nothing from the rest of the package: the models know no spec, only their requirement ids.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["ReferenceESME", "ReferenceGSME", "ReferenceIHD", "ReferenceTarget", "target"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module(".devices", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
