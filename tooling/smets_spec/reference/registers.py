"""Measurement storage: cumulative registers (ES_02-ES_05, GS_02), the half-hourly profile of
13 months (DS_02) and billing data kept at least 3 months (PC_07)."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from .interfaces import BillingSnapshot, ProfileEntry, Register
from .registry import open_question, reference_model

#: DS_02: "13 months of half hourly ... consumption data". The longest 13 consecutive
#: calendar months last 397 days (December to December across a leap February), and a
#: UTC day has 48 half hours (OP_02), so 397 x 48 = 19 056 slots.
PROFILE_MONTHS = 13
LONGEST_13_MONTHS_DAYS = 397
SLOTS_PER_DAY = 48
PROFILE_SLOTS = LONGEST_13_MONTHS_DAYS * SLOTS_PER_DAY
#: PC_07: "at least 3 months". The longest 3 consecutive calendar months last 92 days.
BILLING_MONTHS = 3
BILLING_RETENTION = timedelta(days=92)

ELECTRICITY_REGISTERS = (
    Register.ACTIVE_IMPORT,
    Register.ACTIVE_EXPORT,
    Register.REACTIVE_IMPORT,
    Register.REACTIVE_EXPORT,
)


@reference_model("MOD_REGISTERS", implements=("ES_02", "ES_03", "ES_04", "ES_05", "GS_02"))
class CumulativeRegisters:
    """Cumulative total registers: energy for electricity, volume for gas.

    Registers only ever accumulate: active and reactive energy, import and export,
    for electricity (ES_02-ES_05), and volume for gas (GS_02).
    """

    def __init__(self, registers: tuple[Register, ...]) -> None:
        self.values: dict[Register, float] = dict.fromkeys(registers, 0.0)

    def add(self, register: Register, amount: float) -> None:
        if amount < 0:
            raise ValueError("a cumulative register never decreases")
        self.values[register] += amount

    def read(self, register: Register) -> float:
        return self.values[register]


@reference_model("MOD_PROFILE", implements=("DS_02",))
class HalfHourProfile:
    """Half-hourly consumption, one entry per UTC half hour, for the last 13 months.

    The store holds 19 056 entries (397 days of 48 slots); when full, the oldest
    entry is overwritten.
    """

    def __init__(self, capacity: int = PROFILE_SLOTS) -> None:
        self.entries: deque[ProfileEntry] = deque(maxlen=capacity)
        self._open_start: datetime | None = None
        self._open_value = 0.0

    def add(self, slot_start: datetime, value: float) -> None:
        if self._open_start is not None and slot_start != self._open_start:
            self.close()
        self._open_start = slot_start
        self._open_value += value

    def close(self) -> None:
        """Close the current half hour (at its end boundary)."""
        if self._open_start is not None:
            self.entries.append(ProfileEntry(self._open_start, self._open_value))
        self._open_start = None
        self._open_value = 0.0


@reference_model("MOD_BILLING_DATA", implements=("PC_07",))
class BillingStore:
    """Billing data: daily snapshots of the registers kept for 92 days.

    A snapshot of every cumulative register and tariff register is taken at 00:00
    UTC and kept for 92 days, the longest span of 3 calendar months (PC_07).
    """

    def __init__(self, retention: timedelta = BILLING_RETENTION) -> None:
        self.retention = retention
        self.snapshots: deque[BillingSnapshot] = deque()

    def snapshot(
        self, at: datetime, registers: Mapping[Register, float], tariff: Mapping[str, float]
    ) -> None:
        self.snapshots.append(BillingSnapshot(at, dict(registers), dict(tariff)))
        while self.snapshots and self.snapshots[0].timestamp < at - self.retention:
            self.snapshots.popleft()


def slot_start(timestamp: float) -> datetime:
    """The UTC half hour containing POSIX ``timestamp``."""
    return datetime.fromtimestamp(timestamp // 1800 * 1800, UTC)


open_question(
    "CQ_MODEL_PROFILE_MONTHS",
    about=("DS_02",),
    model="MOD_PROFILE",
    question="DS_02 asks for '13 months of half hourly' consumption data. Months vary from 28 to 31 days "
    "and a local day has 46, 48 or 50 half hours. How many half-hour entries must be stored?",
    interpretation="Enough for any 13 consecutive calendar months counted in UTC half hours: 397 days "
    "x 48 = 19 056 entries (December to December across a leap February).",
)

open_question(
    "CQ_MODEL_BILLING_DATA",
    about=("PC_07",),
    model="MOD_BILLING_DATA",
    question="PC_07 asks that 'data used for billing and settlement purposes' be stored for at least "
    "3 months, without listing the data (Elster: 'refer to the rate registers required'), and Elster "
    "notes that PC1.10 already asks for storage. Which data, taken how often, and is a month a "
    "calendar month?",
    interpretation="A daily snapshot at 00:00 UTC of every cumulative register and tariff register, "
    "kept for 92 days (the longest 3 consecutive calendar months).",
)
