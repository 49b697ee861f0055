"""Prepayment: modes, top-ups, emergency credit, debt recovery and payment history (PC_01-PC_06)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .interfaces import (
    Channel,
    DebtConfig,
    DebtPayment,
    EmergencyCreditConfig,
    PaymentMode,
    RecoveryMethod,
    Rejected,
    TopUp,
)
from .registry import open_question, reference_model

#: PC_06: "the last 10 debt payments (of each type)".
DEBT_PAYMENT_HISTORY = 10
#: PC_06: "as a minimum, include the last five top ups ... with amount, dates and times".
TOP_UP_HISTORY = 5
#: PC_04 (extended text, as quoted by Elster: "3 debts ok"): up to three debts.
MAX_DEBTS = 3
#: PC_03 (extended requirement PC3.28, as quoted by Elster): "The 10 minute grace period".
GRACE_PERIOD = timedelta(minutes=10)
#: PC.11.19 (extended requirement, as quoted by Elster): a gas meter checks for top-ups
#: "no greater than 30 minutes" apart.
GAS_TOP_UP_CHECK = timedelta(minutes=30)


@dataclass
class _Debt:
    config: DebtConfig
    outstanding: float


@dataclass
class _History:
    top_ups: deque[TopUp] = field(default_factory=lambda: deque(maxlen=TOP_UP_HISTORY))
    debt_payments: dict[int, deque[DebtPayment]] = field(
        default_factory=lambda: {r: deque(maxlen=DEBT_PAYMENT_HISTORY) for r in range(1, MAX_DEBTS + 1)}
    )


@reference_model(
    "MOD_PREPAYMENT",
    implements=("PC_01", "PC_02", "PC_03", "PC_04", "PC_05", "PC_06", "PC_10", "PC_11"),
)
class PrepaymentAccount:
    """The meter balance and the prepayment rules, kept in the meter itself.

    Credit is held and decremented in the meter, so supply is maintained on credit
    without the WAN (PC_05); top-ups arrive remotely or locally (PC_02, PC_10, PC_11);
    emergency credit is offered below a configured threshold (PC_03); up to three
    debts are recovered by time or as a share of each top-up (PC_04); the last
    10 debt payments of each debt and the last 5 top-ups are kept (PC_06). When the
    credit (and any emergency credit) runs out, supply is interrupted after a grace
    period of 10 minutes.
    """

    def __init__(self) -> None:
        self.mode = PaymentMode.CREDIT
        self.balance = 0.0
        self.emergency_credit: EmergencyCreditConfig | None = None
        self.emergency_credit_active = False
        self.debts: dict[int, _Debt] = {}
        self.history = _History()
        self.exhausted_since: datetime | None = None

    # -- configuration ------------------------------------------------------------------
    def set_mode(self, mode: PaymentMode) -> None:
        self.mode = PaymentMode(mode)
        self.exhausted_since = None

    def configure_emergency_credit(self, config: EmergencyCreditConfig) -> None:
        if config.limit < 0 or config.threshold < 0:
            raise Rejected("emergency credit limit and threshold are amounts of at least 0 pence")
        self.emergency_credit = config

    def configure_debt(self, config: DebtConfig) -> None:
        if not 1 <= config.register <= MAX_DEBTS:
            raise Rejected(f"debt register {config.register}: at most {MAX_DEBTS} debts (registers 1-3)")
        if config.outstanding < 0 or config.rate < 0:
            raise Rejected("debt amount and recovery rate are at least 0")
        if config.method is RecoveryMethod.PAYMENT and config.rate > 100:
            raise Rejected("payment-based recovery takes at most 100 % of a top-up")
        self.debts[config.register] = _Debt(config, config.outstanding)

    # -- money in and out -------------------------------------------------------------------
    def top_up(self, amount: float, channel: Channel, at: datetime) -> None:
        if amount <= 0:
            raise Rejected("a top-up is a positive amount")
        rest = amount
        for register, debt in sorted(self.debts.items()):
            if debt.config.method is RecoveryMethod.PAYMENT and debt.outstanding > 0:
                take = min(debt.outstanding, amount * debt.config.rate / 100, rest)
                rest -= take
                self._pay_debt(register, debt, take, at)
        self.balance += rest
        if self.balance >= 0:
            self.emergency_credit_active = False
        self.history.top_ups.append(TopUp(amount, at, Channel(channel)))

    def collect_time_debts(self, at: datetime) -> None:
        """Daily recovery of time-based debts (at 00:00 UTC), in prepayment mode."""
        if self.mode is not PaymentMode.PREPAYMENT:
            return
        for register, debt in sorted(self.debts.items()):
            if debt.config.method is RecoveryMethod.TIME and debt.outstanding > 0:
                take = min(debt.outstanding, debt.config.rate)
                self.balance -= take
                self._pay_debt(register, debt, take, at)

    def _pay_debt(self, register: int, debt: _Debt, amount: float, at: datetime) -> None:
        if amount <= 0:
            return
        debt.outstanding -= amount
        self.history.debt_payments[register].append(DebtPayment(register, amount, at, debt.config.method))

    def charge(self, cost: float) -> None:
        """Consumption cost; only prepayment decrements the meter balance."""
        if self.mode is PaymentMode.PREPAYMENT:
            self.balance -= cost

    # -- emergency credit and supply ---------------------------------------------------------
    def activate_emergency_credit(self) -> None:
        config = self.emergency_credit
        if self.mode is not PaymentMode.PREPAYMENT or config is None:
            raise Rejected("emergency credit is offered only in prepayment mode, once configured")
        if self.emergency_credit_active or self.balance >= config.threshold:
            raise Rejected(f"emergency credit is offered when the balance is below {config.threshold} p")
        self.emergency_credit_active = True

    @property
    def floor(self) -> float:
        """The lowest balance before credit is exhausted."""
        if self.emergency_credit_active and self.emergency_credit is not None:
            return -self.emergency_credit.limit
        return 0.0

    def available(self) -> float:
        """Credit left before exhaustion (infinite in credit mode)."""
        if self.mode is not PaymentMode.PREPAYMENT:
            return float("inf")
        return self.balance - self.floor

    def exhausted(self) -> bool:
        return self.available() <= 1e-9

    def supply_allowed(self, at: datetime) -> bool:
        """Track exhaustion; supply may stay on until the grace period after it has passed."""
        if not self.exhausted():
            self.exhausted_since = None
            return True
        if self.exhausted_since is None:
            self.exhausted_since = at
        return at - self.exhausted_since < GRACE_PERIOD

    def grace_deadline(self) -> datetime | None:
        return None if self.exhausted_since is None else self.exhausted_since + GRACE_PERIOD


open_question(
    "CQ_MODEL_DEBT_PAYMENT_TYPE",
    about=("PC_06", "PC_04"),
    model="MOD_PREPAYMENT",
    question="PC_06 asks for 'the last 10 debt payments (of each type)'. What is a type: the recovery "
    "method (time-based or payment-based) or each of the debts of PC_04?",
    interpretation="Each of the (up to three) debt registers keeps its own last 10 payments. This also "
    "holds the last 10 of each recovery method, since those are among the registers' last 10.",
)

open_question(
    "CQ_MODEL_GRACE_PERIOD",
    about=("PC_03",),
    model="MOD_PREPAYMENT",
    question="The extended text of PC_03 (PC3.28, quoted by Elster as 'over specified') sets a 10 minute "
    "grace period. What starts it, and what may the consumer do during it?",
    interpretation="The grace period starts when the credit, including any emergency credit in use, "
    "is exhausted; supply stays on for 10 minutes (consumption is still charged) and is then "
    "interrupted unless a top-up or emergency credit restores credit in the meantime. Friendly "
    "credit periods are not modelled.",
)

open_question(
    "CQ_MODEL_DEBT_RECOVERY",
    about=("PC_04",),
    model="MOD_PREPAYMENT",
    question="PC_04 asks for remotely configurable debt recovery, by time and by payment, with up to "
    "three debts. At what interval is time-based debt collected, and in what order do payment-based "
    "debts take their share of a top-up?",
    interpretation="Time-based debts are collected once a day at 00:00 UTC at their rate (pence per "
    "day), never more than the amount outstanding; payment-based debts take their percentage of "
    "each top-up, in register order (1, 2, 3); the rest of the top-up is credit.",
)

open_question(
    "CQ_MODEL_GAS_TOP_UP",
    about=("PC_11", "GS_03"),
    model="MOD_PREPAYMENT",
    question="PC_11 asks for 'prompt and timely' registration of remote top-ups; its extended text "
    "PC.11.19 (quoted by Elster) has the gas meter check for top-ups at a configurable period no "
    "greater than 30 minutes. Is 30 minutes the bound on 'timely' for a gas meter, and is it 'prompt' "
    "(immediate) for an electricity meter?",
    interpretation="An electricity meter registers a remote top-up when it arrives; a gas meter "
    "registers it at its next wake-up, and wakes at least every 30 minutes (48 times a day, GS_03).",
)
