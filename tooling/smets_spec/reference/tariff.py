"""Tariffs: time-of-use and block structures with their registers, configurable (PC_08)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .interfaces import BlockTariff, Rejected, Tariff, TouTariff
from .registry import open_question, reference_model

#: PC_08: "real time (defined here as 30 minutes)".
REAL_TIME = timedelta(minutes=30)
HALF_HOUR_S = 1800


def next_half_hour(at: datetime) -> datetime:
    """``at`` if it is on a half-hour boundary, else the next boundary (UTC)."""
    seconds = at.timestamp()
    slots = -(-seconds // HALF_HOUR_S)
    return datetime.fromtimestamp(slots * HALF_HOUR_S, UTC)


def validate_tariff(tariff: Tariff) -> None:
    if isinstance(tariff, TouTariff):
        if not tariff.switches:
            raise Rejected("a time-of-use tariff needs at least one switch time")
        times = [t for t, _ in tariff.switches]
        if times != sorted(times) or len(set(times)) != len(times):
            raise Rejected("time-of-use switch times must be distinct and in order")
        missing = {r for _, r in tariff.switches} - set(tariff.prices)
        if missing:
            raise Rejected(f"no price for register(s) {', '.join(sorted(missing))}")
    elif isinstance(tariff, BlockTariff):
        if len(tariff.prices) != len(tariff.thresholds) + 1:
            raise Rejected("a block tariff has one price more than it has thresholds")
        if list(tariff.thresholds) != sorted(tariff.thresholds) or any(t <= 0 for t in tariff.thresholds):
            raise Rejected("block thresholds must be positive and increasing")
        if tariff.period <= timedelta(0):
            raise Rejected("the block period must be positive")
    else:
        raise Rejected(f"unknown tariff structure {type(tariff).__name__}")


def block_names(tariff: BlockTariff) -> list[str]:
    return [f"block{i + 1}" for i in range(len(tariff.prices))]


@reference_model("MOD_TARIFF", implements=("PC_08",))
class TariffEngine:
    """Tariffs: time-of-use and block structures that price consumption into registers.

    A configured tariff (remote or local) takes effect at the next half-hour
    boundary, so within 30 minutes ("real time" in PC_08). Time-of-use switch
    times are UTC (OP_02); a block tariff splits the consumption of each block
    period across its thresholds. Registers are named after the time-of-use
    register or ``block1`` ... ``blockN`` and accumulate energy.
    """

    def __init__(self, tariff: Tariff | None = None) -> None:
        self.active: Tariff = tariff or TouTariff(
            switches=((datetime.min.time(), "rate1"),), prices={"rate1": 0.0}
        )
        self.pending: tuple[datetime, Tariff] | None = None
        self.registers: dict[str, float] = {}
        self._block_period_start: datetime | None = None
        self._block_used = 0.0

    def configure(self, tariff: Tariff, at: datetime) -> datetime:
        """Accept ``tariff``; returns when it takes effect."""
        validate_tariff(tariff)
        effective = next_half_hour(at)
        self.pending = (effective, tariff)
        return effective

    def _apply_pending(self, at: datetime) -> None:
        if self.pending is not None and at >= self.pending[0]:
            self.active = self.pending[1]
            self.pending = None
            self._block_period_start = None
            self._block_used = 0.0

    def charge(self, start: datetime, units: float) -> float:
        """Record ``units`` consumed from ``start``; returns their cost in pence."""
        self._apply_pending(start)
        tariff = self.active
        if isinstance(tariff, TouTariff):
            register = tou_register(tariff, start)
            self.registers[register] = self.registers.get(register, 0.0) + units
            return units * tariff.prices[register]
        return self._charge_blocks(tariff, start, units)

    def price_now(self, at: datetime) -> float:
        """Marginal price at ``at`` (pence per unit)."""
        tariff = self.pending[1] if self.pending and at >= self.pending[0] else self.active
        if isinstance(tariff, TouTariff):
            return tariff.prices[tou_register(tariff, at)]
        return max(tariff.prices)

    def _charge_blocks(self, tariff: BlockTariff, start: datetime, units: float) -> float:
        if self._block_period_start is None or start >= self._block_period_start + tariff.period:
            self._block_period_start = start
            self._block_used = 0.0
        cost, left = 0.0, units
        names = block_names(tariff)
        limits = [*tariff.thresholds, float("inf")]
        for name, price, limit in zip(names, tariff.prices, limits, strict=True):
            room = max(0.0, limit - self._block_used)
            take = min(room, left)
            if take > 0:
                self.registers[name] = self.registers.get(name, 0.0) + take
                self._block_used += take
                cost += take * price
                left -= take
        return cost


def tou_register(tariff: TouTariff, at: datetime) -> str:
    """The register in force at ``at``: the last switch at or before its UTC time of day."""
    clock = at.astimezone(UTC).time()
    current = tariff.switches[-1][1]
    for start, register in tariff.switches:
        if start <= clock:
            current = register
    return current


open_question(
    "CQ_MODEL_TARIFF_TIMEBASE",
    about=("PC_08", "OP_02"),
    model="MOD_TARIFF",
    question="Are time-of-use switch times given in UTC or in local time? OP_02 asks for UTC for all "
    "timing functions; Elster (PC.8.40/41) suggests that only UTC be used for tariffs, while "
    "consumers read tariff periods in local time.",
    interpretation="Switch times are UTC. A 00:00-07:00 night rate therefore runs 01:00-08:00 local "
    "time during BST.",
)

open_question(
    "CQ_MODEL_TARIFF_REAL_TIME",
    about=("PC_08",),
    model="MOD_TARIFF",
    question="PC_08 defines 'real time' as 30 minutes. Is that the time from receiving a tariff to "
    "applying it, or the granularity of tariff periods?",
    interpretation="A configured tariff applies from the next half-hour boundary, at most 30 minutes "
    "after it is received; tariff periods also start on half-hour boundaries. A time-of-use tariff "
    "and a block tariff are alternatives, not combined (PC8.34).",
)
