"""`smets build` starts with less (issue 20): the same parser, the same cycle findings, fewer imports.

* ``smets build`` builds its parser from its own command module alone (``SMETS_LEAN_START=off``:
  from every command's module, as before): the same options, help and errors.
* the cycle check's strongly connected components come from a small Tarjan walk instead of
  networkx (``SMETS_OWN_CYCLES=off``: networkx): the same groups on seeded random graphs.
* what a build imports before Sphinx runs leaves out what only other commands use.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import subprocess
import sys
from collections.abc import Sequence

import networkx as nx
import pytest

from smets_spec import cli
from smets_spec.corpus import validate
from smets_spec.corpus.validate import strong_components


def _parse(modules: Sequence[str], argv: list[str]) -> tuple[int | str | None, str, str, dict[str, object]]:
    """Exit status (None: parsed), stdout, stderr and the parsed options of ``argv``."""
    out, err = io.StringIO(), io.StringIO()
    parsed: dict[str, object] = {}
    code: int | str | None = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            parsed = vars(cli.build_parser(modules).parse_args(argv))
        except SystemExit as stop:
            code = stop.code
    return code, out.getvalue(), err.getvalue(), parsed


@pytest.mark.parametrize(
    "argv",
    [
        ["build"],
        ["build", "--help"],
        ["build", "-j", "1", "--fresh", "-v", "--out-dir", "x"],
        ["--root", "r", "build", "--out-dir", "o"],
        ["build", "--bogus"],
        ["build", "extra"],
        ["build", "-j"],
    ],
)
def test_the_build_parser_alone_is_the_same_as_with_every_command(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    lean = cli._modules(cli._command(argv))
    assert list(lean) == ["smets_spec.commands.build"]
    assert _parse(lean, argv) == _parse(cli.COMMAND_MODULES, argv)


def test_the_switch_restores_every_command_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cli.LEAN_START, "off")
    assert cli._modules("build") == cli.COMMAND_MODULES
    monkeypatch.delenv(cli.LEAN_START)
    assert cli._modules("trace") == cli.COMMAND_MODULES
    assert cli._modules(None) == cli.COMMAND_MODULES


def _random_edges(rng: random.Random) -> dict[str, list[str]]:
    nodes = [f"N{i:03d}" for i in range(rng.randint(1, 60))]
    density = rng.choice([0.0, 0.02, 0.05, 0.1, 0.3])
    edges: dict[str, list[str]] = {}
    for node in rng.sample(nodes, rng.randint(0, len(nodes))):
        edges[node] = [t for t in nodes if rng.random() < density]  # self-links too
    return edges


def _networkx_groups(edges: dict[str, list[str]]) -> list[list[str]]:
    graph = nx.DiGraph()
    graph.add_edges_from((s, t) for s, targets in edges.items() for t in targets)
    return sorted(sorted(g) for g in nx.strongly_connected_components(graph))


@pytest.mark.parametrize("seed", range(40))
def test_strong_components_are_networkx_s(seed: int) -> None:
    edges = _random_edges(random.Random(seed))
    ours = strong_components(edges)
    linked = {s for s, targets in edges.items() if targets} | {t for ts in edges.values() for t in ts}
    assert sorted(sorted(g) for g in ours if g & linked) == _networkx_groups(edges)
    members = [n for g in ours for n in g]
    assert len(members) == len(set(members))  # each node in one group


@pytest.mark.parametrize("seed", range(40))
def test_the_cycles_found_are_the_same_with_either(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    edges = _random_edges(random.Random(1000 + seed))
    ours = validate._cycles(edges)
    monkeypatch.setenv(validate.OWN_CYCLES, "off")
    assert ours == validate._cycles(edges)


def test_a_long_chain_needs_no_recursion() -> None:
    chain = {f"N{i:05d}": [f"N{i + 1:05d}"] for i in range(20_000)}
    chain["N20000"] = ["N00000"]
    assert [len(g) for g in strong_components(chain)] == [20_001]


_PROBE = """
import json, sys
import sphinx.cmd.build
import smets_spec.sphinx.site
from smets_spec import cli
cli.build_parser(cli._modules("build"))
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("smets_spec", "networkx"))))
"""


def test_a_build_starts_without_what_only_other_commands_use() -> None:
    """A build imports the extension and its own command; not networkx (only the trace and change
    commands walk graphs with it), the reference models, the wire target or the ReqIF exchange."""
    probe = subprocess.run([sys.executable, "-c", _PROBE], check=True, capture_output=True)
    loaded = set(json.loads(probe.stdout))
    assert "smets_spec.sphinx.site" in loaded
    for absent in (
        "networkx",
        "smets_spec.reference.bridge",
        "smets_spec.conformance.wirepage",
        "smets_spec.conformance.wiretarget",
        "smets_spec.interchange.ops",
        "smets_spec.commands.conform",
    ):
        assert absent not in loaded, absent


def _start_up_states(monkeypatch: pytest.MonkeyPatch, checks_pass: bool) -> list[tuple[bool, int]]:
    """(collector on, objects frozen) as Sphinx would start, and after ``cmd_build`` returns."""
    import argparse
    import gc
    from pathlib import Path

    from smets_spec.commands import build
    from smets_spec.corpus.project import Project

    seen: list[tuple[bool, int]] = []
    monkeypatch.setattr(build, "_checked", lambda args, project: (None, Path("out")) if checks_pass else 1)
    monkeypatch.setattr(build, "folder_lock", lambda out, say: contextlib.nullcontext())
    monkeypatch.setattr(build, "_scan_early", lambda project, corpus: None)

    def sphinx_runs(*args: object, **kwargs: object) -> int:
        seen.append((gc.isenabled(), gc.get_freeze_count()))
        return 0

    monkeypatch.setattr(build, "build_site", sphinx_runs)
    gc.unfreeze()
    try:
        build.cmd_build(argparse.Namespace(), Project(Path.cwd()))
        seen.append((gc.isenabled(), gc.get_freeze_count()))
    finally:
        gc.unfreeze()
    return seen


def test_the_start_up_is_frozen_before_sphinx_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The collector is on while Sphinx builds; what the start-up made is frozen (``jobs`` hands it
    back at build-finished); a build that stops at its checks freezes nothing."""
    during = _start_up_states(monkeypatch, True)[0]
    assert during[0] and during[1] > 0
    assert _start_up_states(monkeypatch, False) == [(True, 0)]
    monkeypatch.setenv("SMETS_QUIET_START", "off")
    assert _start_up_states(monkeypatch, True)[0] == (True, 0)
