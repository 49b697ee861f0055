"""Executable reference models of SMETS meter behaviour (the golden units).

Each model declares the requirement ids it implements (see :mod:`.registry`);
:mod:`.interfaces` has the typed device interfaces the conformance suite drives,
and :func:`target` is the default device under test (``smets_spec.reference:target``).
"""

from __future__ import annotations

from .devices import ReferenceESME, ReferenceGSME, ReferenceIHD, ReferenceTarget, target

__all__ = ["ReferenceESME", "ReferenceGSME", "ReferenceIHD", "ReferenceTarget", "target"]
