"""Cumulative registers (ES_02-ES_05, GS_02) and the 13-month half-hourly profile (DS_02)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from ...reference.interfaces import ESME, GSME, Meter, Register
from .helpers import DAY, HOUR

#: DS_02: 13 months of half-hourly data. The longest 13 calendar months are 397 days of
#: 48 UTC half hours: 19 056 entries.
PROFILE_ENTRIES = 397 * 48


@pytest.mark.verifies("ES_02")
def test_active_import_register(esme: ESME) -> None:
    """Cumulative import kWh: 2 kW for 3 h adds 6 kWh."""
    esme.apply_load(2.0)
    esme.advance(3 * HOUR)
    assert esme.register(Register.ACTIVE_IMPORT) == pytest.approx(6.0, rel=1e-4)


@pytest.mark.verifies("ES_03")
def test_active_export_register(esme: ESME) -> None:
    """Cumulative export kWh: 1.5 kW exported for 2 h adds 3 kWh."""
    esme.apply_load(0.0, export_kw=1.5)
    esme.advance(2 * HOUR)
    assert esme.register(Register.ACTIVE_EXPORT) == pytest.approx(3.0, rel=1e-4)


@pytest.mark.verifies("ES_04")
def test_reactive_import_register(esme: ESME) -> None:
    """Cumulative import kVArh: 0.5 kVAr for 4 h adds 2 kVArh."""
    esme.apply_load(1.0, reactive_import_kvar=0.5)
    esme.advance(4 * HOUR)
    assert esme.register(Register.REACTIVE_IMPORT) == pytest.approx(2.0, rel=1e-4)


@pytest.mark.verifies("ES_05")
def test_reactive_export_register(esme: ESME) -> None:
    """Cumulative export kVArh: 0.25 kVAr for 4 h adds 1 kVArh."""
    esme.apply_load(1.0, reactive_export_kvar=0.25)
    esme.advance(4 * HOUR)
    assert esme.register(Register.REACTIVE_EXPORT) == pytest.approx(1.0, rel=1e-4)


@pytest.mark.verifies("GS_02")
def test_gas_volume_register(gsme: GSME) -> None:
    """Cumulative gas consumption: 1.2 m3/h for 5 h adds 6 m3."""
    gsme.apply_flow(1.2)
    gsme.advance(5 * HOUR)
    assert gsme.register(Register.GAS_VOLUME) == pytest.approx(6.0, rel=1e-4)


def _check_profile(meter: Meter, per_slot: float) -> None:
    profile = list(meter.half_hourly_profile())
    assert len(profile) >= PROFILE_ENTRIES
    last = profile[-PROFILE_ENTRIES:]
    assert last[-1].start - last[0].start == timedelta(days=397) - timedelta(minutes=30)
    steps = {b.start - a.start for a, b in itertools.pairwise(last)}
    assert steps == {timedelta(minutes=30)}
    expected = pytest.approx(per_slot, rel=1e-3)  # made once: 19,056 comparisons
    assert all(e.value == expected for e in last)


@pytest.mark.verifies("DS_02")
def test_electricity_profile_13_months(esme: ESME) -> None:
    """13 months of half-hourly kWh: 19 056 consecutive half hours of 0.5 kWh at 1 kW."""
    esme.apply_load(1.0)
    esme.advance(398 * DAY)
    _check_profile(esme, 0.5)


@pytest.mark.verifies("DS_02")
def test_gas_profile_13_months(gsme: GSME) -> None:
    """13 months of half-hourly cubic metres: 19 056 consecutive half hours of 0.1 m3 at 0.2 m3/h."""
    gsme.apply_flow(0.2)
    gsme.advance(398 * DAY)
    _check_profile(gsme, 0.1)
