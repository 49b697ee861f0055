"""Supply control: the electricity supply switch (ES_01, ES_12, OP_08) and the gas valve (GS_05-GS_10)."""

from __future__ import annotations

from typing import ClassVar

from .interfaces import BatteryFailureAction, Channel, SupplyState, SwitchAction, SwitchEvent
from .registry import open_question, reference_model

#: GS_10: flow above this at the local acknowledgement is uncontrolled (see the open question).
UNCONTROLLED_FLOW_M3H = 0.0


@reference_model("MOD_SUPPLY_SWITCH", implements=("ES_01", "ES_12", "OP_08"))
class SupplySwitch:
    """The electricity supply switch (contactor).

    Supply can be disabled remotely or locally (ES_01). Enabling never closes the
    switch by itself: it arms it, and supply returns only on a local intervention
    (OP_08). For each of a range of events the switch is configured to open or to
    stay closed (ES_12); by default it opens when credit is exhausted and stays
    closed on a load-limit excess or a tamper.
    """

    DEFAULT_ACTIONS: ClassVar[dict[SwitchEvent, SwitchAction]] = {
        SwitchEvent.CREDIT_EXHAUSTED: SwitchAction.OPEN,
        SwitchEvent.LOAD_LIMIT_EXCEEDED: SwitchAction.CLOSED,
        SwitchEvent.TAMPER: SwitchAction.CLOSED,
    }

    def __init__(self) -> None:
        self.state = SupplyState.ON
        self.actions: dict[SwitchEvent, SwitchAction] = dict(self.DEFAULT_ACTIONS)

    def disable(self, channel: Channel) -> None:
        self.state = SupplyState.OFF

    def enable(self, channel: Channel) -> None:
        if self.state is SupplyState.OFF:
            self.state = SupplyState.ARMED

    def acknowledge(self) -> bool:
        """Local intervention: an armed switch closes. Returns True if supply was restored."""
        if self.state is SupplyState.ARMED:
            self.state = SupplyState.ON
            return True
        return False

    def configure(self, event: SwitchEvent, action: SwitchAction) -> None:
        self.actions[SwitchEvent(event)] = SwitchAction(action)

    def on_event(self, event: SwitchEvent) -> bool:
        """Apply the configured action; returns True if the switch opened."""
        if self.actions.get(event) is SwitchAction.OPEN and self.state is not SupplyState.OFF:
            self.state = SupplyState.OFF
            return True
        return False


@reference_model("MOD_GAS_VALVE", implements=("GS_05", "GS_06", "GS_07", "GS_10"))
class GasValve:
    """The gas valve of a gas meter.

    Closed and opened by command (GS_05); opening arms the valve and it opens only
    on a local acknowledgement, at which point the meter checks for uncontrolled
    flow and closes again if there is any (GS_10). A gas supply interruption does
    not change its state (GS_06). On battery failure it keeps its state or closes,
    as configured (GS_07).
    """

    def __init__(self) -> None:
        self.state = SupplyState.ON
        self.battery_failure_action = BatteryFailureAction.RETAIN

    def close(self, channel: Channel) -> None:
        self.state = SupplyState.OFF

    def open(self, channel: Channel) -> None:
        if self.state is SupplyState.OFF:
            self.state = SupplyState.ARMED

    def acknowledge(self, downstream_flow_m3h: float) -> bool | None:
        """Local acknowledgement of an armed valve.

        Returns None if the valve was not armed, True if it opened, False if it
        closed again because of uncontrolled flow.
        """
        if self.state is not SupplyState.ARMED:
            return None
        if downstream_flow_m3h > UNCONTROLLED_FLOW_M3H:
            self.state = SupplyState.OFF
            return False
        self.state = SupplyState.ON
        return True

    def on_supply_interruption(self) -> None:
        """GS_06: the valve keeps its state."""

    def on_battery_failure(self) -> None:
        if self.battery_failure_action is BatteryFailureAction.CLOSE:
            self.state = SupplyState.OFF


open_question(
    "CQ_MODEL_UNCONTROLLED_FLOW",
    about=("GS_10",),
    model="MOD_GAS_VALVE",
    question="GS_10 asks the meter to check for 'uncontrolled gas flow' at the local acknowledgement of "
    "re-enablement, but does not define uncontrolled flow (Elster asks for a definition, possibly "
    "from a European standard). What flow, over what check period, counts?",
    interpretation="Any flow downstream of the meter at the moment of the acknowledgement (all "
    "appliances should be off) is uncontrolled: the valve closes again and the meter logs an "
    "uncontrolled-gas-flow event. A real meter needs a threshold above its minimum measurable flow "
    "and a check period; both are left to the consultation.",
)

open_question(
    "CQ_MODEL_REARMING",
    about=("OP_08", "ES_01", "ES_12"),
    model="MOD_SUPPLY_SWITCH",
    question="OP_08 requires 'reliable local intervention' before supply interrupted by the "
    "enablement/disablement mechanism is restored; Elster asks whether a DNO may close the "
    "contactor remotely, and how the engineer re-arms it (ES.12.5). Does every restoration, "
    "including after a top-up, need the local intervention?",
    interpretation="Yes: a remote or local enable command, and a top-up after credit exhaustion, "
    "only arm the switch; supply returns when the consumer or installer acknowledges locally "
    "(a button press on the meter).",
)
