"""Electricity supply enablement and disablement (ES_01, ES_12, OP_08)."""

from __future__ import annotations

import pytest

from ...reference.interfaces import ESME, EventCode, Register, SupplyState, SwitchAction, SwitchEvent
from .helpers import DAY, HOUR, MINUTE, REMOTE, prepayment


@pytest.mark.verifies("ES_01")
def test_remote_disable_and_enable(esme: ESME) -> None:
    """Supply is disabled and enabled remotely.

    Remote disablement stops supply (2 kW for 1 h meters 0 kWh); remote enablement brings it back
    (after the local acknowledgement, if the meter asks for one): 2 kWh in the next hour."""
    esme.apply_load(2.0)
    esme.disable_supply(REMOTE)
    esme.advance(HOUR)
    assert esme.supply_state() is SupplyState.OFF
    assert esme.register(Register.ACTIVE_IMPORT) == pytest.approx(0.0)
    esme.enable_supply(REMOTE)
    if esme.supply_state() is SupplyState.ARMED:
        esme.local_acknowledge()
    assert esme.supply_state() is SupplyState.ON
    esme.advance(HOUR)
    assert esme.register(Register.ACTIVE_IMPORT) == pytest.approx(2.0, rel=1e-4)


@pytest.mark.verifies("OP_08")
def test_restoration_needs_local_intervention(esme: ESME) -> None:
    """Restoring supply needs a local intervention.

    After a remote disablement, a remote enablement does not restore supply, not even 24 h later;
    the local acknowledgement does.
    """
    esme.apply_load(2.0)
    esme.disable_supply(REMOTE)
    esme.enable_supply(REMOTE)
    assert esme.supply_state() is not SupplyState.ON, (
        "a remote enable restored supply without local intervention"
    )
    esme.advance(DAY)
    assert esme.supply_state() is not SupplyState.ON, (
        "supply came back within 24 h without local intervention"
    )
    assert esme.register(Register.ACTIVE_IMPORT) == pytest.approx(0.0)
    esme.local_acknowledge()
    assert esme.supply_state() is SupplyState.ON


@pytest.mark.verifies("OP_08")
def test_top_up_after_credit_cut_needs_local_intervention(esme: ESME) -> None:
    """A top-up after credit ran out restores supply only with a local intervention.

    Supply cut when credit ran out is not restored by a top-up alone, only by the local
    acknowledgement that follows it.
    """
    prepayment(esme, price=20.0, credit=10.0)
    esme.apply_load(3.0)
    esme.advance(HOUR)
    assert esme.supply_state() is SupplyState.OFF
    esme.top_up(1000.0, REMOTE)
    esme.advance(MINUTE)
    assert esme.supply_state() is not SupplyState.ON, "a top-up restored supply without local intervention"
    esme.local_acknowledge()
    assert esme.supply_state() is SupplyState.ON


@pytest.mark.verifies("ES_12")
def test_switch_action_configurable_per_event(esme: ESME) -> None:
    """The switch action (open or closed) is configurable per event.

    A 12 kW load over a 10 kW limit is logged but
    keeps supply until the action is set to open; a tamper opens it once configured; with the
    credit-exhausted action set to closed, supply stays on 11 minutes after credit ran out."""
    esme.set_load_limit(10.0)
    esme.configure_switch(SwitchEvent.LOAD_LIMIT_EXCEEDED, SwitchAction.CLOSED)
    esme.apply_load(12.0)
    assert esme.supply_state() is SupplyState.ON
    assert esme.events()[-1].code is EventCode.LOAD_LIMIT_EXCEEDED
    esme.apply_load(1.0)
    esme.configure_switch(SwitchEvent.LOAD_LIMIT_EXCEEDED, SwitchAction.OPEN)
    esme.apply_load(12.0)
    assert esme.supply_state() is SupplyState.OFF
    esme.apply_load(1.0)
    esme.enable_supply(REMOTE)
    esme.local_acknowledge()
    assert esme.supply_state() is SupplyState.ON
    esme.configure_switch(SwitchEvent.TAMPER, SwitchAction.OPEN)
    esme.stimulate_tamper()
    assert esme.supply_state() is SupplyState.OFF
    esme.enable_supply(REMOTE)
    esme.local_acknowledge()
    esme.configure_switch(SwitchEvent.CREDIT_EXHAUSTED, SwitchAction.CLOSED)
    prepayment(esme, price=20.0, credit=0.0)
    esme.advance(11 * MINUTE)
    assert esme.supply_state() is SupplyState.ON
