"""`smets review`: the pull-request report (golden Markdown, JSON) and the CI workflow that posts it.

Regenerate the golden file after an intended change of the report:

    SMETS_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_change_review.py
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import git
import pytest

from changetools import commit, edit, history_repo
from clitools import ROOT, smets

GOLDEN = ROOT / "tests" / "golden" / "change_review.md"
WORKFLOW = ROOT / ".github" / "workflows" / "review.yml"
COMMENT = ROOT / ".github" / "workflows" / "review-comment.yml"


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("review") / "origin"
    _, shas = history_repo(root)
    return root, shas


def test_review_markdown_matches_the_golden_file(
    capsys: pytest.CaptureFixture[str], origin: tuple[Path, dict[str, str]]
) -> None:
    root, _ = origin
    result = smets(capsys, root, "review", "v1.1", "HEAD", "--no-duplicates")
    assert result.code == 0, result.err
    if os.environ.get("SMETS_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(result.out, encoding="utf-8")
    assert result.out == GOLDEN.read_text(encoding="utf-8")


def test_golden_review_reads_as_a_change_board_needs(origin: tuple[Path, dict[str, str]]) -> None:
    text = GOLDEN.read_text(encoding="utf-8")
    _, shas = origin
    title = f"## SMETS change review: `v1.1 ({shas['v1.1'][:10]})` → `HEAD ({shas['head'][:10]})`"
    assert text.startswith(f"<!-- smets-review -->\n{title}\n")
    for line in (
        "| Normative requirement changes by impact class | firmware 1, configuration 1, back-office 1 |",
        "| Retrofit asked | PC_01 |",
        "| New suspect links | 3 |",
        "> … between prepayment and credit mode within ~~30~~ **10** seconds of a command.",
        "| **Total** | **£91,000 / £95,000 / £103,000** |",
        "| installed units | DEV_GSME | first (installed … to 2026-01-09) | £48,000 / £52,000 / £60,000 | "
        "400 units × 0% over the air × £3 + 400 units × 100% replaced × (£80 unit + £50 visit) = £52,000 |",
        "* `gsme_units` = 400 units — source: test fixture, not a real figure",
        "* `gsme_unit_cost` = £70 / £80 / £100 — **assumption**: fixture assumption: a gas meter's price "
        "is uncertain",
        "The assumption that moves the total most: `gsme_unit_cost` (£91,000 at its low, £103,000 at its "
        "high; others central).",
        "| **Total** | not known: a figure is missing (see *Not costed*); none is invented |",
        "| `TST_SWITCH verifies PC_01` | `spec/verification.rst:19` | content: '30' → '10' (number); "
        "retrofit: '' → 'true' | never reviewed |",
        "spec/verification.rst:28: error: id 'TERM_CREDIT' does not match the dataitem id pattern "
        "DAT_[A-Z0-9_]+ [smets.id]",
    ):
        assert line in text.splitlines(), line
    assert len(text) < 65_536  # fits a GitHub comment


def test_review_json(capsys: pytest.CaptureFixture[str], origin: tuple[Path, dict[str, str]]) -> None:
    root, shas = origin
    data = json.loads(smets(capsys, root, "review", "v1.1", shas["head"], "--format", "json").out)
    assert data["summary"] | {} == data["summary"]
    summary = data["summary"]
    assert (summary["added"], summary["removed"], summary["modified"], summary["retyped"]) == (1, 1, 1, 1)
    assert summary["retrofit_asked"] == ["PC_01"]
    assert summary["devices"] == {"DEV_ESME": "mandatory", "DEV_GSME": "mandatory", "DEV_IHD": "mandatory"}
    pc01 = next(i for i in data["impact"] if i["id"] == "PC_01")
    cost = pc01["cost"]
    assert [[line["range"]["high"] for line in d["lines"]] for d in cost["devices"]] == [
        [20000.0, 3000.0],
        [20000.0, 60000.0],
        [],
    ]
    assert cost["total"] == {"low": 91000.0, "central": 95000.0, "high": 103000.0}
    assert (
        cost["figures"]["gsme_unit_cost"]["assumption"]
        == "fixture assumption: a gas meter's price is uncertain"
    )
    assert cost["figures"]["gsme_units"]["source"]["title"] == "test fixture, not a real figure"
    assert [e["rule"] for e in data["errors"]] == ["smets.id"]
    assert data["duplicates"] == []


def test_review_lists_a_duplicate_the_change_introduces(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, origin: tuple[Path, dict[str, str]]
) -> None:
    root, _ = origin
    clone = tmp_path / "clone"
    git.Repo.clone_from(root, clone)
    edit(
        clone / "spec" / "security.rst",
        "The meter shall protect its interfaces.",
        "The meter shall switch between prepayment and credit mode within 10 seconds of a command.",
    )
    data = json.loads(smets(capsys, clone, "review", "HEAD", "--format", "json").out)
    assert [(d["kind"], {d["a"], d["b"]}) for d in data["duplicates"]] == [("duplicate", {"PC_01", "SP_2"})]
    commit(git.Repo(clone), "copy", 6)
    assert json.loads(smets(capsys, clone, "review", "HEAD~1", "HEAD", "--format", "json").out)["duplicates"]


def _run_steps() -> list[str]:
    """The shell lines of the workflow's `run:` steps that call smets."""
    text = WORKFLOW.read_text(encoding="utf-8")
    lines: list[str] = []
    for match in re.finditer(r"^ +run: (\|\n(?:^ {10}.*\n)+|.*\n)", text, flags=re.M):
        block = match[1]
        body = [b.strip() for b in block.splitlines()[1:]] if block.startswith("|") else [block.strip()]
        lines += [b for b in body if b.startswith("smets ")]
    return lines


def test_workflow_runs_the_base_tool_on_the_pull_request_tree(
    tmp_path: Path, origin: tuple[Path, dict[str, str]]
) -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "on:\n  pull_request:\n" in text and "pull_request_target" not in text
    assert "permissions:\n  contents: read\n\njobs:" in text and ": write" not in text
    assert "ref: ${{ github.event.pull_request.base.sha }}\n          path: tool" in text
    assert text.count("persist-credentials: false") == 2
    assert "pip install --quiet --disable-pip-version-check ./tool" in text and "-e ." not in text
    assert "actions/cache" not in text  # no cache a pull request could have written
    steps = _run_steps()
    assert steps == [
        'smets --root "$TREE" review "$BASE" "$HEAD" --format markdown --out smets-review/review.md',
        'smets --root "$TREE" review "$BASE" "$HEAD" --format json --out smets-review/review.json',
        'smets --root "$TREE" suspects "$BASE" "$HEAD"',
        'smets --root "$TREE" dups --format markdown',
    ]
    root, shas = origin
    tree = tmp_path / "pr"
    git.Repo.clone_from(root, tree)
    runner = tmp_path / "runner-temp"
    (runner / "smets-review").mkdir(parents=True)
    env = os.environ | {
        "BASE": shas["v1.1"],
        "HEAD": shas["head"],
        "TREE": str(tree),
        "SMETS_CACHE_DIR": str(runner / "smets-cache"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    for step in steps[:2]:
        subprocess.run(["bash", "-c", step], cwd=runner, env=env, check=True)
    assert (
        (runner / "smets-review" / "review.md")
        .read_text(encoding="utf-8")
        .startswith("<!-- smets-review -->")
    )
    data = json.loads((runner / "smets-review" / "review.json").read_text(encoding="utf-8"))
    assert data["summary"]["suspect_links"] == 3
    assert not (tree / ".smets-cache").exists() and (runner / "smets-cache").is_dir()
    assert git.Repo(tree).git.status("--porcelain") == ""  # the pull request's tree is only read
    suspects = subprocess.run(["bash", "-c", steps[2]], cwd=runner, env=env, capture_output=True, text=True)
    assert suspects.returncode == 0  # the fixture has no policy: suspects are warnings
    (tree / "policy.toml").write_text('[rules]\nsuspect-link = "error"\n', encoding="utf-8")
    suspects = subprocess.run(["bash", "-c", steps[2]], cwd=runner, env=env, capture_output=True, text=True)
    assert suspects.returncode == 1
    assert "3 unreviewed suspect link(s)" in suspects.stdout
    (tree / "policy.toml").unlink()
    dups = subprocess.run(["bash", "-c", steps[3]], cwd=runner, env=env, capture_output=True, text=True)
    assert dups.returncode == 0, dups.stdout + dups.stderr
    edit(
        tree / "spec" / "security.rst",
        "The meter shall protect its interfaces.",
        "The meter shall switch between prepayment and credit mode within 10 seconds of a command.",
    )
    dups = subprocess.run(["bash", "-c", steps[3]], cwd=runner, env=env, capture_output=True, text=True)
    assert dups.returncode == 1  # a new duplicate in the pull request fails the check
    assert "PC_01" in dups.stdout and "SP_2" in dups.stdout


def test_comment_workflow_posts_the_artifact_and_runs_no_pull_request_code() -> None:
    text = COMMENT.read_text(encoding="utf-8")
    assert 'on:\n  workflow_run:\n    workflows: ["SMETS change review"]\n    types: [completed]\n' in text
    assert "pull-requests: write" in text
    assert "actions/checkout" not in text and "pip install" not in text and "smets " not in text
    assert "actions/download-artifact@v4" in text and "run-id: ${{ github.event.workflow_run.id }}" in text
    assert 'gh pr comment "$pr" --repo "$REPO" --body-file review.md' in text
    assert '[ "$head" != "$RUN_HEAD" ]' in text  # the number in the artifact is checked, not trusted
    uploaded = WORKFLOW.read_text(encoding="utf-8")
    assert "name: smets-review" in uploaded and "pull-request.json" in uploaded
