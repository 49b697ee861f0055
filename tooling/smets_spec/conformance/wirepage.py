"""Site content: per DLMS/COSEM protocol object, whether the latest run verified it over the wire.

A section of the conformance summary page. The data-object tests (``test_dlms_objects``) have one
case per object, whose pytest id is the object's need id; a case that passed against a
``dlms+...`` target is an object verified over the wire, against that target.
"""

from __future__ import annotations

from ..corpus.load import Corpus
from ..markup.html import Linker, esc, need_link, raw_block, table
from ..markup.rst import heading
from . import cosem
from .results import CaseResult, Outcome, Results

CASE = "test_dlms_objects.py::test_object_over_the_wire"


def object_cases(results: Results | None) -> dict[str, CaseResult]:
    """The data-object case of each protocol object in ``results``, by object id."""
    if results is None or results.collect_only:
        return {}
    out: dict[str, CaseResult] = {}
    for case in results.cases:
        head, _, param = case.nodeid.partition("[")
        if head.endswith(CASE) and param:
            out[param.rstrip("]")] = case
    return out


def over_the_wire(results: Results | None) -> bool:
    return results is not None and results.target.startswith("dlms+")


def _verdict(case: CaseResult | None, wire: bool) -> str:
    if case is None:
        return "<em>not run</em>"
    if case.outcome is Outcome.PASSED:
        return "<strong>verified over the wire</strong>" if wire else "passed"
    if case.outcome in (Outcome.FAILED, Outcome.ERROR):
        return f"<strong>FAIL</strong>: {esc(case.message.split(' | ', 1)[0])}"
    if case.outcome is Outcome.SKIPPED:
        reason = case.message.removeprefix("Skipped: ").split("): ", 1)[-1]
        return f"<em>not verified</em>: {esc(reason)}"
    return "<em>not run</em>"


def protocol_section(corpus: Corpus, results: Results | None, linker: Linker) -> str:
    """reST: heading, one sentence on the run, and a table row per DLMS/COSEM object of ESME."""
    objects = cosem.mapped_objects(corpus, "DEV_ESME")
    if not objects:
        return ""
    cases = object_cases(results)
    wire = over_the_wire(results)
    if wire and results is not None:
        verified = sum(1 for c in cases.values() if c.outcome is Outcome.PASSED)
        lead = (
            f"{verified} of {len(objects)} DLMS/COSEM objects the spec maps for ESME were read over the wire "
            f"and matched their data item and the reference model, against {esc(results.target_name)} "
            f"(<code>{esc(results.target)}</code>)."
        )
    else:
        lead = (
            "The latest run was not against a DLMS/COSEM device, so no object was read over the wire: "
            "start <code>smets golden-unit serve</code> (or connect a meter) and run "
            "<code>smets conform --target dlms+tcp://HOST:PORT</code>."
        )
    rows = [
        [
            need_link(corpus, linker, o.object_id, show_title=False),
            esc(f"class {o.class_id}, {o.obis}")
            + (f", attribute {o.value_attribute}" if o.attributes else ""),
            need_link(corpus, linker, o.item_id, show_title=False),
            ", ".join(need_link(corpus, linker, r, show_title=False) for r in o.requirements),
            _verdict(cases.get(o.object_id), wire),
        ]
        for o in objects
    ]
    header = ["Protocol object", "Class, OBIS, attribute", "Data item", "Requirements", "Over the wire"]
    return heading("Protocol objects over the wire") + raw_block(
        f"<p>{lead}</p>" + table(header, rows, "smets-list")
    )
