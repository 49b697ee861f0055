"""The suite's first lines of its tests (the results file's ``line``, a diagnostic's location) come
from :func:`plugin.first_line`, which finds them without cutting out each test's block: the same
line as :func:`inspect.getsourcelines` gave, for every test of the suite (decorated and
parametrized ones included) and for a wrapped function."""

from __future__ import annotations

import functools
import inspect
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from clitools import ROOT
from smets_spec.conformance import plugin

_DRIVER = """
import importlib, inspect, json, sys
from pathlib import Path
from smets_spec.conformance import runner

run = runner.collect(Path(sys.argv[1]))
found = []
for case in run.results.cases:
    module, _, name = case.ref.partition("::")
    test = getattr(importlib.import_module(module), name)
    marked = bool(getattr(test, "pytestmark", None))
    found.append([case.nodeid, case.line, inspect.getsourcelines(test)[1], marked])
print(json.dumps({"exit": run.exit_code, "found": found}))
"""


def test_the_results_lines_are_getsourcelines_lines_for_every_suite_test() -> None:
    """Collected as ``smets conform`` collects (the plugin registered, in a process of its own)."""
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(ROOT / "spec")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    found = answer["found"]
    assert answer["exit"] == 0 and len(found) >= 50  # the parametrized cases each
    assert any(marked for *_, marked in found)  # decorated ones among them (their requirement ids)
    assert [(nodeid, line) for nodeid, line, _, _ in found] == [
        (nodeid, line) for nodeid, _, line, _ in found
    ]


def _decorated(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any) -> Any:
        return func(*args)

    return wrapper


@_decorated
def _wrapped() -> int:
    return 1


def test_first_line_of_a_wrapped_function() -> None:
    first = plugin.first_line(_wrapped)
    assert first == inspect.getsourcelines(_wrapped)[1]
    assert inspect.getsourcelines(_wrapped)[0][0].startswith("@_decorated")
