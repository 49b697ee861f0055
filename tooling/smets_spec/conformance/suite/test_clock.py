"""Time: UTC timestamps (OP_02), clock accuracy (OP_05), local time display (DS_05)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ...reference.interfaces import ESME, Target
from .helpers import DAY, HOUR, device_of, is_utc, prepayment

#: OP_05: "accurate to within 0.5s within 24 hours".
MAX_ERROR_S = 0.5


@pytest.fixture
def summer() -> datetime:
    return datetime(2024, 7, 1, 11, 0, tzinfo=UTC)


@pytest.mark.verifies("OP_02")
def test_all_timestamps_are_utc(target: Target, summer: datetime) -> None:
    """Every timestamp is UTC, also in British Summer Time.

    The clock, events, top-ups and profile entries are all UTC (offset 0): a device
    started at 11:00 UTC on 1 July says 12:00 UTC an hour later.
    """
    esme: ESME = target.esme(summer)
    prepayment(esme, price=10.0, credit=500.0)
    esme.apply_load(1.0)
    esme.advance(HOUR)
    esme.stimulate_tamper()
    assert is_utc(esme.now())
    assert esme.now().replace(microsecond=0) == datetime(2024, 7, 1, 12, 0, tzinfo=UTC)
    stamps = [e.timestamp for e in esme.events()]
    stamps += [t.timestamp for t in esme.top_up_history()]
    stamps += [p.start for p in esme.half_hourly_profile()]
    assert stamps and all(is_utc(s) for s in stamps)
    assert [p.start.hour for p in esme.half_hourly_profile()] == [11, 11]


@pytest.mark.parametrize("kind", ["esme", "gsme", "ihd"])
@pytest.mark.verifies("OP_05")
def test_clock_within_half_a_second_per_day(target: Target, kind: str) -> None:
    """Free-running for 24 hours, the device clock is within 0.5 s of true UTC."""
    start = datetime(2024, 1, 15, tzinfo=UTC)
    device = device_of(target, kind, start)
    device.advance(DAY)
    error = abs((device.now() - (start + timedelta(days=1))).total_seconds())
    assert error <= MAX_ERROR_S, f"{kind} clock is {error:.3f} s off after 24 h"


def _shown(target: Target, kind: str, utc: datetime) -> str:
    device = device_of(target, kind, utc)
    return device.local_time_display()


@pytest.mark.parametrize("kind", ["ihd", "esme"])
@pytest.mark.verifies("DS_05")
def test_local_time_unambiguous_across_bst_changes(target: Target, kind: str) -> None:
    """Local time is shown unambiguously across the clock changes of 2024.

    01:30 on 27 October happens twice (BST, then GMT) and the two displays differ;
    on 31 March 01:30 UTC is shown as 02:30; 1 July 11:00 UTC is 12:00 local.
    """
    first = _shown(target, kind, datetime(2024, 10, 27, 0, 30, tzinfo=UTC))
    second = _shown(target, kind, datetime(2024, 10, 27, 1, 30, tzinfo=UTC))
    assert "01:30" in first and "01:30" in second
    assert first != second
    assert "00:30" in _shown(target, kind, datetime(2024, 3, 31, 0, 30, tzinfo=UTC))
    assert "02:30" in _shown(target, kind, datetime(2024, 3, 31, 1, 30, tzinfo=UTC))
    assert "12:00" in _shown(target, kind, datetime(2024, 7, 1, 11, 0, tzinfo=UTC))
    assert "12:00" in _shown(target, kind, datetime(2024, 1, 15, 12, 0, tzinfo=UTC))
