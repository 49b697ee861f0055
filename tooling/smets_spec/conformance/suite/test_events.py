"""Event logs (DI_01) and their remote configuration (DI_02)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ...reference.interfaces import ESME, EventCode
from .helpers import MINUTE, is_utc

#: DI.1.11 (extended text of DI_01, as quoted in the consultation response): "minimum size of 100".
MIN_LOG_SIZE = 100


@pytest.mark.verifies("DI_01")
def test_event_has_time_and_originating_device(esme: ESME) -> None:
    """A tamper is logged with its UTC date and time and the id of the device it came from."""
    esme.advance(90 * MINUTE)
    esme.stimulate_tamper()
    event = esme.events()[-1]
    assert event.code is EventCode.TAMPER
    assert event.source == esme.device_id
    assert is_utc(event.timestamp)
    assert abs((event.timestamp - esme.now()).total_seconds()) < 1.0


@pytest.mark.verifies("DI_01")
def test_event_log_capacity_and_wrap_around(esme: ESME) -> None:
    """The log holds at least 100 events; once full, each new event overwrites the oldest.

    After capacity + 50 tampers a minute apart, the log holds exactly its capacity,
    oldest first, starting with tamper number 51.
    """
    capacity = esme.event_log_capacity()
    assert capacity >= MIN_LOG_SIZE, f"the event log holds {capacity} events, fewer than {MIN_LOG_SIZE}"
    first = esme.now()
    for _ in range(capacity + 50):
        esme.stimulate_tamper()
        esme.advance(MINUTE)
    events = [e for e in esme.events() if e.code is EventCode.TAMPER]
    assert len(events) == capacity
    assert events[0].timestamp - first == pytest.approx(timedelta(minutes=50), abs=timedelta(seconds=1))
    assert events[-1].timestamp - first == pytest.approx(
        timedelta(minutes=capacity + 49), abs=timedelta(seconds=1)
    )
    assert [e.timestamp for e in events] == sorted(e.timestamp for e in events)


@pytest.mark.verifies("DI_02")
def test_remote_configuration_of_logs_alarms_thresholds(esme: ESME) -> None:
    """Logs, alarms and thresholds are configured remotely.

    A tamper set to alarm-only raises an alarm and is not logged; with a 5 kW threshold, 4 kW logs nothing and
    6 kW logs a load-limit event."""
    esme.configure_event(EventCode.TAMPER, log=False, alarm=True)
    esme.stimulate_tamper()
    assert [e.code for e in esme.alarms()] == [EventCode.TAMPER]
    assert EventCode.TAMPER not in [e.code for e in esme.events()]
    esme.set_load_limit(5.0)
    esme.apply_load(4.0)
    assert EventCode.LOAD_LIMIT_EXCEEDED not in [e.code for e in esme.events()]
    esme.apply_load(6.0)
    assert esme.events()[-1].code is EventCode.LOAD_LIMIT_EXCEEDED
