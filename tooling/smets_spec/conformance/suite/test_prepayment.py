"""Prepayment: PC_01-PC_06, PC_10, PC_11."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ...reference.interfaces import (
    ESME,
    GSME,
    DebtConfig,
    EmergencyCreditConfig,
    PaymentMode,
    RecoveryMethod,
    Rejected,
    SupplyState,
)
from .helpers import DAY, HOUR, LOCAL, MINUTE, REMOTE, flat_tariff, prepayment


@pytest.mark.verifies("PC_01")
def test_mode_switches_remotely(esme: ESME) -> None:
    """Remote switch between credit and prepayment mode.

    In credit mode a zero balance never interrupts supply; after the remote switch
    the meter balance pays for consumption (2 kW for 1 h at 20 p/kWh = 40 p).
    """
    esme.configure_tariff(flat_tariff(20.0), REMOTE)
    esme.apply_load(2.0)
    assert esme.payment_mode() is PaymentMode.CREDIT
    esme.advance(DAY)
    assert esme.supply_state() is SupplyState.ON
    assert esme.balance() == pytest.approx(0.0)
    esme.set_payment_mode(PaymentMode.PREPAYMENT, REMOTE)
    esme.top_up(500.0, REMOTE)
    esme.advance(HOUR)
    assert esme.payment_mode() is PaymentMode.PREPAYMENT
    assert esme.balance() == pytest.approx(460.0, abs=0.01)
    esme.set_payment_mode(PaymentMode.CREDIT, REMOTE)
    esme.advance(HOUR)
    assert esme.payment_mode() is PaymentMode.CREDIT
    assert esme.balance() == pytest.approx(460.0, abs=0.01)


@pytest.mark.verifies("PC_02")
def test_remote_top_up(esme: ESME) -> None:
    """A remote top-up of 1000 p adds 1000 p of credit and is kept with its amount, date and time."""
    prepayment(esme, price=20.0, credit=0.0)
    esme.top_up(1000.0, REMOTE)
    assert esme.balance() == pytest.approx(1000.0)
    last = esme.top_up_history()[-1]
    assert (last.amount, last.channel) == (1000.0, REMOTE)
    assert abs((last.timestamp - esme.now()).total_seconds()) < 1.0


@pytest.mark.verifies("PC_10", "PC_05")
def test_local_top_up_without_wan(esme: ESME) -> None:
    """With the WAN down a remote top-up cannot arrive, and a local top-up of 500 p is credited."""
    prepayment(esme, price=20.0, credit=100.0)
    esme.set_wan_available(False)
    with pytest.raises(Rejected):
        esme.top_up(300.0, REMOTE)
    esme.top_up(500.0, LOCAL)
    assert esme.balance() == pytest.approx(600.0)
    assert esme.top_up_history()[-1].channel is LOCAL


@pytest.mark.verifies("PC_05")
def test_supply_maintained_without_wan(esme: ESME) -> None:
    """Seven days without the WAN on 5000 p of credit: 1 kW at 20 p/kWh costs 3360 p, supply stays on."""
    prepayment(esme, price=20.0, credit=5000.0)
    esme.set_wan_available(False)
    esme.apply_load(1.0)
    for _ in range(7 * 24):
        esme.advance(HOUR)
        assert esme.supply_state() is SupplyState.ON
    assert esme.balance() == pytest.approx(5000.0 - 168 * 20.0, abs=0.05)


@pytest.mark.verifies("PC_11")
def test_electricity_remote_top_up_registered_promptly(esme: ESME) -> None:
    """An electricity meter registers a remote top-up as it arrives (no time passes)."""
    prepayment(esme, price=20.0, credit=0.0)
    esme.advance(7 * MINUTE)
    before = esme.balance()
    esme.top_up(250.0, REMOTE)
    assert esme.balance() == pytest.approx(before + 250.0)


@pytest.mark.verifies("PC_11")
def test_gas_remote_top_up_registered_within_30_minutes(gsme: GSME) -> None:
    """A gas meter registers a remote top-up within 30 minutes (PC.11.19: 'no greater than 30 minutes')."""
    prepayment(gsme, price=5.0, credit=1000.0)
    gsme.advance(7 * MINUTE)
    gsme.top_up(700.0, REMOTE)
    waited = 0.0
    while gsme.balance() < 1699.0 and waited < 2 * HOUR:
        gsme.advance(MINUTE)
        waited += MINUTE
    assert gsme.balance() == pytest.approx(1700.0)
    assert waited <= 30 * MINUTE


@pytest.mark.verifies("PC_03")
def test_emergency_credit(esme: ESME) -> None:
    """Emergency credit of 500 p below a 100 p threshold, remotely configured.

    At 1 p a minute (3 kW at 20 p/kWh) a 50 p balance lasts 50 minutes, emergency
    credit 500 minutes more; supply is interrupted 10 minutes (the grace period)
    after the emergency credit is used up.
    """
    prepayment(esme, price=20.0, credit=150.0)
    esme.configure_emergency_credit(EmergencyCreditConfig(limit=500.0, threshold=100.0), REMOTE)
    esme.apply_load(3.0)
    with pytest.raises(Rejected):
        esme.activate_emergency_credit()  # 150 p is not below the 100 p threshold
    esme.advance(100 * MINUTE)
    assert esme.balance() == pytest.approx(50.0, abs=0.05)
    esme.activate_emergency_credit()
    esme.advance(549 * MINUTE)
    assert esme.supply_state() is SupplyState.ON
    esme.advance(10 * MINUTE)
    assert esme.supply_state() is SupplyState.ON
    esme.advance(2 * MINUTE)
    assert esme.supply_state() is SupplyState.OFF
    assert esme.balance() == pytest.approx(-510.0, abs=1.0)


@pytest.mark.verifies("PC_03")
def test_grace_period_of_ten_minutes(esme: ESME) -> None:
    """Credit of 100 p at 1 p a minute runs out after 100 minutes; supply stops 10 minutes later."""
    prepayment(esme, price=20.0, credit=100.0)
    esme.apply_load(3.0)
    esme.advance(109 * MINUTE)
    assert esme.supply_state() is SupplyState.ON
    esme.advance(2 * MINUTE)
    assert esme.supply_state() is SupplyState.OFF


@pytest.mark.verifies("PC_04")
def test_three_debts_by_time_and_by_payment(esme: ESME) -> None:
    """Up to three debts, recovered by time (pence a day) or by payment (share of each top-up).

    A fourth debt is refused. Debt 1 (250 p at 100 p/day) is repaid after three days
    (100 + 100 + 50); debt 2 takes 25 % of a 1000 p top-up; debt 3 (50 p/day) has
    850 p left after three days.
    """
    prepayment(esme, price=20.0, credit=0.0)
    esme.configure_debt(DebtConfig(1, 250.0, RecoveryMethod.TIME, 100.0), REMOTE)
    esme.configure_debt(DebtConfig(2, 1000.0, RecoveryMethod.PAYMENT, 25.0), REMOTE)
    esme.configure_debt(DebtConfig(3, 1000.0, RecoveryMethod.TIME, 50.0), REMOTE)
    with pytest.raises(Rejected):
        esme.configure_debt(DebtConfig(4, 100.0, RecoveryMethod.TIME, 10.0), REMOTE)
    esme.top_up(1000.0, REMOTE)
    assert esme.debt_outstanding(2) == pytest.approx(750.0)
    assert esme.balance() == pytest.approx(750.0)
    esme.advance(3 * DAY)
    assert esme.debt_outstanding(1) == pytest.approx(0.0)
    assert esme.debt_outstanding(3) == pytest.approx(850.0)
    assert esme.balance() == pytest.approx(750.0 - 250.0 - 150.0)


@pytest.mark.verifies("PC_06")
def test_debt_payment_history_keeps_last_ten(esme: ESME) -> None:
    """The last 10 debt payments of each debt: 12 daily time-based and 12 payment-based payments."""
    prepayment(esme, price=20.0, credit=0.0)
    esme.configure_debt(DebtConfig(1, 10_000.0, RecoveryMethod.TIME, 10.0), REMOTE)
    esme.configure_debt(DebtConfig(2, 10_000.0, RecoveryMethod.PAYMENT, 10.0), REMOTE)
    for _ in range(12):
        esme.top_up(200.0 + 0, REMOTE)
        esme.advance(DAY)
    for register, amount in ((1, 10.0), (2, 20.0)):
        history = esme.debt_payment_history(register)
        assert len(history) == 10
        assert [p.amount for p in history] == [amount] * 10
    times = [p.timestamp for p in esme.debt_payment_history(1)]
    assert times[0] - times[-1] == timedelta(days=-9)


@pytest.mark.verifies("PC_06")
def test_top_up_history_keeps_last_five(esme: ESME) -> None:
    """The last five top-ups with amount, date and time: of 7 top-ups an hour apart, the last 5."""
    prepayment(esme, price=20.0, credit=0.0)
    made = []
    for n in range(1, 8):
        esme.top_up(100.0 * n, REMOTE)
        made.append((100.0 * n, esme.now()))
        esme.advance(HOUR)
    history = esme.top_up_history()
    assert len(history) >= 5, f"the top-up history keeps {len(history)} top-ups, not the last 5"
    last_five = list(history)[-5:]
    assert [t.amount for t in last_five] == [300.0, 400.0, 500.0, 600.0, 700.0]
    for top_up, (amount, when) in zip(last_five, made[2:], strict=True):
        assert top_up.amount == amount
        assert abs((top_up.timestamp - when).total_seconds()) < 1.0
