"""A deliberately faulty device under test: the reference models with four planted faults.

Each fault breaks exactly one requirement, so the conformance run must trace its
failures to exactly these ids:

* PC_06: the top-up history keeps the last 4 top-ups, not 5;
* OP_05: the ESME clock runs 10 ppm fast (0.864 s a day, more than 0.5 s);
* OP_08: an enable command or a top-up restores supply without local intervention;
* DI_01: the event log holds 50 entries, not at least 100.

Run it with ``smets conform --target tests.conformance.faulty_meter:target``.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime

from smets_spec.reference import ReferenceESME, ReferenceTarget
from smets_spec.reference.interfaces import Channel, SupplyState, TopUp

FAULTY_REQUIREMENTS = frozenset({"PC_06", "OP_05", "OP_08", "DI_01"})
FAST_CLOCK_PPM = 10.0
SHORT_LOG = 50
SHORT_TOP_UP_HISTORY = 4


class FaultyESME(ReferenceESME):
    """A reference ESME with the four faults above."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start, drift_ppm=FAST_CLOCK_PPM, event_log_capacity=SHORT_LOG)
        self.account.history.top_ups = deque(maxlen=SHORT_TOP_UP_HISTORY)

    def enable_supply(self, channel: Channel) -> None:
        self._accept(channel)
        self.switch.state = SupplyState.ON  # fault: no arming, no local intervention

    def _arm_supply(self) -> None:
        self.switch.state = SupplyState.ON  # fault: a top-up restores supply by itself

    def top_up_history(self) -> list[TopUp]:
        return list(self.account.history.top_ups)


class FaultyTarget(ReferenceTarget):
    name = "faulty ESME (tests/conformance/faulty_meter.py)"

    def esme(self, start: datetime) -> FaultyESME:
        return FaultyESME(start)


def target() -> FaultyTarget:
    return FaultyTarget()
