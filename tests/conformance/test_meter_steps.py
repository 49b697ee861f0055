"""The reference meters' time stepping (``ReferenceMeter.advance``) gives exactly what it gave before
it was made cheaper per step (issue 20: the conformance suite's 13-month profile tests take 19,104
steps each in every cold build): the previous loop is kept here, and both run the same stories of
credit, prepayment, grace periods, debts, tariff changes and drifting clocks; every register,
profile entry, snapshot, event and balance must be equal, float for float."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

import pytest

from smets_spec.reference.devices import ReferenceESME, ReferenceGSME
from smets_spec.reference.interfaces import (
    BlockTariff,
    Channel,
    DebtConfig,
    EmergencyCreditConfig,
    EventCode,
    PaymentMode,
    RecoveryMethod,
    TouTariff,
)
from smets_spec.reference.meter import DAY_S, EPS, HALF_HOUR_S, MIN_STEP_S, ReferenceMeter, _snap
from smets_spec.reference.registers import slot_start

HOUR = 3600.0
DAY = 86_400.0


class _Before(ReferenceMeter):
    """The stepping as it was (main at f97be11), word for word."""

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        remaining = seconds * self.clock.rate
        while remaining > EPS:
            ts = _snap(self.clock.timestamp)
            boundary = ((ts + EPS) // HALF_HOUR_S + 1) * HALF_HOUR_S
            span = min(remaining, boundary - ts, max(self._deadline(ts), MIN_STEP_S))
            self._step(ts, span)
            remaining -= span
            if abs(self.clock.timestamp - boundary) < EPS:
                self._half_hour_before(datetime.fromtimestamp(boundary, UTC))

    def _deadline(self, ts: float) -> float:
        spans = [float("inf")]
        deadline = self.account.grace_deadline()
        if deadline is not None:
            spans.append(deadline.timestamp() - ts)
        per_hour = self._units_per_hour() * self.tariff.price_now(datetime.fromtimestamp(ts, UTC))
        available = self.account.available()
        if per_hour > 0 and available != float("inf") and not self.account.exhausted():
            spans.append(available / per_hour * 3600 * self.clock.rate)
        return min(spans)

    def _step(self, ts: float, span: float) -> None:
        start = datetime.fromtimestamp(ts, UTC)
        added = self._run(span / self.clock.rate / 3600)
        for register, amount in added.items():
            self.registers.add(register, amount)
        consumed = added.get(self.REGISTERS[0], 0.0)
        self.profile.add(slot_start(ts + EPS), consumed)
        self.account.charge(self.tariff.charge(start, consumed))
        self.clock.advance_device(span)
        self._check_credit()

    def _half_hour_before(self, boundary: datetime) -> None:
        self.profile.add(boundary, 0.0)
        if boundary.timestamp() % DAY_S == 0:
            self.account.collect_time_debts(boundary)
            self.billing.snapshot(boundary, self.registers.values, self.tariff.registers)
            self._check_credit()
        self._on_half_hour(boundary)

    def _check_credit(self) -> None:
        if not self.account.supply_allowed(self.now()) and not self.credit_cut and self._cut_supply():
            self.credit_cut = True
            self._event(EventCode.CREDIT_EXHAUSTED)


class _ESMEBefore(_Before, ReferenceESME):
    pass


class _GSMEBefore(_Before, ReferenceGSME):
    pass


def _state(meter: Meter) -> dict[str, object]:
    """Everything the stepping touches (events without the device's serial, which differs)."""
    return {
        "now": meter.now(),
        "timestamp": meter.clock.timestamp,
        "registers": dict(meter.registers.values),
        "profile": list(meter.profile.entries),
        "open": (meter.profile._open_start, meter.profile._open_value),
        "billing": list(meter.billing.snapshots),
        "events": [(e.timestamp, e.code) for e in meter.log.entries],
        "balance": meter.account.balance,
        "exhausted_since": meter.account.exhausted_since,
        "debts": {r: d.outstanding for r, d in meter.account.debts.items()},
        "debt_payments": {r: list(p) for r, p in meter.account.history.debt_payments.items()},
        "top_ups": list(meter.account.history.top_ups),
        "tariff": dict(meter.tariff.registers),
        "credit_cut": meter.credit_cut,
        "supply": meter.supply_state(),
    }


START = datetime(2024, 1, 15, tzinfo=UTC)


Meter = ReferenceESME | ReferenceGSME


def _use(meter: Meter, kw: float, m3_per_hour: float) -> None:
    """An import of ``kw`` (an ESME; with a little export and reactive load) or a gas flow (a GSME)."""
    if isinstance(meter, ReferenceESME):
        meter.apply_load(kw, export_kw=0.3, reactive_import_kvar=0.4)
    else:
        meter.apply_flow(m3_per_hour)


def _profile_year(meter: Meter) -> None:
    _use(meter, 1.0, 0.2)
    meter.advance(398 * DAY)


def _credit_runs_out(meter: Meter) -> None:
    """Prepayment at two time-of-use prices: credit runs out mid-slot, the grace period passes, the
    supply is cut; a top-up and emergency credit; time and payment debts collected at midnight."""
    switches = ((time(0, 0), "night"), (time(7, 0), "day"))
    tariff = TouTariff(switches=switches, prices={"night": 7.5, "day": 23.1})
    meter.configure_tariff(tariff, Channel.REMOTE)
    meter.set_payment_mode(PaymentMode.PREPAYMENT, Channel.REMOTE)
    meter.configure_debt(DebtConfig(1, 300.0, RecoveryMethod.TIME, 45.0), Channel.REMOTE)
    meter.configure_debt(DebtConfig(2, 200.0, RecoveryMethod.PAYMENT, 30.0), Channel.REMOTE)
    meter.configure_emergency_credit(EmergencyCreditConfig(limit=150.0, threshold=100.0), Channel.REMOTE)
    meter.top_up(900.0, Channel.LOCAL)
    _use(meter, 2.7, 1.7)
    meter.advance(17 * HOUR + 123.25)
    meter.advance(5 * HOUR)
    if meter.account.balance < 100.0:
        meter.activate_emergency_credit()
    meter.advance(7 * HOUR + 0.5)
    # cut: once the grace period is over, the stepping goes a second at a time until credit is back
    meter.advance(20 * 60)
    meter.top_up(5234.5, Channel.LOCAL)
    meter.local_acknowledge()
    meter.advance(2 * DAY)


def _tariffs_change(meter: Meter) -> None:
    """A block tariff, configured mid-slot (it applies from the next boundary), then a time-of-use one."""
    meter.advance(7 * 60 + 11.5)
    meter.configure_tariff(BlockTariff(thresholds=(3.0, 8.0), prices=(10.0, 15.0, 21.0)), Channel.REMOTE)
    _use(meter, 0.9, 0.45)
    meter.advance(4 * DAY + 1000.0)
    meter.set_payment_mode(PaymentMode.PREPAYMENT, Channel.REMOTE)
    meter.top_up(50.0, Channel.REMOTE)
    meter.advance(HOUR)
    meter.set_payment_mode(PaymentMode.CREDIT, Channel.REMOTE)
    meter.configure_tariff(TouTariff(switches=((time(0, 0), "r"),), prices={"r": 3.3}), Channel.LOCAL)
    meter.advance(40 * DAY)


STORIES: dict[str, Callable[[Meter], None]] = {
    "profile": _profile_year,
    "credit": _credit_runs_out,
    "tariffs": _tariffs_change,
}


@pytest.mark.parametrize("story", sorted(STORIES))
@pytest.mark.parametrize(
    ("kind", "before"), [(ReferenceESME, _ESMEBefore), (ReferenceGSME, _GSMEBefore)], ids=["esme", "gsme"]
)
@pytest.mark.parametrize(
    ("start", "drift"),
    [(START, 0.0), (START + timedelta(minutes=13, seconds=7, microseconds=250_000), 0.0), (START, 4.5)],
    ids=["on-boundary", "mid-slot", "drifting"],
)
def test_the_stepping_gives_what_it_gave(
    story: str, kind: type[Meter], before: type[Meter], start: datetime, drift: float
) -> None:
    now, then = kind(start, drift), before(start, drift)
    STORIES[story](now)
    STORIES[story](then)
    assert _state(now) == _state(then)
    assert len(now.profile.entries) > 40  # the stories run for days: the comparison has matter
    codes = {event.code for event in now.log.entries}
    if story == "credit":  # credit ran out, the grace period passed, the supply was cut
        assert EventCode.CREDIT_EXHAUSTED in codes and EventCode.SUPPLY_DISABLED in codes
