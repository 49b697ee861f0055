"""Traceability analyses (pure functions of the corpus) on a small project with every kind of gap once."""

from __future__ import annotations

from pathlib import Path

import pytest

from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.schema import Degree
from smets_spec.trace.coverage import (
    chains_by_id,
    coverage_by_device,
    coverage_by_section,
    degree_matrix,
    ordered_requirements,
    overall,
    protocol_coverage,
    requirement_trace,
    verification,
)
from smets_spec.trace.gaps import Level, Policy, default_policy, find_gaps, load_policy, shares
from smets_spec.trace.graph import Direction, check_link_types, graph_of, neighbourhood, walk

TRACE = Path(__file__).parent / "sourcedirs" / "trace"


@pytest.fixture(scope="module")
def small() -> Corpus:
    corpus = load_spec(TRACE / "spec", relative_to=TRACE)
    assert corpus.errors == 0, [d.format() for d in corpus.diagnostics]
    return corpus


def test_matrix_gives_each_requirement_a_degree_per_device(small: Corpus) -> None:
    matrix = degree_matrix(small)
    assert [d.id for d in matrix.devices] == ["DEV_ESME", "DEV_GSME", "DEV_IHD", "DEV_SPARE"]
    rows = {req.id: degrees for req, degrees in matrix.rows}
    assert list(rows) == ["PC_01", "PC_02", "PC_03", "ES_01", "GS_01", "SP_2"]  # SMETS section order
    m, o, na = Degree.MANDATORY, Degree.OPTIONAL, Degree.NOT_APPLICABLE
    assert rows["PC_01"] == (m, m, o, na)
    assert rows["PC_02"] == (na, na, m, na)
    assert rows["SP_2"] == (m, o, na, na)
    assert matrix.count("DEV_ESME", m) == 4
    assert matrix.count("DEV_GSME", o) == 1
    assert [r.id for r, _ in degree_matrix(small, section=None).rows] == list(rows)
    from smets_spec.corpus.schema import Section

    assert [r.id for r, _ in degree_matrix(small, Section.PC).rows] == ["PC_01", "PC_02", "PC_03"]


def test_requirements_are_ordered_as_the_smets_orders_them(small: Corpus) -> None:
    assert [r.id for r in ordered_requirements(small)] == [
        "PC_01",
        "PC_02",
        "PC_03",
        "ES_01",
        "GS_01",
        "SP_2",
    ]


def test_chains_go_from_requirement_to_data_item_to_protocol_objects(small: Corpus) -> None:
    chains = chains_by_id(small)
    es01 = chains["ES_01"]
    assert [link.item.id for link in es01.items] == ["DAT_IMPORT"]
    assert [o.id for o in es01.items[0].objects] == ["PO_DLMS_IMPORT"]
    assert [u.id for u in es01.items[0].use_cases] == ["PO_GBCS_ECS01A"]  # the GBCS message carrying it
    assert es01.carried
    pc02 = chains["PC_02"]
    assert [(link.item.id, link.carried) for link in pc02.items] == [
        ("DAT_BALANCE", True),
        ("DAT_TARIFF", False),
    ]
    assert not pc02.carried
    assert chains["SP_2"].items == () and not chains["SP_2"].carried


def test_protocol_coverage_splits_the_catalogue(small: Corpus) -> None:
    cov = protocol_coverage(small)
    assert cov.total == 5
    assert [i.id for i in cov.both] == ["DAT_BALANCE"]
    assert [i.id for i in cov.dlms_only] == ["DAT_IMPORT"]
    assert [i.id for i in cov.zigbee_only] == ["DAT_GAS"]
    assert [i.id for i in cov.none] == ["DAT_TARIFF", "DAT_ORPHAN"]
    assert (cov.dlms, cov.zigbee) == (2, 2)
    assert cov.share(cov.dlms) == pytest.approx(0.4)


def test_verification_lists_requirements_without_model_or_test(small: Corpus) -> None:
    ver = verification(small)
    assert ver.models["PC_02"] == ("MOD_PREPAY",)
    assert ver.tests["PC_01"] == ("TST_PREPAY",)
    assert ver.tests["ES_01"] == ("TST_IMPORT",)
    # the withdrawn PC_03 is no gap
    assert [r.id for r in ver.without_test] == ["PC_02", "GS_01", "SP_2"]
    assert [r.id for r in ver.without_model] == ["ES_01", "GS_01", "SP_2"]


def test_coverage_by_section_and_device_counts_requirements_in_force(small: Corpus) -> None:
    by_section = {
        g.key: (g.total, g.tested, g.modelled, g.with_data, g.carried) for g in coverage_by_section(small)
    }
    assert by_section == {
        "PC": (2, 1, 2, 2, 1),
        "ES": (1, 1, 0, 1, 1),
        "GS": (1, 0, 0, 1, 1),
        "SP": (1, 0, 0, 0, 0),
    }
    by_device = {g.key: (g.total, g.tested) for g in coverage_by_device(small)}
    assert by_device == {"DEV_ESME": (3, 2), "DEV_GSME": (3, 1), "DEV_IHD": (2, 1), "DEV_SPARE": (0, 0)}
    every = overall(small)
    assert (every.total, every.tested, every.modelled, every.with_data, every.carried) == (5, 2, 2, 4, 3)


def test_requirement_trace_lists_devices_data_models_tests_and_incoming_links(small: Corpus) -> None:
    trace = requirement_trace(small, "PC_01")
    assert [(d.id, g.value) for d, g in trace.devices] == [
        ("DEV_ESME", "mandatory"),
        ("DEV_GSME", "mandatory"),
        ("DEV_IHD", "optional"),
        ("DEV_SPARE", "not applicable"),
    ]
    assert [m.id for m in trace.models] == ["MOD_PREPAY"]
    assert [t.id for t in trace.tests] == ["TST_PREPAY"]
    assert [(link, n.id) for link, n in trace.incoming] == [
        ("depends_on", "PC_02"),
        ("implements", "MOD_PREPAY"),
        ("verifies", "TST_PREPAY"),
    ]
    assert [(link, n.id) for link, n in requirement_trace(small, "PC_02").outgoing] == [
        ("depends_on", "PC_01")
    ]
    with pytest.raises(ValueError, match="is a device, not a requirement"):
        requirement_trace(small, "DEV_ESME")


def test_graph_walks_up_and_down_with_depth_and_link_filters(small: Corpus) -> None:
    graph = graph_of(small)
    assert graph_of(small) is graph  # built once per corpus, shared
    # downstream: what depends on it (bound devices, used data, and the tests, models, refinements on it)
    down = {r.id: r.depth for r in walk(graph, "ES_01", downstream=True)}
    assert down == {"DEV_ESME": 1, "DAT_IMPORT": 1, "TST_IMPORT": 1, "PO_DLMS_IMPORT": 2, "PO_GBCS_ECS01A": 3}
    assert {r.id for r in walk(graph, "ES_01", downstream=True, depth=1)} == {
        "DEV_ESME",
        "DAT_IMPORT",
        "TST_IMPORT",
    }
    assert {r.id for r in walk(graph, "ES_01", links=["uses", "maps_to"])} == {"DAT_IMPORT", "PO_DLMS_IMPORT"}
    assert {
        r.id for r in walk(graph, "PC_01", downstream=True, depth=1, links=["depends_on", "verifies"])
    } == {"PC_02", "TST_PREPAY"}
    # upstream: what it derives from
    assert {r.id for r in walk(graph, "PC_02", downstream=False)} == {"PC_01"}
    assert {r.id for r in walk(graph, "TST_IMPORT", downstream=False)} == {"ES_01"}
    around = neighbourhood(graph, "DAT_IMPORT", depth=1)
    assert around.levels == {"DAT_IMPORT": 0, "PO_DLMS_IMPORT": 1, "ES_01": -1}
    assert set(around.edges) == {("DAT_IMPORT", "maps_to", "PO_DLMS_IMPORT"), ("ES_01", "uses", "DAT_IMPORT")}
    assert neighbourhood(graph, "DAT_IMPORT", 1, Direction.UP).levels == {"DAT_IMPORT": 0, "ES_01": -1}
    with pytest.raises(ValueError, match=r"unknown link type.*usess.*use one of"):
        check_link_types(["usess"])


def test_gaps_follow_the_policy_with_file_and_line(small: Corpus) -> None:
    gaps = find_gaps(small, default_policy())
    found = {(g.rule, g.need_id): (g.level, str(g.location)) for g in gaps}
    assert found[("approved-without-test", "PC_02")] == (Level.ERROR, "spec/requirements.rst:17")
    assert found[("link-to-withdrawn", "GS_01")] == (Level.ERROR, "spec/requirements.rst:53")
    assert found[("data-item-unused", "DAT_ORPHAN")] == (Level.ERROR, "spec/data.rst:32")
    assert found[("device-without-requirements", "DEV_SPARE")][0] is Level.WARNING
    assert found[("protocol-object-unused", "PO_DLMS_UNUSED")][0] is Level.WARNING
    assert (
        "requirement-without-test",
        "PC_02",
    ) not in found  # the approved one is reported once, as an error
    assert not any(g.need_id == "PC_03" for g in gaps if g.rule != "link-to-withdrawn")
    quiet = Policy({"approved-without-test": Level.OFF, "link-to-withdrawn": Level.WARNING})
    levels = {(g.rule, g.need_id): g.level for g in find_gaps(small, quiet)}
    assert ("approved-without-test", "PC_02") not in levels
    assert levels[("link-to-withdrawn", "GS_01")] is Level.WARNING


def test_policy_minimums_fail_below_the_share(small: Corpus, tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[rules]\nrequirement-without-model = "off"\n\n[minimum]\ntest-coverage = 0.5\n')
    policy = load_policy(path, shown_as="policy.toml")
    assert shares(small)["test-coverage"] == pytest.approx(0.4)
    below = [g for g in find_gaps(small, policy) if g.rule == "coverage-below-minimum"]
    assert [(g.level, str(g.location)) for g in below] == [(Level.ERROR, "policy.toml:5")]
    assert "40%, below the minimum 50%" in below[0].message
    assert not any(g.rule == "requirement-without-model" for g in find_gaps(small, policy))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[rules]\napproved-without-tests = "error"\n',
            "policy.toml:2: error: unknown rule 'approved-without-tests'"
            " [smets.policy]\n    fix: did you mean 'approved-without-test'?",
        ),
        (
            '[rules]\nlink-to-withdrawn = "fatal"\n',
            "policy.toml:2: error: rule 'link-to-withdrawn' has level 'fatal'",
        ),
        ("[minimum]\ntest-coverage = 2\n", "policy.toml:2: error: minimum 'test-coverage' is 2"),
        ("[rules\n", "policy.toml:1: error: not valid TOML"),
        ("[limits]\nx = 1\n", "policy.toml:1: error: unknown table [limits]"),
    ],
)
def test_policy_mistakes_name_file_line_and_fix(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(ValueError) as caught:
        load_policy(path, shown_as="policy.toml")
    assert str(caught.value).startswith(message)
    assert "fix:" in str(caught.value)
