"""Unit checks of the reference models that the conformance suite does not exercise itself:
their declarations, the battery budget's data rules, and the interpretations' exact numbers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from smets_spec.reference import target
from smets_spec.reference.battery import BudgetError, battery_life_years, load_budget, max_wake_ups_per_day
from smets_spec.reference.clock import MAX_DRIFT_PPM, local_time_display
from smets_spec.reference.interfaces import ESME, GSME, IHD, BlockTariff, Channel, Rejected, TouTariff
from smets_spec.reference.registers import PROFILE_SLOTS
from smets_spec.reference.registry import load_registry
from smets_spec.reference.tariff import next_half_hour, validate_tariff

#: The requirements issue 6 names: each must have a model and a test.
NAMED = frozenset(
    [
        "PC_01",
        "PC_02",
        "PC_03",
        "PC_04",
        "PC_05",
        "PC_06",
        "PC_07",
        "PC_08",
        "PC_10",
        "PC_11",
        "ES_01",
        "ES_02",
        "ES_03",
        "ES_04",
        "ES_05",
        "ES_12",
        "OP_02",
        "OP_05",
        "OP_08",
        "GS_02",
        "GS_03",
        "GS_05",
        "GS_06",
        "GS_07",
        "GS_08",
        "GS_10",
        "DS_02",
        "DS_05",
        "DI_01",
        "DI_02",
    ]
)


def test_every_named_requirement_has_a_model() -> None:
    models, questions = load_registry()
    implemented = {req for model in models.values() for req in model.implements}
    assert sorted(NAMED - implemented) == []
    assert models["MOD_PREPAYMENT"].ref == "smets_spec.reference.prepayment:PrepaymentAccount"
    assert models["MOD_PREPAYMENT"].file.name == "prepayment.py"
    assert questions["CQ_MODEL_DEBT_PAYMENT_TYPE"].about == ("PC_06", "PC_04")
    assert questions["CQ_MODEL_DEBT_PAYMENT_TYPE"].file.name == "prepayment.py"


def test_reference_devices_satisfy_the_protocols() -> None:
    start = datetime(2024, 1, 15, tzinfo=UTC)
    made = target()
    assert isinstance(made.esme(start), ESME)
    assert isinstance(made.gsme(start), GSME)
    assert isinstance(made.ihd(start), IHD)


def test_figures_of_the_interpretations() -> None:
    assert PROFILE_SLOTS == 19_056
    assert pytest.approx(5.787, abs=0.001) == MAX_DRIFT_PPM
    assert local_time_display(datetime(2024, 10, 27, 0, 30, tzinfo=UTC)) == "2024-10-27 01:30:00 BST"
    assert local_time_display(datetime(2024, 10, 27, 1, 30, tzinfo=UTC)) == "2024-10-27 01:30:00 GMT"
    with pytest.raises(ValueError, match=r"OP_02"):
        local_time_display(datetime(2024, 10, 27, 1, 30))
    assert next_half_hour(datetime(2024, 1, 1, 10, 7, tzinfo=UTC)) == datetime(2024, 1, 1, 10, 30, tzinfo=UTC)
    assert next_half_hour(datetime(2024, 1, 1, 10, 30, tzinfo=UTC)) == datetime(
        2024, 1, 1, 10, 30, tzinfo=UTC
    )


def test_battery_budget_is_data_with_stated_bases() -> None:
    figures = load_budget()
    assert battery_life_years(figures, 48) == pytest.approx(26.21, abs=0.01)
    assert max_wake_ups_per_day(figures) == pytest.approx(164.9, abs=0.1)
    assumed = sorted(f.name for f in figures if f.basis == "assumption")
    assert "capacity" in assumed and "required_life" not in assumed
    with pytest.raises(BudgetError, match="basis 'measured'"):
        battery_life_years([replace(figures[0], basis="measured"), *figures[1:]])
    with pytest.raises(BudgetError, match="missing figure 'capacity'"):
        battery_life_years([f for f in figures if f.name != "capacity"])


def test_refused_configurations() -> None:
    with pytest.raises(Rejected, match="one price more"):
        validate_tariff(BlockTariff(thresholds=(5.0,), prices=(10.0,)))
    with pytest.raises(Rejected, match="no price for register"):
        validate_tariff(TouTariff(switches=((time(0), "night"),), prices={}))
    esme = target().esme(datetime(2024, 1, 15, tzinfo=UTC))
    esme.set_wan_available(False)
    with pytest.raises(Rejected, match="WAN"):
        esme.disable_supply(Channel.REMOTE)
    esme.advance(timedelta(hours=1).total_seconds())
    assert len(esme.half_hourly_profile()) == 2


def test_the_registry_records_each_model_as_its_declaration_did() -> None:
    """The models' records (source lines, title, text) are made when the registry is loaded, not
    as each model is declared (the conformance suite only runs the models): the same records, in
    the same order, as the declaration made them (its code kept here)."""
    import importlib
    import inspect
    from pathlib import Path

    from smets_spec.reference import registry

    models, _ = load_registry()
    assert len(models) >= 14
    for model_id, info in models.items():
        obj: Any = importlib.import_module(info.module)
        for part in info.qualname.split("."):
            obj = getattr(obj, part)
        lines, start = inspect.getsourcelines(obj)
        title, doc = registry._docparts(obj)
        assert info == registry.ModelInfo(
            id=model_id,
            title=title or model_id,
            doc=doc,
            module=str(obj.__module__),
            qualname=str(obj.__qualname__),
            implements=tuple(obj.IMPLEMENTS),
            file=Path(inspect.getsourcefile(obj) or "?"),
            line=start,
            end_line=start + len(lines) - 1,
        )
    order = [m for m, _ in registry._DECLARED.items()]
    assert list(models) == order  # declaration order, as before
