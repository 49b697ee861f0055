"""The conformance suite's results on the reference models, kept in the user cache between builds.

A build into an empty output folder has no results, so it runs the suite (3 s beside Sphinx's
start-up). The run is a function of what :func:`suite_key` digests, so an earlier run's results
with the same key are the results this run would write:

* every file of this package (the suite, its plugin, the reference models, the corpus loader
  and all they import from it; byte for byte, caches of compiled code aside) and every
  ``conftest.py`` pytest could load from a folder above the suite;
* every installed distribution on the import path, by name, version and ``RECORD`` (the hash
  of each file it installed), the Python version and platform, and ``sys.path`` (what an
  import finds);
* the environment variables pytest and Python read (``PYTEST_*``, ``PYTHON*``) and the current
  folder (the suite puts it on the import path, as ``python -m`` does);
* the spec the suite reads (its folder, and the digest of every file the loader reads, which
  the run checks again after the suite: a spec edited meanwhile stores nothing);
* the target (the reference models) and this module's :data:`FORMAT`.

The value is plain JSON, ``{"results": <the results file>, "log": <the suite's output>}``,
read back field by field (:func:`_read`) and used only when it re-serialises to itself; a
planted, truncated, oversized or otherwise odd entry is ignored and the suite runs
(:mod:`smets_spec.corpus.usercache`). ``SMETS_CONFORMANCE_CACHE=off`` runs the suite every time.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from ..corpus.cachedir import switched_off
from ..corpus.files import write_atomic
from ..corpus.rstreader import tree_digest
from ..corpus.usercache import digest, read_regular_entry, write_entry
from . import DEFAULT_TARGET
from .results import FORMAT as RESULTS_FORMAT
from .results import CaseResult, Outcome, Results, save
from .runner import SUITE_DIR

#: the entry's format: a change makes every old entry unused
FORMAT = "smets-conformance-cache/1"
KIND = "conformance"
#: ``SMETS_CONFORMANCE_CACHE=off``: the suite runs on every build into an empty folder
SWITCH = "SMETS_CONFORMANCE_CACHE"
#: the package whose every file the key covers
PACKAGE_DIR = Path(__file__).resolve().parent.parent
#: the suite's output kept with its results; a longer log is not cached (the run is not typical)
MAX_LOG = 1 << 20


def enabled() -> bool:
    return not switched_off(SWITCH)


def _package_parts() -> list[str | bytes]:
    parts: list[str | bytes] = []
    files = [p for p in PACKAGE_DIR.rglob("*") if "__pycache__" not in p.parts and p.is_file()]
    for path in sorted(files, key=lambda p: p.relative_to(PACKAGE_DIR).as_posix()):
        parts += [path.relative_to(PACKAGE_DIR).as_posix(), path.read_bytes()]
    for folder in SUITE_DIR.parents:  # pytest may load a conftest.py of any folder above the suite
        conftest = folder / "conftest.py"
        parts += [conftest.as_posix(), conftest.read_bytes() if conftest.is_file() else b"\0absent"]
    return parts


def _distribution_parts() -> list[str | bytes]:
    """Every installed distribution on the import path: its folder's name (name and version) and its
    ``RECORD`` (the hash of every file it installed), so a library changed in place changes the key."""
    parts: list[str | bytes] = []
    for entry in sys.path:
        try:
            found = sorted(
                p for p in Path(entry or ".").iterdir() if p.name.endswith((".dist-info", ".egg-info"))
            )
        except OSError:
            continue
        for folder in found:
            try:
                record = (folder / "RECORD").read_bytes()
            except OSError:
                record = b"\0no record"
            parts += [f"{entry}/{folder.name}", record]
    return parts


def _environment_parts() -> list[str | bytes]:
    env = sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith(("PYTEST", "PYTHON")))
    return [
        sys.version,
        sys.executable,
        platform.platform(),
        *_distribution_parts(),
        "\n".join(sys.path),
        "\n".join(env),
        str(Path.cwd()),
    ]


def suite_key(spec: Path, target: str = DEFAULT_TARGET) -> str | None:
    """The key of a suite run on ``target`` against ``spec`` as its files are now; None when it
    cannot be worked out (a file unreadable) or the cache is switched off."""
    if not enabled():
        return None
    try:
        spec_part = [str(spec.resolve()), tree_digest(spec)]
        return digest([FORMAT, target, *spec_part, *_environment_parts(), *_package_parts()])
    except OSError:
        return None


def _text(data: dict[str, Any], name: str) -> str:
    value = data[name]
    if not isinstance(value, str):
        raise TypeError(name)
    return value


def _number(data: dict[str, Any], name: str) -> float:
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(name)
    return float(value)


def _case(data: object) -> CaseResult:
    if not isinstance(data, dict):
        raise TypeError("case")
    verifies = data["verifies"]
    if not isinstance(verifies, list) or not all(isinstance(v, str) for v in verifies):
        raise TypeError("verifies")
    line = data["line"]
    if isinstance(line, bool) or not isinstance(line, int):
        raise TypeError("line")
    texts = {n: _text(data, n) for n in ("test_id", "nodeid", "file", "title", "message", "doc", "ref")}
    return CaseResult(
        **texts,
        line=line,
        verifies=tuple(verifies),
        outcome=Outcome(_text(data, "outcome")),
        duration_s=_number(data, "duration_s"),
    )


def _read(value: object) -> tuple[Results, str] | None:
    """The results and log of a cache entry, or None when it is not exactly one we write."""
    if not isinstance(value, dict) or set(value) != {"results", "log"}:
        return None
    stored, log = value["results"], value["log"]
    if not isinstance(stored, dict) or not isinstance(log, str) or len(log) > MAX_LOG:
        return None
    try:
        if stored.get("format") != RESULTS_FORMAT or not isinstance(stored.get("tests"), list):
            return None
        collect_only = stored["collect_only"]
        if not isinstance(collect_only, bool):
            return None
        results = Results(
            generated=datetime.fromisoformat(_text(stored, "generated")),
            target=_text(stored, "target"),
            target_name=_text(stored, "target_name"),
            duration_s=_number(stored, "duration_s"),
            cases=[_case(c) for c in stored["tests"]],
            collect_only=collect_only,
        )
    except (KeyError, TypeError, ValueError, RecursionError):
        return None
    if results.generated.tzinfo is None or results.to_json() != stored:  # not what a run writes
        return None
    return results, log


def restore(key: str, results_path: Path, log_path: Path) -> bool:
    """Write the cached results (and the suite's output) of ``key``; False when there are none."""
    found = _read(read_regular_entry(KIND, key))
    if found is None:
        return False
    results, log = found
    log_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(log_path, log, durable=False)
    save(results, results_path)
    return True


def store(key: str, results_path: Path, log_path: Path) -> None:
    """Keep a finished run's results and output under ``key`` (skipped when either is odd)."""
    try:
        stored = json.loads(results_path.read_text(encoding="utf-8"))
        log = log_path.read_text(encoding="utf-8") if log_path.is_file() else ""
    except (OSError, ValueError):
        return
    value = {"results": stored, "log": log}
    if _read(value) is not None:
        write_entry(KIND, key, value)
