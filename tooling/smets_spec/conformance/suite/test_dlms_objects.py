"""Data objects over the wire: every DLMS/COSEM object the spec maps for ESME, read from the device.

One case per object of ``spec/protocol/`` that carries a data item the ESME holds (generated
from the catalogue, so a new mapping is a new case). Each case drives the device and a
reference ESME through the same scenario, then reads the object over the wire and checks its
interface class (the device's object list), data type, scaler and unit (against the data
item's unit) and value (against the reference model). Runs only against a DLMS/COSEM target
(``smets conform --target dlms+tcp://HOST:PORT``); elsewhere every case is skipped.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import pytest

from ...reference.bridge import ESME_ITEMS
from ...reference.devices import ReferenceESME
from ...reference.interfaces import PaymentMode, Target, TouTariff
from .. import cosem
from ..objectcheck import check_listed, check_value
from ..plugin import spec_corpus
from .helpers import HOUR, REMOTE

TARIFF = TouTariff(switches=((time(0), "rate1"), (time(7), "rate2")), prices={"rate1": 20.0, "rate2": 10.0})


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "mapped" not in metafunc.fixturenames:
        return
    # an object whose data item no requirement uses verifies nothing: it is a traceability gap
    # (smets check: protocol-object-unused / data-item-unused), not a test
    objects = [o for o in cosem.mapped_objects(spec_corpus(metafunc.config), "DEV_ESME") if o.requirements]
    metafunc.parametrize(
        "mapped",
        [pytest.param(o, id=o.object_id, marks=pytest.mark.verifies(*o.requirements)) for o in objects],
    )


def drive(meter: Any) -> None:
    """The scenario: a two-rate tariff, prepayment with 10 pounds, a load on all four registers, a tamper."""
    meter.configure_tariff(TARIFF, REMOTE)
    meter.set_payment_mode(PaymentMode.PREPAYMENT, REMOTE)
    meter.top_up(1000.0, REMOTE)
    meter.apply_load(2.0, 1.0, 0.5, 0.25)
    meter.advance(3 * HOUR)
    meter.stimulate_tamper()
    meter.advance(0.5 * HOUR)


def test_object_over_the_wire(target: Target, mapped: cosem.MappedObject, start: datetime) -> None:
    """Each DLMS/COSEM object the spec maps for ESME reads over the wire as its data item and the model say.

    Class and OBIS code from the device's object list; data type, scaler and unit against the
    data item's unit; value against a reference ESME driven through the same scenario.
    """
    reader = getattr(target, "reader", None)
    if reader is None:
        pytest.skip("the target does not speak DLMS/COSEM (run with --target dlms+tcp://HOST:PORT)")
    if mapped.class_id in cosem.NOT_COVERED:
        pytest.skip(f"{mapped.trace()}: {cosem.NOT_COVERED[mapped.class_id]}")
    if mapped.item_id not in ESME_ITEMS:
        pytest.skip(
            f"{mapped.trace()}: the reference model holds no {mapped.item_id}, nothing to compare with"
        )
    device = target.esme(start)
    reference = ReferenceESME(start)
    drive(device)
    drive(reference)
    check_listed(reader, mapped)
    check_value(reader, mapped, ESME_ITEMS[mapped.item_id](reference))
