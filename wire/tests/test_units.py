"""The unit codes the core's table uses (tooling/smets_spec/conformance/cosem.py ENERGY_UNITS), as
gurux-dlms's own table names them (IEC 62056-6-2): 30 = Wh (active energy), 32 = varh."""

from __future__ import annotations

from gurux_dlms.enums import Unit


def test_energy_unit_codes() -> None:
    assert int(Unit.ACTIVE_ENERGY) == 30
    assert int(Unit.REACTIVE_ENERGY) == 32
