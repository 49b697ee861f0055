"""`smets schema` and the site's schema page: the field reference, derived from schema.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clitools import smets
from smets_spec.corpus.load import Corpus
from smets_spec.corpus.project import Project
from smets_spec.corpus.schema import NEED_TYPES, DataItem, Device, ProtocolObject, Requirement
from smets_spec.render.schema_ref import field_rows, schema_reference


def test_field_rows_cover_every_field_of_every_type() -> None:
    for model in NEED_TYPES:
        rows = field_rows(model)
        assert [r.name for r in rows] == ["id", *model.own_fields()]
        assert {r.name for r in rows if r.required} == {"id", *model.required}
        assert all(r.help for r in rows), model.directive


def test_field_rows_describe_values_links_and_patterns() -> None:
    req = {r.name: r for r in field_rows(Requirement)}
    assert req["status"].values == ("draft", "proposed", "approved", "withdrawn")
    assert req["impact"].values == ("hardware", "firmware", "configuration", "back-office")
    assert (req["mandatory_for"].kind, req["mandatory_for"].targets) == (
        "links (comma-separated ids)",
        ("device",),
    )
    assert req["uses"].targets == ("dataitem",)
    assert req["id"].kind == r"id matching [A-Z]{2}_[0-9]{1,3}|SMETS_[0-9]{1,3}(?:_[0-9]{1,3})*"
    po = {r.name: r for r in field_rows(ProtocolObject)}
    assert po["interface_class"].kind == "whole number"
    assert po["cluster"].kind == "text matching ^0x[0-9A-Fa-f]{4}$"
    device = {r.name: r for r in field_rows(Device)}
    assert device["installed_base"].kind == "number or 'unknown'"
    assert device["installed_base"].required
    data = {r.name: r for r in field_rows(DataItem)}
    assert data["access"].kind == "comma-separated list"
    assert "supplier" in data["access"].values


def test_smets_schema_prints_every_type_and_field(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    result = smets(capsys, project.root, "schema")
    assert result.code == 0
    for model in NEED_TYPES:
        assert f"\n{model.directive}: {model.title_} (id {model.id_pattern})\n" in "\n" + result.out
        for name in model.own_fields():
            assert re.search(rf"^  :{name}: (required|optional), ", result.out, flags=re.M), name
    assert (
        "  :status: required, one value [draft | proposed | approved | withdrawn] - "
        "Lifecycle state of the item.\n" in result.out
    )
    assert (
        "  :maps_to: optional, links (comma-separated ids) [protobj] - Protocol objects carrying it.\n"
        in (result.out)
    )


def test_smets_schema_markdown(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    result = smets(capsys, project.root, "schema", "--markdown")
    assert result.code == 0
    assert result.out.startswith("# Need types and fields\n")
    assert result.out.count("| Field | Required | Value | Allowed values / link targets | Help |") == len(
        NEED_TYPES
    )
    assert "| `:section:` | yes | one value | `IM`, `OP`, `DS`," in result.out
    assert "| `:obis:` |  | text matching `^[0-9]{1,3}-[0-9]{1,3}:" in result.out


def test_schema_reference_renders_one_table_per_type() -> None:
    text = schema_reference(Corpus(), [])
    assert text.count(".. list-table::") == len(NEED_TYPES)
    assert "Requirement (req)\n-----------------\n" in text
    assert (
        "   * - ``:mandatory_for:``\n     - \n     - links (comma-separated ids)\n     - ``device``\n" in text
    )
    assert "``:maps_to:``" in text and "``:held_by:``" in text
    only = schema_reference(Corpus(), ["device protobj"])
    assert only.count(".. list-table::") == 2


def test_the_site_has_the_schema_page(built_site: Path) -> None:
    html = (built_site / "reference" / "schema.html").read_text(encoding="utf-8")
    for model in NEED_TYPES:
        assert f"{model.title_} ({model.directive})" in html
    assert (
        '<code class="docutils literal notranslate"><span class="pre">:interface_class:</span></code>' in html
    )
