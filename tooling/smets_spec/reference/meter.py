"""What the reference electricity and gas meters share: time stepping, logs, storage, prepayment.

:meth:`ReferenceMeter.advance` runs the meter in steps that never cross a UTC
half-hour boundary (where the profile slot closes, and at 00:00 billing data is
snapshot and time-based debt collected), nor a prepayment deadline (credit
running out, the end of the grace period).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from .clock import DeviceClock, local_time_display
from .events import EVENT_LOG_CAPACITY, EventLog
from .interfaces import (
    BillingSnapshot,
    Channel,
    DebtConfig,
    DebtPayment,
    EmergencyCreditConfig,
    Event,
    EventCode,
    PaymentMode,
    ProfileEntry,
    Register,
    Rejected,
    Tariff,
    TopUp,
)
from .prepayment import PrepaymentAccount
from .registers import BillingStore, CumulativeRegisters, HalfHourProfile, slot_start
from .tariff import TariffEngine

HALF_HOUR_S = 1800.0
DAY_S = 86_400.0
EPS = 1e-6
MIN_STEP_S = 1.0


def _snap(ts: float) -> float:
    """Whole seconds stay whole despite float rounding (steps end on boundaries)."""
    whole = round(ts)
    return float(whole) if abs(ts - whole) < EPS else ts


class ReferenceMeter:
    """Base of the reference ESME and GSME."""

    REGISTERS: tuple[Register, ...] = ()

    def __init__(
        self,
        start: datetime,
        device_id: str,
        drift_ppm: float = 0.0,
        event_log_capacity: int = EVENT_LOG_CAPACITY,
    ) -> None:
        self._device_id = device_id
        self.clock = DeviceClock(start, drift_ppm)
        self.log = EventLog(event_log_capacity)
        self.account = PrepaymentAccount()
        self.tariff = TariffEngine()
        self.profile = HalfHourProfile()
        self.billing = BillingStore()
        self.registers = CumulativeRegisters(self.REGISTERS)
        self.wan = True
        self.credit_cut = False

    # -- hooks for the device kinds --------------------------------------------------------
    def _units_per_hour(self) -> float:
        """Consumption (kWh or m³ per hour) flowing now."""
        raise NotImplementedError

    def _run(self, hours: float) -> dict[Register, float]:
        """Meter ``hours`` of true time; returns the amounts added to each register."""
        raise NotImplementedError

    def _cut_supply(self) -> bool:
        raise NotImplementedError

    def _arm_supply(self) -> None:
        raise NotImplementedError

    def _on_half_hour(self, boundary: datetime) -> None:
        """Hook at each half-hour boundary (after the common work)."""

    # -- time ------------------------------------------------------------------------------
    @property
    def device_id(self) -> str:
        return self._device_id

    def now(self) -> datetime:
        return self.clock.now()

    def local_time_display(self) -> str:
        return local_time_display(self.clock.now())

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        clock = self.clock
        remaining = seconds * clock.rate
        while remaining > EPS:  # a 13-month profile test takes 19,104 turns: each does only what it must
            ts = _snap(clock.timestamp)
            boundary = ((ts + EPS) // HALF_HOUR_S + 1) * HALF_HOUR_S
            span = min(remaining, boundary - ts, max(self._deadline(ts), MIN_STEP_S))
            self._step(ts, span)
            remaining -= span
            if abs(clock.timestamp - boundary) < EPS:
                self._half_hour(boundary)

    def _deadline(self, ts: float) -> float:
        """Device seconds until credit runs out or the grace period ends."""
        deadline = self.account.grace_deadline()
        span = float("inf") if deadline is None else deadline.timestamp() - ts
        available = self.account.available()
        if available == float("inf") or self.account.exhausted():
            return span  # no credit to run out of: the price now is not needed
        per_hour = self._units_per_hour() * self.tariff.price_now(datetime.fromtimestamp(ts, UTC))
        if per_hour > 0:
            return min(span, available / per_hour * 3600 * self.clock.rate)
        return span

    def _step(self, ts: float, span: float) -> None:
        start = datetime.fromtimestamp(ts, UTC)
        added = self._run(span / self.clock.rate / 3600)
        for register, amount in added.items():
            self.registers.add(register, amount)
        consumed = added.get(self.REGISTERS[0], 0.0)
        # a step from a half-hour boundary starts its slot (slot_start's answer, without the reckoning)
        self.profile.add(start if ts % HALF_HOUR_S == 0 else slot_start(ts + EPS), consumed)
        self.account.charge(self.tariff.charge(start, consumed))
        self.clock.advance_device(span)
        self._check_credit()

    def _half_hour(self, boundary_ts: float) -> None:
        """The work at the half-hour boundary at POSIX ``boundary_ts`` (whole seconds)."""
        boundary = datetime.fromtimestamp(boundary_ts, UTC)
        self.profile.add(boundary, 0.0)  # closes the slot that just ended, opens the next
        if boundary_ts % DAY_S == 0:
            self.account.collect_time_debts(boundary)
            self.billing.snapshot(boundary, self.registers.values, self.tariff.registers)
            self._check_credit()
        self._on_half_hour(boundary)

    # -- prepayment ------------------------------------------------------------------------
    def _check_credit(self) -> None:
        if self.account.exhausted_since is None and not self.account.exhausted():
            return  # supply_allowed would say so and change nothing: the time is not needed
        if not self.account.supply_allowed(self.now()) and not self.credit_cut and self._cut_supply():
            self.credit_cut = True
            self._event(EventCode.CREDIT_EXHAUSTED)

    def _accept(self, channel: Channel) -> None:
        if Channel(channel) is Channel.REMOTE and not self.wan:
            raise Rejected("remote command while the WAN is unavailable")

    def _event(self, code: EventCode) -> None:
        self.log.record(code, self.now(), self.device_id)

    def set_wan_available(self, available: bool) -> None:
        self.wan = available

    def payment_mode(self) -> PaymentMode:
        return self.account.mode

    def set_payment_mode(self, mode: PaymentMode, channel: Channel) -> None:
        self._accept(channel)
        self.account.set_mode(mode)
        self._event(EventCode.MODE_CHANGED)
        self._credit_restored()
        self._check_credit()

    def balance(self) -> float:
        return self.account.balance

    def top_up(self, amount: float, channel: Channel) -> None:
        self._accept(channel)
        self._apply_top_up(amount, channel)

    def _apply_top_up(self, amount: float, channel: Channel) -> None:
        self.account.top_up(amount, channel, self.now())
        self._event(EventCode.TOP_UP)
        self._credit_restored()

    def _credit_restored(self) -> None:
        if self.credit_cut and not self.account.exhausted():
            self.credit_cut = False
            self.account.exhausted_since = None
            self._arm_supply()

    def top_up_history(self) -> Sequence[TopUp]:
        return list(self.account.history.top_ups)

    def configure_emergency_credit(self, config: EmergencyCreditConfig, channel: Channel) -> None:
        self._accept(channel)
        self.account.configure_emergency_credit(config)

    def activate_emergency_credit(self) -> None:
        self.account.activate_emergency_credit()
        self._event(EventCode.EMERGENCY_CREDIT_ACTIVATED)
        self._credit_restored()

    def configure_debt(self, config: DebtConfig, channel: Channel) -> None:
        self._accept(channel)
        self.account.configure_debt(config)

    def debt_outstanding(self, register: int) -> float:
        if register not in self.account.history.debt_payments:
            raise Rejected(f"no debt register {register}")
        debt = self.account.debts.get(register)
        return debt.outstanding if debt else 0.0

    def debt_payment_history(self, register: int) -> Sequence[DebtPayment]:
        if register not in self.account.history.debt_payments:
            raise Rejected(f"no debt register {register}")
        return list(self.account.history.debt_payments[register])

    def configure_tariff(self, tariff: Tariff, channel: Channel) -> None:
        self._accept(channel)
        self.tariff.configure(tariff, self.now())
        self._event(EventCode.TARIFF_CHANGED)

    def tariff_registers(self) -> Mapping[str, float]:
        return dict(self.tariff.registers)

    # -- data and logs ---------------------------------------------------------------------
    def register(self, register: Register) -> float:
        if register not in self.registers.values:
            raise Rejected(f"{self.device_id} has no {register.value} register")
        return self.registers.read(register)

    def half_hourly_profile(self) -> Sequence[ProfileEntry]:
        return list(self.profile.entries)

    def billing_snapshots(self) -> Sequence[BillingSnapshot]:
        return list(self.billing.snapshots)

    def events(self) -> Sequence[Event]:
        return list(self.log.entries)

    def alarms(self) -> Sequence[Event]:
        return list(self.log.alarms)

    def event_log_capacity(self) -> int:
        return self.log.capacity

    def configure_event(self, code: EventCode, *, log: bool, alarm: bool) -> None:
        self._accept(Channel.REMOTE)
        self.log.configure(code, log=log, alarm=alarm)
