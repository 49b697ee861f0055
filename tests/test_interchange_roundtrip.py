"""ReqIF export then import gives back every need, field and link: the whole spec, and generated needs.

Also the import's refusals (hostile XML, broken archives) and its reports (unmapped names).
"""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from clitools import smets
from smets_spec.corpus.load import Corpus, _natural_key, load_spec
from smets_spec.corpus.schema import (
    DataItem,
    DataType,
    Device,
    Evidence,
    ImpactClass,
    Need,
    Requirement,
    Section,
    Status,
)
from smets_spec.interchange import export, ops
from smets_spec.interchange.export import write
from smets_spec.interchange.mapping import load as load_mapping

ROOT = Path(__file__).resolve().parent.parent


def _roundtrip(corpus_needs: dict[str, list[Need]], tmp: Path, suffix: str = ".reqif") -> Corpus:
    from smets_spec.interchange.export import to_text

    path = tmp / f"out{suffix}"
    write(path, to_text(corpus_needs))
    mapping, problems = load_mapping(None)
    assert mapping is not None and problems == []
    result = ops.import_files([(path, path.name)], mapping)
    assert [d.format() for d in result.diagnostics] == []
    return ops.check(result, tmp, "imported")


def test_the_whole_spec_comes_back_with_no_difference(corpus: Corpus, tmp_path: Path) -> None:
    back = _roundtrip(ops.groups_of(corpus), tmp_path, ".reqifz")
    assert back.diagnostics == []
    assert list(back.needs) == list(corpus.needs)
    assert [i for i in corpus.needs if back.needs[i] != corpus.needs[i]] == []
    links = sum(len(t) for n in corpus for t in n.outgoing().values())
    assert links > 1000  # the comparison covers the links too: they are fields of the records


def test_export_is_typed_reqif(corpus: Corpus, tmp_path: Path) -> None:
    path = tmp_path / "s.reqif"
    when = datetime(2026, 12, 5, tzinfo=UTC)
    write(path, ops.export_text(corpus, when=when))
    assert ops.export_text(corpus, when=when) == path.read_text(encoding="utf-8")  # deterministic
    root = etree.parse(str(path)).getroot()
    ns = {"r": "http://www.omg.org/spec/ReqIF/20110401/reqif.xsd"}
    enums = {e.get("LONG-NAME") for e in root.iterfind(".//r:DATATYPE-DEFINITION-ENUMERATION", ns)}
    assert {"Status", "Degree", "ImpactClass", "Section"} <= enums
    req_type = root.find(".//r:SPEC-OBJECT-TYPE[@LONG-NAME='Requirement']", ns)
    assert req_type is not None
    kinds = {
        a.get("LONG-NAME"): etree.QName(a).localname for a in req_type.iterfind(".//r:SPEC-ATTRIBUTES/*", ns)
    }
    assert kinds["status"] == kinds["impact"] == kinds["section"] == "ATTRIBUTE-DEFINITION-ENUMERATION"
    assert kinds["ReqIF.Text"] == "ATTRIBUTE-DEFINITION-XHTML"
    assert kinds["clause"] == kinds["ReqIF.Name"] == "ATTRIBUTE-DEFINITION-STRING"
    relation_types = {t.get("LONG-NAME") for t in root.iterfind(".//r:SPEC-RELATION-TYPE", ns)}
    assert {"applies to", "refines", "verifies", "uses"} <= relation_types
    objects = root.findall(".//r:SPEC-OBJECT", ns)
    assert len(objects) == len(corpus)


# --- generated needs -------------------------------------------------------------------------

_WORD = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789éü€中<>&\"'*`_|-+=#%/()[]{};,"),
    min_size=1,
    max_size=8,
).filter(lambda w: "[[" not in w)  # a dynamic function: refused by design (test_validation_rules)
_LINE = (
    st.lists(_WORD, min_size=1, max_size=8)
    .map(" ".join)
    .filter(lambda s: not s.startswith(("..", "-", "*", "+", "#", "|", "=", ">", "`")))
)
_TEXT = st.lists(st.lists(_LINE, min_size=1, max_size=3).map("\n".join), min_size=0, max_size=3).map(
    "\n\n".join
)
_TITLE = st.lists(_WORD, min_size=1, max_size=6).map(" ".join)


@st.composite
def _needs(draw: st.DrawFn) -> list[Need]:
    devices = [
        Device(
            id=f"DEV_D{n}",
            title=draw(_TITLE),
            content=draw(_TEXT),
            firmware_upgradeable=draw(st.sampled_from([True, False, "unknown"])),
            installed_base=draw(st.sampled_from(["unknown", 0.0, 1500000.0, 2.5])),
            installed_base_source=draw(_TITLE),
        )
        for n in range(draw(st.integers(1, 3)))
    ]
    items = [
        DataItem(
            id=f"DAT_I{n}",
            title=draw(_TITLE),
            data_type=draw(st.sampled_from(list(DataType))),
            mapping_evidence=Evidence.UNMAPPED,
            held_by=tuple(draw(st.lists(st.sampled_from([d.id for d in devices]), unique=True, max_size=2))),
        )
        for n in range(draw(st.integers(0, 2)))
    ]
    count = draw(st.integers(1, 6))
    ids = [f"GS_{n + 1:02d}" for n in range(count)]
    reqs = []
    for rid in ids:
        device_ids = [d.id for d in devices]
        mandatory = draw(st.lists(st.sampled_from(device_ids), unique=True, min_size=1))
        optional = [d for d in device_ids if d not in mandatory and draw(st.booleans())]
        reqs.append(
            Requirement(
                id=rid,
                clause=rid.replace("_", "."),
                title=draw(_TITLE),
                content=draw(_TEXT),
                status=draw(st.sampled_from(list(Status))),
                section=Section.GS,
                impact=draw(st.sampled_from(list(ImpactClass))),
                introduced=draw(st.none() | _TITLE),
                retrofit=draw(st.none() | st.booleans()),
                tags=tuple(
                    draw(st.lists(st.sampled_from(["alpha", "beta", "gamma"]), unique=True, max_size=2))
                ),
                mandatory_for=tuple(mandatory),
                optional_for=tuple(optional),
                uses=tuple(
                    draw(st.lists(st.sampled_from([i.id for i in items] or ["x"]), unique=True))
                    if items
                    else ()
                ),
                refines=tuple(  # only earlier requirements: a cycle of refines is a validation error
                    draw(st.lists(st.sampled_from(ids[: ids.index(rid)]), unique=True, max_size=2))
                    if ids.index(rid) > 0
                    else ()
                ),
            )
        )
    # the spec reader gives links in sphinx-needs' order (natural sort): so do the generated needs
    return [
        n.model_copy(update={k: tuple(sorted(v, key=_natural_key)) for k, v in n.outgoing().items()})
        for n in [*devices, *items, *reqs]
    ]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(needs=_needs())
def test_generated_needs_come_back_with_no_difference(needs: list[Need], tmp_path: Path) -> None:
    back = _roundtrip({"spec/generated.rst": needs}, tmp_path)
    assert back.diagnostics == []
    assert back.needs == {n.id: n for n in needs}


# --- refusals and reports --------------------------------------------------------------------


def _import(capsys, root: Path, *args: str):  # type: ignore[no-untyped-def]
    return smets(capsys, root, "reqif", "import", *args)


def test_entity_expansion_is_refused_and_nothing_is_written(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bomb = tmp_path / "bomb.reqif"
    bomb.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>\n'
        "<REQ-IF>&b;</REQ-IF>\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = _import(capsys, ROOT, str(bomb), "--out-dir", str(out))
    assert result.code == 1
    assert f"{bomb}:1: error: the document declares a DOCTYPE" in result.err
    assert "[smets.reqif]" in result.err and "Traceback" not in result.err
    assert not out.exists()


def test_malformed_xml_and_zip_are_located_refusals(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.reqif"
    bad.write_text("<REQ-IF>\n  <THE-HEADER>\n</REQ-IF>\n", encoding="utf-8")
    result = _import(capsys, ROOT, str(bad), "--out-dir", str(tmp_path / "o"))
    assert result.code == 1 and f"{bad}:3: error: not well-formed XML" in result.err
    evil = tmp_path / "evil.reqifz"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../escape.reqif", "<REQ-IF/>")
    result = _import(capsys, ROOT, str(evil), "--out-dir", str(tmp_path / "o"))
    assert result.code == 1 and "a path that leaves the archive" in result.err
    notzip = tmp_path / "not.reqifz"
    notzip.write_bytes(b"PK\x03\x04garbage")
    result = _import(capsys, ROOT, str(notzip), "--out-dir", str(tmp_path / "o"))
    assert result.code == 1 and f"{notzip}: error: cannot read it" in result.err
    assert "Traceback" not in result.err and not (tmp_path / "o").exists()


FOREIGN = (Path(__file__).parent / "data" / "reqif" / "foreign.reqif").read_text(encoding="utf-8")


def test_foreign_names_are_reported_and_hostile_text_is_inert(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "theirs.reqif"
    src.write_text(FOREIGN, encoding="utf-8")
    out = tmp_path / "imported"
    result = _import(capsys, ROOT, str(src), "--out-dir", str(out))
    assert result.code == 0, result.err
    assert "attribute 'Owner' of type 'Requirement' (1 object(s)) maps to no field" in result.err
    assert "1 SPEC-OBJECT(s) of type 'Heading' map to no need type" in result.err
    assert "<img> (no text form)" in result.err
    assert "holds reST that could run (raw); written as a literal block" in result.err
    files = list(out.rglob("*.rst"))
    assert len(files) == 1
    text = files[0].read_text(encoding="utf-8")
    assert ":id: GS_20\n   :clause: GS.20\n" in text  # the clause number became the need id
    assert "1 id(s) given as clause numbers (GS.08, 5.4.8.1) read as need ids" in result.err
    assert "   ::\n\n      The meter shall log.\n\n      .. raw:: html" in text
    # the sources read back: the raw directive is literal text of the need, not a directive
    corpus = load_spec(out, relative_to=tmp_path)
    assert corpus["GS_20"].content.startswith("::\n\n   The meter shall log.")
    again = _import(capsys, ROOT, str(src), "--out-dir", str(out))
    assert again.code == 1 and "exists already; nothing written" in again.err


def test_a_mapping_file_maps_foreign_names_and_bad_ones_are_located(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "theirs.reqif"
    src.write_text(FOREIGN, encoding="utf-8")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[attributes]\n"Owner" = "applicability_basis"\n[types]\n"Heading" = ""\n', encoding="utf-8"
    )
    result = _import(capsys, ROOT, str(src), "--mapping", str(mapping), "--dry-run")
    assert result.code == 0, result.err
    assert "Owner" not in result.err
    assert "checked (dry run)" in result.out
    mapping.write_text('[attributes]\n"Owner" = "owner"\n', encoding="utf-8")
    result = _import(capsys, ROOT, str(src), "--mapping", str(mapping), "--dry-run")
    assert result.code == 2
    assert f"{mapping}: error: attributes.'Owner': 'owner' is not a field [smets.reqif]" in result.err


_SMALL: list[str] = []


def _small_export(corpus: Corpus) -> str:
    if not _SMALL:
        gs = [n for n in corpus if corpus.location(n.id).file.endswith("sections/gs.rst")]
        _SMALL.append(export.to_text({"spec/sections/gs.rst": gs}))
    return _SMALL[0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.tuples(st.floats(0, 1), st.integers(1, 400)), junk=st.text(max_size=20))
def test_a_damaged_document_is_refused_or_read_never_a_traceback(
    corpus: Corpus, tmp_path: Path, cut: tuple[float, int], junk: str
) -> None:
    text = _small_export(corpus)
    start = int(cut[0] * len(text))
    damaged = text[:start] + junk + text[start + cut[1] :]
    path = tmp_path / "damaged.reqif"
    path.write_text(damaged, encoding="utf-8", errors="surrogatepass")
    mapping, _ = load_mapping(None)
    assert mapping is not None
    result = ops.import_files([(path, "damaged.reqif")], mapping)  # must not raise
    assert result.files or result.diagnostics
    for diagnostic in result.diagnostics:
        assert diagnostic.rule.value == "smets.reqif" and diagnostic.fix
