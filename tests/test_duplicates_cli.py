"""``smets dups``: exit codes, outputs, reviewed findings, and any sphinx-needs needs.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import copy_project
from smets_spec.cli import main
from smets_spec.duplicates.suppress import fingerprint

FOREIGN = {
    "current_version": "2.0",
    "project": "pump controller",
    "versions": {
        "2.0": {
            "needs": {
                "US_001": {
                    "id": "US_001",
                    "type": "story",
                    "title": "Start pump",
                    "docname": "stories",
                    "lineno": 4,
                    "content": "As an operator I want to start the pump from the panel.",
                },
                "SPEC_A": {
                    "id": "SPEC_A",
                    "type": "spec",
                    "title": "Pump timeout",
                    "docname": "specs",
                    "lineno": 10,
                    "content": "The controller shall stop the pump after 30 seconds of dry run.",
                },
                "SPEC_B": {
                    "id": "SPEC_B",
                    "type": "spec",
                    "title": "Dry run",
                    "docname": "specs",
                    "lineno": 20,
                    "content": "The controller shall stop the pump after 90 seconds of dry run.",
                },
                "SPEC_C": {
                    "id": "SPEC_C",
                    "type": "spec",
                    "title": "Panel",
                    "docname": "specs",
                    "lineno": 30,
                    "content": "The panel shall show the pump state in green or red.",
                },
            }
        }
    },
}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_project(tmp_path)


def _first_review_only(repo: Path) -> None:
    """Keep only the first entry of the review file (HA_01 / WA_01): the findings show as found."""
    path = repo / "spec" / "reviews" / "duplicates.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text("[[suppress]]".join(text.split("[[suppress]]")[:2]), encoding="utf-8")


def test_this_spec_is_clean_by_decision(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every finding on spec/ is reviewed: exit 0; the UTC / local time conflict is known and open."""
    code, out, _ = _run(capsys, "--root", str(repo), "dups", "--json")
    data = json.loads(out)
    assert code == 0 and data["failing"] == 0 and data["findings"] == []
    assert all(s["reason"] and s["reviewer"] for s in data["suppressed"])
    utc = next(s for s in data["suppressed"] if {s["a"], s["b"]} == {"OP_02", "IH_02"})
    assert (utc["class"], utc["status"]) == ("conflict", "open")
    assert utc["see"] == "CC_DECC_2011_ELSTER_METERING_LIMITED_OP_02"
    code, text, _ = _run(capsys, "--root", str(repo), "dups", "--no-terms", "--color", "never")
    assert code == 0 and "OP_02 and IH_02: conflict known and open" in text
    assert "(see CC_DECC_2011_ELSTER_METERING_LIMITED_OP_02)" in text


def test_this_spec_fails_on_the_utc_conflict_and_reports_json(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _first_review_only(repo)
    code, out, _ = _run(capsys, "--root", str(repo), "dups", "--json")
    data = json.loads(out)
    assert code == 1 and data["failing"] >= 2
    conflict = next(f for f in data["findings"] if {f["a"]["id"], f["b"]["id"]} == {"OP_02", "IH_02"})
    assert conflict["class"] == "conflict" and "UTC vs local time" in conflict["reason"]
    assert conflict["a"]["location"].startswith("spec/sections/op.rst:")
    assert conflict["a"]["fingerprint"] == fingerprint(conflict["a"]["text"])
    assert "UTC" in conflict["a"]["differing"]
    assert data["compared"]["requirements"] == 104
    checks = {t["check"] for t in data["terminology"]}
    assert {"unit", "spelling", "hyphenation", "misspelling"} <= checks


def test_text_output_marks_differing_words_and_min_score(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _first_review_only(repo)
    code, out, _ = _run(
        capsys, "--root", str(repo), "dups", "--class", "parallel", "--color", "never", "--no-terms"
    )
    assert code == 0  # parallel variants are information
    register = "The smart metering system shall support at least one total register for cumulative"
    assert f"ES_02: {register} [-import-] kWh." in out
    assert f"ES_03: {register} {{+export+}} kWh." in out
    assert "[smets.dups.parallel]" in out and "HA_01 and WA_01" not in out  # reviewed in spec/reviews
    _, high, _ = _run(
        capsys, "--root", str(repo), "dups", "--class", "parallel", "--min-score", "0.8", "--no-terms"
    )
    assert "ES_02 and ES_03" in high and "PC_03 and PC_04" not in high
    _, markdown, _ = _run(capsys, "--root", str(repo), "dups", "--markdown", "--no-terms")
    assert "## Possible conflicts (2)" in markdown and "**UTC**" in markdown


def test_review_hides_a_finding_until_a_text_changes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _first_review_only(repo)
    code, out, _ = _run(
        capsys,
        "--root",
        str(repo),
        "dups",
        "--accept",
        "OP_02,IH_02",
        "--reason",
        "IHD converts",
        "--reviewer",
        "T",
    )
    assert code == 0 and "recorded the review of OP_02 and IH_02" in out
    review = (repo / "spec" / "reviews" / "duplicates.toml").read_text(encoding="utf-8")
    assert 'pair = ["OP_02", "IH_02"]' in review and 'class = "conflict"' in review
    _, out, _ = _run(capsys, "--root", str(repo), "dups", "--no-terms", "--color", "never")
    assert "OP_02 and IH_02" not in out and "OP_02 and DS_05" in out
    op = repo / "spec" / "sections" / "op.rst"
    op.write_text(
        op.read_text(encoding="utf-8").replace("use UTC for all timing", "use UTC for all the timing"),
        encoding="utf-8",
    )
    _, out, _ = _run(capsys, "--root", str(repo), "dups", "--no-terms", "--color", "never")
    assert "OP_02 and IH_02" in out
    assert "spec/reviews/duplicates.toml" in out and "but the text of OP_02 changed since" in out


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ('[[suppress]]\npair = ["OP_02", "IH_02"\n', 2, "malformed TOML"),
        (
            '\n[[suppress]]\npair = ["OP_02", "XX.99"]\nclass = "conflict"\nreason = "r"\nreviewer = "r"\n'
            'fingerprints = ["0123456789ab", "0123456789ab"]\n',
            3,
            "unknown need id 'XX.99'",
        ),
        (
            '[[suppress]]\npair = ["OP_02", "IH_02"]\nclas = "conflict"\nreason = "r"\nreviewer = "r"\n'
            'fingerprints = ["0123456789ab", "0123456789ab"]\n',
            3,
            "unknown key 'clas'",
        ),
        (
            '[[suppress]]\npair = ["OP_02", "IH_02"]\nclass = "twin"\nreason = "r"\nreviewer = "r"\n'
            'fingerprints = ["0123456789ab", "0123456789ab"]\n',
            3,
            "unknown class 'twin'",
        ),
        (
            '# reviews\n\n[[suppress]]\npair = ["OP_02", "IH_02"]\nclass = "conflict"\nreviewer = "r"\n'
            'fingerprints = ["0123456789ab", "0123456789ab"]\n',
            3,
            "lacks 'reason'",
        ),
    ],
)
def test_malformed_review_file_is_an_error_with_its_line(
    repo: Path, capsys: pytest.CaptureFixture[str], content: str, line: int, message: str
) -> None:
    (repo / "spec" / "reviews" / "duplicates.toml").write_text(content, encoding="utf-8")
    code, _, err = _run(capsys, "--root", str(repo), "dups")
    assert code == 2
    assert f"spec/reviews/duplicates.toml:{line}: error: " in err and message in err
    assert "[smets.dups-suppression]" in err and "fix:" in err


def test_any_needs_json_outside_any_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "needs.json"
    path.write_text(json.dumps(FOREIGN), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "dups", "--from", str(path), "--json")
    data = json.loads(out)
    assert code == 1
    assert data["compared"] == {"story": 1, "spec": 3}
    (finding,) = data["findings"]
    assert (finding["class"], finding["a"]["id"], finding["b"]["id"]) == ("conflict", "SPEC_A", "SPEC_B")
    assert finding["a"]["location"] == "specs.rst:10"
    assert finding["signals"] == ["numbers differ: '30 seconds' vs '90 seconds'"]
    code, out, _ = _run(capsys, "dups", "--from", str(path), "--type", "story")
    assert code == 0 and "compared 1 story" in out


def test_bad_inputs_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    code, _, err = _run(capsys, "--root", str(repo), "dups", "--from", str(broken))
    assert code == 2 and "not a sphinx-needs needs.json file" in err
    code, _, err = _run(capsys, "--root", str(repo), "dups", "--from", str(tmp_path / "missing"))
    assert code == 2 and "no such spec folder or needs.json" in err
    code, _, err = _run(
        capsys, "--root", str(repo), "dups", "--accept", "HA_15,HA_19", "--reason", "x", "--reviewer", "y"
    )
    assert code == 2 and "no open finding for HA_15 and HA_19" in err
