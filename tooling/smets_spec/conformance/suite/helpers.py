"""Small helpers shared by the suite's tests (no device logic)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ...reference.interfaces import Channel, Clocked, Meter, PaymentMode, Target, TouTariff

MINUTE = 60.0
HOUR = 3600.0
DAY = 86_400.0
REMOTE = Channel.REMOTE
LOCAL = Channel.LOCAL


def flat_tariff(pence_per_unit: float) -> TouTariff:
    """One rate all day (switch time 00:00 UTC)."""
    return TouTariff(switches=((datetime.min.time(), "rate1"),), prices={"rate1": pence_per_unit})


def prepayment(meter: Meter, *, price: float, credit: float) -> None:
    """Put ``meter`` in prepayment mode with a flat ``price`` and ``credit`` pence (from 00:00)."""
    meter.configure_tariff(flat_tariff(price), REMOTE)
    meter.set_payment_mode(PaymentMode.PREPAYMENT, REMOTE)
    if credit:
        meter.top_up(credit, REMOTE)


def device_of(target: Target, kind: str, start: datetime) -> Clocked:
    """A fresh ``kind`` device of ``target`` (a test that takes several kinds); skips if it has none."""
    try:
        made: Clocked = getattr(target, kind)(start)
    except NotImplementedError:
        pytest.skip(f"the target has no {kind.upper()}")
    return made


def is_utc(moment: datetime) -> bool:
    return (
        moment.tzinfo is not None
        and moment.utcoffset() is not None
        and moment.utcoffset() == UTC.utcoffset(None)
    )
