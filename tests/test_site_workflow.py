"""The site workflow keeps the render cache between runs, and only main's builds write it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "site.yml"


def _workflow() -> Any:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _steps() -> list[Any]:
    steps: list[Any] = _workflow()["jobs"]["site"]["steps"]
    return steps


def _named(uses: str) -> list[Any]:
    return [s for s in _steps() if str(s.get("uses", "")).startswith(uses)]


def test_the_build_uses_the_folder_the_cache_steps_keep() -> None:
    (build,) = [s for s in _steps() if s.get("run") == "./dev site"]
    folder = build["env"]["SMETS_CACHE_DIR"]
    (restore,) = _named("actions/cache/restore@")
    (save,) = _named("actions/cache/save@")
    assert restore["with"]["path"] == save["with"]["path"] == folder == "${{ runner.temp }}/smets-cache"
    steps = _steps()
    assert steps.index(restore) < steps.index(build) < steps.index(save)


def test_only_a_push_to_main_writes_the_cache() -> None:
    data = _workflow()
    assert data[True] == {"push": {"branches": ["main"]}, "pull_request": None}  # YAML 1.1 reads `on` as True
    assert data["permissions"] == {"contents": "read"}
    assert not _named("actions/cache@")  # the combined action would save from pull requests too
    (save,) = _named("actions/cache/save@")
    assert save["if"] == "github.event_name == 'push'"
    (checkout,) = _named("actions/checkout@")
    assert checkout["with"] == {"persist-credentials": False}


def test_the_readme_command_is_what_the_workflow_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "./dev site" in readme
    (upload,) = _named("actions/upload-artifact@")
    assert upload["with"]["path"] == "_build/html/"
    assert (ROOT / "dev").read_text(encoding="utf-8").count("exec .venv/bin/smets build") == 1
