"""Every ``smets`` subcommand follows one convention (docs/cli.md), checked by walking the parsers.

A command added later is walked too: it fails here if it spells an option its own way.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from smets_spec.cli import build_parser, main
from smets_spec.commands.common import FORMATS, DeprecatedAlias

ROOT = Path(__file__).resolve().parent.parent


def _subcommands(
    parser: argparse.ArgumentParser, prefix: str = ""
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                if name in getattr(action, "_name_parser_map", {}) and child.prog.endswith(name):
                    yield from _subcommands(child, f"{prefix} {name}".strip())
    if prefix:
        yield prefix, parser


def _leaves() -> list[tuple[str, argparse.ArgumentParser]]:
    nested = {name.split()[0] for name, _ in _subcommands(build_parser()) if " " in name}
    return [(n, p) for n, p in _subcommands(build_parser()) if n not in nested]


LEAVES = _leaves()
NAMES = [name for name, _ in LEAVES]


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {opt: a for a in parser._actions for opt in a.option_strings}


def test_every_command_is_walked() -> None:
    assert {"validate", "build", "trace", "check", "dups", "diff", "conform", "consult export"} <= set(NAMES)
    assert len(NAMES) >= 15


@pytest.mark.parametrize(("name", "parser"), LEAVES, ids=NAMES)
def test_command_follows_the_convention(name: str, parser: argparse.ArgumentParser) -> None:
    options = _options(parser)
    problems: list[str] = []
    fmt = options.get("--format")
    if fmt is not None:
        choices = tuple(fmt.choices or ())
        if not set(choices) <= set(FORMATS) or len(choices) < 2:
            problems.append(f"--format choices {choices}: a subset of {FORMATS} with two or more")
        problems += [
            f"{alias} must be an alias of --format {alias[2:]}"
            for alias in ("--json", "--markdown")
            if alias[2:] in choices and (alias not in options or options[alias].dest != "format")
        ]
    for alias in ("--json", "--markdown"):
        action = options.get(alias)
        if action is not None and (action.dest != "format" or fmt is None):
            problems.append(f"{alias} is its own flag: use add_format_option (it makes it a --format alias)")
    out = options.get("--out")
    if out is not None and not isinstance(out, DeprecatedAlias) and out.metavar != "FILE":
        problems.append("--out must be a FILE (a folder is --out-dir): use add_out_option")
    if "--out-dir" in options and options["--out-dir"].metavar != "DIR":
        problems.append("--out-dir takes a DIR")
    for action in parser._actions:
        text = f"{action.help or ''} {action.dest}".lower()
        reads_source = "spec folder" in text and "needs.json" in text  # an input, not an output
        if reads_source and action.help != argparse.SUPPRESS and action.option_strings != ["--from"]:
            problems.append(f"{action.dest}: a spec or needs.json is given as --from SOURCE")
    if "--from" in options and options["--from"].dest != "source":
        problems.append("--from must store into args.source")
    assert parser.description or parser.prog, name
    assert not problems, f"smets {name}: " + "; ".join(problems)


@pytest.mark.parametrize("name", NAMES)
def test_help_of_every_command(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([*name.split(), "--help"])
    assert done.value.code == 0
    assert f"smets {name}" in capsys.readouterr().out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("smets ") and out.split()[1][0].isdigit()


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["trace", "PC_01", "--format", "yaml"])
    assert done.value.code == 2
    assert "invalid choice: 'yaml'" in capsys.readouterr().err


def test_json_alias_and_format_give_the_same_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(ROOT), "trace", "GS_08", "--depth", "1", "--json"]) == 0
    alias = capsys.readouterr().out
    assert main(["--root", str(ROOT), "trace", "GS_08", "--depth", "1", "--format", "json"]) == 0
    assert capsys.readouterr().out == alias
    assert alias.startswith('{\n  "id": "GS_08"')


def test_deprecated_spelling_still_works_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    needs = ROOT / "tests" / "golden"
    sample = next(needs.rglob("needs.json"), None)
    target = str(sample) if sample else str(ROOT / "spec")
    code = main(["--root", str(ROOT), "validate", target, "--json"])
    captured = capsys.readouterr()
    assert code in (0, 1)
    assert "a positional PATH is deprecated; use --from" in captured.err
    assert '"needs":' in captured.out


def test_closed_pipe_is_quiet(tmp_path: Path) -> None:
    """`smets validate --json | head -c 1`: no BrokenPipeError traceback, exit 1 (output incomplete).

    The report must be larger than a pipe's buffer (64 KiB) for the write to fail, so the input is a
    needs.json of 2,000 needs each with an unknown field (one diagnostic each).
    """
    needs = {
        f"X_{n}": {"id": f"X_{n}", "type": "req", "title": "t", "docname": "x", "lineno": n, "bogus": "1"}
        for n in range(2000)
    }
    big = tmp_path / "needs.json"
    big.write_text(
        json.dumps({"current_version": "1", "versions": {"1": {"needs": needs}}}), encoding="utf-8"
    )
    cmd = f"{sys.executable} -m smets_spec.cli --root {ROOT} validate --from {big} --json | head -c 1"
    done = subprocess.run(
        ["bash", "-c", f'set -o pipefail; {cmd}; echo "status=${{PIPESTATUS[0]}}" >&2'],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout == "{"
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert "Exception ignored" not in done.stderr, done.stderr
    assert "status=1" in done.stderr


def test_missing_workbook_cannot_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["--root", str(ROOT), "consult", "import", "--dry-run", str(tmp_path / "absent.xlsx")])
    assert code == 2
    assert "absent.xlsx: no such workbook" in capsys.readouterr().err


def test_consult_export_has_a_default_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The README's `smets consult export` works as written (it used to need --out)."""
    from conftest import copy_project

    root = copy_project(tmp_path)
    assert main(["--root", str(root), "consult", "export"]) == 0
    written = sorted((root / "_build" / "consultations").glob("*.xlsx"))
    assert [p.name for p in written] == ["CON_DECC_2011.xlsx"]
    assert capsys.readouterr().out.startswith(
        "_build/consultations/CON_DECC_2011.xlsx: CON_DECC_2011 at revision "
    )
    assert written[0].stat().st_size > 10_000


@pytest.mark.skipif(shutil.which("script") is None, reason="needs script(1) (util-linux) for a terminal")
def test_progress_shows_on_a_terminal_only() -> None:
    command = f"{sys.executable} -m smets_spec.cli --root {ROOT} dups --no-terms --format json"
    piped = subprocess.run(command.split(), capture_output=True, text=True, check=False)
    assert "comparing every pair of texts" not in piped.stderr + piped.stdout
    assert piped.stdout.startswith("{")
    terminal = subprocess.run(
        ["script", "-qec", command, "/dev/null"], capture_output=True, text=True, check=False, timeout=300
    )
    assert "comparing every pair of texts" in terminal.stdout  # the spinner, on the terminal's stderr
