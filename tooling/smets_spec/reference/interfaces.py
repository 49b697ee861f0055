"""Typed interfaces of the devices under test: one :class:`typing.Protocol` per device kind.

The conformance suite talks to devices only through these protocols, so it runs
against anything that satisfies them: the reference models (the default), a
deliberately faulty model in the tests, or a test house's adapter that drives a
real meter on a rig. Time is part of the interface: the harness advances true
time with ``advance(seconds)`` and the device reports its own clock with
``now()``; a rig adapter maps that onto a simulated clock source.

Units: energy in kWh (kVArh for reactive), gas volume in m³, power in kW, gas
flow in m³/h, money in pence. Every timestamp a device returns is an aware
``datetime`` in UTC (OP_02).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Protocol, runtime_checkable


class Rejected(Exception):  # noqa: N818 - reads as the device's answer
    """The device refused a command (bad configuration, not allowed in this state)."""


class PaymentMode(StrEnum):
    CREDIT = "credit"
    PREPAYMENT = "prepayment"


class Channel(StrEnum):
    """Where a command comes from: the WAN (head end) or the premises (keypad, button, IHD)."""

    REMOTE = "remote"
    LOCAL = "local"


class SupplyState(StrEnum):
    """State of the electricity supply switch or the gas valve."""

    ON = "on"
    OFF = "off"
    #: enabled remotely, waiting for a local intervention before supply is restored (OP_08)
    ARMED = "armed"


class RecoveryMethod(StrEnum):
    TIME = "time"
    PAYMENT = "payment"


class SwitchEvent(StrEnum):
    """Events for which the supply switch action is configurable (ES_12)."""

    CREDIT_EXHAUSTED = "credit-exhausted"
    LOAD_LIMIT_EXCEEDED = "load-limit-exceeded"
    TAMPER = "tamper"


class SwitchAction(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class BatteryFailureAction(StrEnum):
    """What the gas valve does when the battery fails (GS_07)."""

    RETAIN = "retain"
    CLOSE = "close"


class Register(StrEnum):
    ACTIVE_IMPORT = "active-import-kWh"
    ACTIVE_EXPORT = "active-export-kWh"
    REACTIVE_IMPORT = "reactive-import-kVArh"
    REACTIVE_EXPORT = "reactive-export-kVArh"
    GAS_VOLUME = "gas-volume-m3"


class EventCode(StrEnum):
    TAMPER = "tamper"
    LOAD_LIMIT_EXCEEDED = "load-limit-exceeded"
    SUPPLY_DISABLED = "supply-disabled"
    SUPPLY_ARMED = "supply-armed"
    SUPPLY_ENABLED = "supply-enabled"
    TOP_UP = "top-up"
    CREDIT_EXHAUSTED = "credit-exhausted"
    EMERGENCY_CREDIT_ACTIVATED = "emergency-credit-activated"
    MODE_CHANGED = "payment-mode-changed"
    TARIFF_CHANGED = "tariff-changed"
    UNCONTROLLED_GAS_FLOW = "uncontrolled-gas-flow"
    GAS_SUPPLY_INTERRUPTED = "gas-supply-interrupted"
    GAS_SUPPLY_RESTORED = "gas-supply-restored"
    BATTERY_FAILURE = "battery-failure"


@dataclass(frozen=True)
class Event:
    timestamp: datetime
    code: EventCode
    #: id of the device the event originated on (DI_01)
    source: str


@dataclass(frozen=True)
class TopUp:
    amount: float
    timestamp: datetime
    channel: Channel


@dataclass(frozen=True)
class DebtPayment:
    register: int
    amount: float
    timestamp: datetime
    method: RecoveryMethod


@dataclass(frozen=True)
class ProfileEntry:
    """Consumption in one half hour starting at ``start`` (UTC)."""

    start: datetime
    value: float


@dataclass(frozen=True)
class BillingSnapshot:
    """Register values read for billing and settlement (PC_07)."""

    timestamp: datetime
    registers: Mapping[Register, float]
    tariff_registers: Mapping[str, float]


@dataclass(frozen=True)
class DebtConfig:
    """One debt to recover: ``register`` is 1, 2 or 3 (PC_04).

    ``rate`` is pence per day for :attr:`RecoveryMethod.TIME` and a percentage of
    each top-up for :attr:`RecoveryMethod.PAYMENT`.
    """

    register: int
    outstanding: float
    method: RecoveryMethod
    rate: float


@dataclass(frozen=True)
class EmergencyCreditConfig:
    """Emergency credit of ``limit`` pence, offered once the balance is below ``threshold``."""

    limit: float
    threshold: float


@dataclass(frozen=True)
class TouTariff:
    """Time-of-use: from each ``(UTC start time, register)`` in ``switches`` the register applies."""

    switches: tuple[tuple[time, str], ...]
    prices: Mapping[str, float]


@dataclass(frozen=True)
class BlockTariff:
    """Block (tier) tariff: ``prices[i]`` applies while the consumption in the current block
    period is below ``thresholds[i]`` (the last price beyond the last threshold)."""

    thresholds: tuple[float, ...]
    prices: tuple[float, ...]
    period: timedelta = field(default=timedelta(days=1))


Tariff = TouTariff | BlockTariff


@dataclass(frozen=True)
class BatteryFigure:
    """One figure of a battery budget, with where it comes from."""

    name: str
    value: float
    unit: str
    basis: str  # "source" or "assumption"
    note: str


@runtime_checkable
class Clocked(Protocol):
    """Anything with its own clock, driven by the harness."""

    @property
    def device_id(self) -> str: ...

    def now(self) -> datetime:
        """The device's own clock, as an aware UTC datetime."""
        ...

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of true time pass (the device keeps running)."""
        ...

    def local_time_display(self) -> str:
        """The local time as the device displays it (DS_05)."""
        ...


@runtime_checkable
class Meter(Clocked, Protocol):
    """What electricity and gas meters have in common: logs, registers, prepayment."""

    def events(self) -> Sequence[Event]: ...
    def event_log_capacity(self) -> int: ...
    def alarms(self) -> Sequence[Event]: ...
    def configure_event(self, code: EventCode, *, log: bool, alarm: bool) -> None: ...
    def stimulate_tamper(self) -> None: ...
    def register(self, register: Register) -> float: ...
    def half_hourly_profile(self) -> Sequence[ProfileEntry]: ...
    def billing_snapshots(self) -> Sequence[BillingSnapshot]: ...
    def set_wan_available(self, available: bool) -> None: ...
    # prepayment
    def payment_mode(self) -> PaymentMode: ...
    def set_payment_mode(self, mode: PaymentMode, channel: Channel) -> None: ...
    def balance(self) -> float: ...
    def top_up(self, amount: float, channel: Channel) -> None: ...
    def top_up_history(self) -> Sequence[TopUp]: ...
    def configure_emergency_credit(self, config: EmergencyCreditConfig, channel: Channel) -> None: ...
    def activate_emergency_credit(self) -> None: ...
    def configure_debt(self, config: DebtConfig, channel: Channel) -> None: ...
    def debt_outstanding(self, register: int) -> float: ...
    def debt_payment_history(self, register: int) -> Sequence[DebtPayment]: ...
    def configure_tariff(self, tariff: Tariff, channel: Channel) -> None: ...
    def tariff_registers(self) -> Mapping[str, float]: ...
    def supply_state(self) -> SupplyState: ...
    def local_acknowledge(self) -> None:
        """The consumer's or installer's local intervention (button press) that restores supply."""
        ...


@runtime_checkable
class ESME(Meter, Protocol):
    """Electricity smart metering equipment."""

    def apply_load(
        self,
        import_kw: float,
        export_kw: float = 0.0,
        reactive_import_kvar: float = 0.0,
        reactive_export_kvar: float = 0.0,
    ) -> None: ...
    def disable_supply(self, channel: Channel) -> None: ...
    def enable_supply(self, channel: Channel) -> None: ...
    def configure_switch(self, event: SwitchEvent, action: SwitchAction) -> None: ...
    def set_load_limit(self, kw: float | None) -> None: ...


@runtime_checkable
class GSME(Meter, Protocol):
    """Gas smart metering equipment (battery powered)."""

    def apply_flow(self, m3_per_hour: float) -> None:
        """Gas demanded downstream of the meter (flows only while the valve is open)."""
        ...

    def close_valve(self, channel: Channel) -> None: ...
    def open_valve(self, channel: Channel) -> None: ...
    def interrupt_gas_supply(self) -> None: ...
    def restore_gas_supply(self) -> None: ...
    def configure_battery_failure(self, action: BatteryFailureAction) -> None: ...
    def fail_battery(self) -> None: ...
    def wake_ups(self) -> Sequence[datetime]: ...
    def battery_budget(self) -> Sequence[BatteryFigure]: ...


@runtime_checkable
class IHD(Clocked, Protocol):
    """In-home display."""


class Target(Protocol):
    """A device under test: a factory of fresh devices, each starting at true time ``start``."""

    @property
    def name(self) -> str: ...

    def esme(self, start: datetime) -> ESME: ...
    def gsme(self, start: datetime) -> GSME: ...
    def ihd(self, start: datetime) -> IHD: ...
