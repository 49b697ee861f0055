"""Event logs with their capacity and wrap-around, and their remote configuration (DI_01, DI_02)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime

from .interfaces import Event, EventCode
from .registry import open_question, reference_model

#: DI.1.11 (extended text of DI_01, as quoted by Elster): "the proposed minimum size of 100".
EVENT_LOG_CAPACITY = 100
#: Alarms waiting to be sent to the head end (a modelling bound, not from the spec).
ALARM_QUEUE = 100


@dataclass
class EventSetting:
    log: bool = True
    alarm: bool = False


@reference_model("MOD_EVENT_LOG", implements=("DI_01", "DI_02"))
class EventLog:
    """An event log of 100 entries that wraps around (the oldest entry is overwritten).

    Each entry has a UTC timestamp, the event code and the id of the originating
    device (DI_01). Whether each event is logged and whether it raises an alarm
    to the head end is configurable remotely (DI_02); so are thresholds, such as
    the electricity load limit, whose excess is an event.
    """

    def __init__(self, capacity: int = EVENT_LOG_CAPACITY) -> None:
        self.capacity = capacity
        self.entries: deque[Event] = deque(maxlen=capacity)
        self.alarms: deque[Event] = deque(maxlen=ALARM_QUEUE)
        self.settings: dict[EventCode, EventSetting] = {}

    def configure(self, code: EventCode, *, log: bool, alarm: bool) -> None:
        self.settings[EventCode(code)] = EventSetting(log, alarm)

    def record(self, code: EventCode, at: datetime, source: str) -> None:
        setting = self.settings.get(code, EventSetting())
        event = Event(at, code, source)
        if setting.log:
            self.entries.append(event)
        if setting.alarm:
            self.alarms.append(event)


open_question(
    "CQ_MODEL_EVENT_LOG_WRAP",
    about=("DI_01",),
    model="MOD_EVENT_LOG",
    question="The extended text of DI_01 proposes a minimum log size of 100 (DI.1.11, called arbitrary "
    "by Elster), and DI.1.4 and DI.1.12 conflict on what happens when a log is full. Is 100 the "
    "size of every log, and does a full log overwrite its oldest entry or stop?",
    interpretation="One log of at least 100 entries per meter; when full it wraps around, overwriting "
    "the oldest entry first (FIFO), as Elster proposes.",
)
