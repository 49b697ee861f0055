"""The reference devices (golden units): ESME, GSME and IHD composed from the models, and the
default conformance target."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from datetime import datetime
from itertools import count

from .battery import load_budget
from .clock import DeviceClock, local_time_display
from .interfaces import (
    BatteryFailureAction,
    BatteryFigure,
    Channel,
    EventCode,
    Register,
    SupplyState,
    SwitchAction,
    SwitchEvent,
)
from .meter import ReferenceMeter
from .registers import ELECTRICITY_REGISTERS
from .registry import reference_model
from .supply import GasValve, SupplySwitch

_SERIAL = count(1)
#: Wake-ups kept for inspection (a modelling bound: more than 13 months of 48 a day).
WAKE_UP_MEMORY = 20_000


@reference_model("MOD_REFERENCE_ESME", implements=("PC_05", "PC_10", "ES_12"))
class ReferenceESME(ReferenceMeter):
    """The reference electricity meter: supply switch, four energy registers and prepayment.

    Prepayment runs in the meter, so supply is kept on credit with the WAN down and
    local top-ups still work (PC_05, PC_10). A load above the configured limit and
    a tamper are events whose switch action is configurable (ES_12).
    """

    REGISTERS = ELECTRICITY_REGISTERS

    def __init__(self, start: datetime, drift_ppm: float = 0.0, **kwargs: int) -> None:
        super().__init__(start, f"ESME-REF-{next(_SERIAL):04d}", drift_ppm, **kwargs)
        self.switch = SupplySwitch()
        self.load = (0.0, 0.0, 0.0, 0.0)
        self.load_limit_kw: float | None = None

    def _units_per_hour(self) -> float:
        return self.load[0] if self.switch.state is SupplyState.ON else 0.0

    def _run(self, hours: float) -> dict[Register, float]:
        if self.switch.state is not SupplyState.ON:
            return {}
        return {register: power * hours for register, power in zip(self.REGISTERS, self.load, strict=True)}

    def _cut_supply(self) -> bool:
        opened = self.switch.on_event(SwitchEvent.CREDIT_EXHAUSTED)
        if opened:
            self._event(EventCode.SUPPLY_DISABLED)
        return opened

    def _arm_supply(self) -> None:
        self.switch.enable(Channel.LOCAL)
        self._event(EventCode.SUPPLY_ARMED)

    def apply_load(
        self,
        import_kw: float,
        export_kw: float = 0.0,
        reactive_import_kvar: float = 0.0,
        reactive_export_kvar: float = 0.0,
    ) -> None:
        self.load = (import_kw, export_kw, reactive_import_kvar, reactive_export_kvar)
        if self.load_limit_kw is not None and import_kw > self.load_limit_kw:
            self._event(EventCode.LOAD_LIMIT_EXCEEDED)
            if self.switch.on_event(SwitchEvent.LOAD_LIMIT_EXCEEDED):
                self._event(EventCode.SUPPLY_DISABLED)

    def disable_supply(self, channel: Channel) -> None:
        self._accept(channel)
        self.switch.disable(channel)
        self.credit_cut = False
        self._event(EventCode.SUPPLY_DISABLED)

    def enable_supply(self, channel: Channel) -> None:
        self._accept(channel)
        if self.switch.state is SupplyState.OFF:
            self.switch.enable(channel)
            self._event(EventCode.SUPPLY_ARMED)

    def local_acknowledge(self) -> None:
        if self.switch.acknowledge():
            self._event(EventCode.SUPPLY_ENABLED)
            self._check_credit()

    def configure_switch(self, event: SwitchEvent, action: SwitchAction) -> None:
        self._accept(Channel.REMOTE)
        self.switch.configure(event, action)

    def set_load_limit(self, kw: float | None) -> None:
        self._accept(Channel.REMOTE)
        self.load_limit_kw = kw

    def supply_state(self) -> SupplyState:
        return self.switch.state

    def stimulate_tamper(self) -> None:
        self._event(EventCode.TAMPER)
        if self.switch.on_event(SwitchEvent.TAMPER):
            self._event(EventCode.SUPPLY_DISABLED)


@reference_model("MOD_REFERENCE_GSME", implements=("GS_03", "GS_06", "PC_11"))
class ReferenceGSME(ReferenceMeter):
    """The reference gas meter: valve, volume register, prepayment, wake-ups every 30 minutes.

    The meter sleeps between wake-ups on each UTC half hour (48 a day, GS_03); a
    remote top-up waits at the communications hub and is registered at the next
    wake-up, so within 30 minutes (PC_11). A gas supply interruption stops the flow
    but not the meter, and the valve keeps its state (GS_06).
    """

    REGISTERS = (Register.GAS_VOLUME,)

    def __init__(self, start: datetime, drift_ppm: float = 0.0, **kwargs: int) -> None:
        super().__init__(start, f"GSME-REF-{next(_SERIAL):04d}", drift_ppm, **kwargs)
        self.valve = GasValve()
        self.flow = 0.0
        self.gas_available = True
        self.pending_top_ups: list[float] = []
        self.wakes: deque[datetime] = deque(maxlen=WAKE_UP_MEMORY)

    def _units_per_hour(self) -> float:
        on = self.valve.state is SupplyState.ON and self.gas_available
        return self.flow if on else 0.0

    def _run(self, hours: float) -> dict[Register, float]:
        return {Register.GAS_VOLUME: self._units_per_hour() * hours}

    def _cut_supply(self) -> bool:
        if self.valve.state is SupplyState.OFF:
            return False
        self.valve.close(Channel.LOCAL)
        self._event(EventCode.SUPPLY_DISABLED)
        return True

    def _arm_supply(self) -> None:
        self.valve.open(Channel.LOCAL)
        self._event(EventCode.SUPPLY_ARMED)

    def _on_half_hour(self, boundary: datetime) -> None:
        self.wakes.append(boundary)
        pending, self.pending_top_ups = self.pending_top_ups, []
        for amount in pending:
            self._apply_top_up(amount, Channel.REMOTE)

    def top_up(self, amount: float, channel: Channel) -> None:
        self._accept(channel)
        if Channel(channel) is Channel.REMOTE:
            self.pending_top_ups.append(amount)
        else:
            self._apply_top_up(amount, channel)

    def apply_flow(self, m3_per_hour: float) -> None:
        self.flow = m3_per_hour

    def close_valve(self, channel: Channel) -> None:
        self._accept(channel)
        self.valve.close(channel)
        self.credit_cut = False
        self._event(EventCode.SUPPLY_DISABLED)

    def open_valve(self, channel: Channel) -> None:
        self._accept(channel)
        if self.valve.state is SupplyState.OFF:
            self.valve.open(channel)
            self._event(EventCode.SUPPLY_ARMED)

    def local_acknowledge(self) -> None:
        opened = self.valve.acknowledge(self.flow)
        if opened:
            self._event(EventCode.SUPPLY_ENABLED)
            self._check_credit()
        elif opened is False:
            self._event(EventCode.UNCONTROLLED_GAS_FLOW)

    def supply_state(self) -> SupplyState:
        return self.valve.state

    def interrupt_gas_supply(self) -> None:
        self.gas_available = False
        self.valve.on_supply_interruption()
        self._event(EventCode.GAS_SUPPLY_INTERRUPTED)

    def restore_gas_supply(self) -> None:
        self.gas_available = True
        self._event(EventCode.GAS_SUPPLY_RESTORED)

    def configure_battery_failure(self, action: BatteryFailureAction) -> None:
        self._accept(Channel.REMOTE)
        self.valve.battery_failure_action = BatteryFailureAction(action)

    def fail_battery(self) -> None:
        self._event(EventCode.BATTERY_FAILURE)
        self.valve.on_battery_failure()

    def wake_ups(self) -> Sequence[datetime]:
        return list(self.wakes)

    def battery_budget(self) -> Sequence[BatteryFigure]:
        return load_budget()

    def stimulate_tamper(self) -> None:
        self._event(EventCode.TAMPER)


@reference_model("MOD_REFERENCE_IHD", implements=("DS_05",))
class ReferenceIHD:
    """The reference in-home display: shows local time derived from UTC (DS_05)."""

    def __init__(self, start: datetime, drift_ppm: float = 0.0) -> None:
        self.clock = DeviceClock(start, drift_ppm)
        self._device_id = f"IHD-REF-{next(_SERIAL):04d}"

    @property
    def device_id(self) -> str:
        return self._device_id

    def now(self) -> datetime:
        return self.clock.now()

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def local_time_display(self) -> str:
        return local_time_display(self.clock.now())


class ReferenceTarget:
    """The default device under test: fresh reference devices."""

    name = "reference models (smets_spec.reference)"

    def esme(self, start: datetime) -> ReferenceESME:
        return ReferenceESME(start)

    def gsme(self, start: datetime) -> ReferenceGSME:
        return ReferenceGSME(start)

    def ihd(self, start: datetime) -> ReferenceIHD:
        return ReferenceIHD(start)


def target() -> ReferenceTarget:
    """Factory of the default target (``smets_spec.reference:target``)."""
    return ReferenceTarget()
