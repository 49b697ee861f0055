"""Tariffs (PC_08) and billing data (PC_07)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from ...reference.interfaces import ESME, BlockTariff, Register, TouTariff
from .helpers import DAY, HOUR, LOCAL, MINUTE, REMOTE, flat_tariff, prepayment


@pytest.mark.verifies("PC_08")
def test_time_of_use_registers(esme: ESME) -> None:
    """Time-of-use: night 00:00-07:00 UTC at 10 p, day at 30 p; 1 kW for 24 h gives 7 and 17 kWh.

    The prepayment balance of 10 000 p pays 7 x 10 + 17 x 30 = 580 p.
    """
    prepayment(esme, price=0.0, credit=10_000.0)
    esme.configure_tariff(
        TouTariff(switches=((time(0, 0), "night"), (time(7, 0), "day")), prices={"night": 10.0, "day": 30.0}),
        REMOTE,
    )
    esme.apply_load(1.0)
    esme.advance(DAY)
    registers = esme.tariff_registers()
    assert registers["night"] == pytest.approx(7.0, rel=1e-4)
    assert registers["day"] == pytest.approx(17.0, rel=1e-4)
    assert esme.balance() == pytest.approx(10_000.0 - 580.0, abs=0.1)


@pytest.mark.verifies("PC_08")
def test_block_tariff_registers(esme: ESME) -> None:
    """Blocks: the first 5 kWh a day at 10 p, the rest at 20 p; 24 kWh cost 5 x 10 + 19 x 20 = 430 p."""
    prepayment(esme, price=0.0, credit=10_000.0)
    esme.configure_tariff(
        BlockTariff(thresholds=(5.0,), prices=(10.0, 20.0), period=timedelta(days=1)), REMOTE
    )
    esme.apply_load(1.0)
    esme.advance(DAY)
    registers = esme.tariff_registers()
    assert registers["block1"] == pytest.approx(5.0, rel=1e-4)
    assert registers["block2"] == pytest.approx(19.0, rel=1e-4)
    assert esme.balance() == pytest.approx(10_000.0 - 430.0, abs=0.1)


@pytest.mark.verifies("PC_08")
def test_tariff_change_applies_within_30_minutes(esme: ESME) -> None:
    """'Real time (defined here as 30 minutes)': a tariff set locally at 00:07 applies by 00:37.

    With 1 kW, from 30 minutes after the change the balance falls at the new 50 p/kWh
    (25 p in 30 minutes), not the old 10 p/kWh.
    """
    prepayment(esme, price=10.0, credit=10_000.0)
    esme.apply_load(1.0)
    esme.advance(7 * MINUTE)
    esme.set_wan_available(False)
    esme.configure_tariff(flat_tariff(50.0), LOCAL)
    esme.advance(30 * MINUTE)
    before = esme.balance()
    esme.advance(30 * MINUTE)
    assert before - esme.balance() == pytest.approx(25.0, abs=0.05)


@pytest.mark.verifies("PC_07")
def test_billing_data_kept_three_months(esme: ESME) -> None:
    """Billing data is kept for at least 3 months.

    After 93 days at 1 kW, a snapshot at least 92 days old (the longest 3 calendar
    months) is still there, with the import register it had then (1 kWh an hour).
    """
    started = esme.now()
    esme.apply_load(1.0)
    esme.advance(93 * DAY + HOUR)
    now = esme.now()
    old = [s for s in esme.billing_snapshots() if s.timestamp <= now - timedelta(days=92)]
    assert old, "no billing snapshot 92 days old"
    expected = (old[-1].timestamp - started).total_seconds() / HOUR
    assert old[-1].registers[Register.ACTIVE_IMPORT] == pytest.approx(expected, rel=1e-4)
