"""A catalogue helper started ahead of its question (a cold build's start-up) answers exactly as one
started when asked: the same answer, the same errors; and the conformance results are waited for
wherever they are first read."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smets_spec.conformance import live
from smets_spec.protocols import candidates, catalogue

HELPER = "smets_fake_catalogue"
_MAIN = """import json, sys
request = json.loads(sys.stdin.read())
mode = request.get("mode")
if mode == "fail":
    sys.stderr.write("first line\\r\\nthe cause: caf\\u00e9\\n")
    sys.exit(3)
if mode == "silent":
    sys.exit(4)
if mode == "slow":
    import time
    time.sleep(60)
if mode == "nojson":
    print("not json")
else:
    print(json.dumps({"echo": request, "text": "\\u00e9t\\u00e9"}))
"""


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A helper package on the import path (this process's and the helper's), a fresh cache."""
    package = tmp_path / "lib" / HELPER
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "__main__.py").write_text(_MAIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(tmp_path / "lib"), os.environ.get("PYTHONPATH", "")])
    )
    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path / "cache"))
    catalogue._EARLY.clear()
    yield
    catalogue._EARLY.clear()


def _outcome(request: dict[str, Any] | None) -> object:
    try:
        return catalogue._run(HELPER, request)
    except catalogue.CatalogueError as exc:
        return f"CatalogueError: {exc}"


@pytest.mark.parametrize(
    "request_", [None, {"mode": "ok", "n": [1, 2]}, {"mode": "fail"}, {"mode": "silent"}, {"mode": "nojson"}]
)
def test_an_early_helper_gives_the_same_answer_or_error(fake: None, request_: dict[str, Any] | None) -> None:
    late = _outcome(request_)
    catalogue.start_early(HELPER, "pytest", request_)
    assert len(catalogue._EARLY) == 1
    early = _outcome(request_)
    assert not catalogue._EARLY  # used once
    assert early == late
    if request_ and request_["mode"] == "fail":
        assert late == f"CatalogueError: helper '{HELPER}' failed (exit 3): the cause: café"


def test_an_early_helper_is_not_waited_for_by_another_process(fake: None) -> None:
    """A forked copy inherits the table but not the child: it asks its own helper."""
    catalogue.start_early(HELPER, "pytest", {"mode": "ok"})
    entry = catalogue._EARLY[(HELPER, '{"mode": "ok"}')]
    entry.pid = -1
    assert _outcome({"mode": "ok"}) == {"echo": {"mode": "ok"}, "text": "été"}
    entry.proc.wait()


def test_an_early_helper_never_asked_is_ended_as_the_process_ends(fake: None) -> None:
    """A build that ends without asking (it stopped, or no page needed the catalogue) leaves no
    helper running alone; one another process started is not its to end."""
    catalogue.start_early(HELPER, "pytest", {"mode": "slow"})
    catalogue.start_early(HELPER, "pytest", {"mode": "ok", "n": 1})
    slow = catalogue._EARLY[(HELPER, '{"mode": "slow"}')]
    theirs = catalogue._EARLY[(HELPER, '{"mode": "ok", "n": 1}')]
    assert isinstance(slow, catalogue._Early) and isinstance(theirs, catalogue._Early)
    theirs.pid = -1
    assert catalogue._EXIT_HOOK == [True]
    catalogue._end_unasked()
    assert slow.proc.returncode == -9 and slow.out.closed and slow.err.closed
    assert theirs.proc.wait() == 0 and not theirs.out.closed
    theirs.out.close()
    theirs.err.close()


def test_no_early_start_for_a_missing_library_or_a_cached_answer(fake: None) -> None:
    catalogue.start_early(HELPER, "no-such-distribution-here", None)
    assert not catalogue._EARLY


def test_the_cards_question_started_early_is_the_one_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real gurux-dlms helper: started early with the request :func:`assessment_of` makes, the
    answer is taken from it (no second start) and is the one asked the usual way."""
    if catalogue.installed(catalogue.DLMS_DIST) is None:
        pytest.skip("gurux-dlms not installed")
    from smets_spec.protocols.assess import start_helpers_early

    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path / "one"))
    catalogue._EARLY.clear()
    catalogue._query_dlms.cache_clear()
    start_helpers_early()
    assert (
        catalogue.DLMS_HELPER,
        json.dumps(catalogue.dlms_request((), tuple(sorted(set(candidates.PROBES))))),
    ) in catalogue._EARLY
    early = catalogue.query_dlms([], list(candidates.PROBES))
    assert not [k for k in catalogue._EARLY if k[0] == catalogue.DLMS_HELPER]
    catalogue._load_zigbee.cache_clear()
    catalogue.load_zigbee()
    assert not catalogue._EARLY
    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path / "two"))
    catalogue._query_dlms.cache_clear()
    late = catalogue.query_dlms([], list(candidates.PROBES))
    catalogue._query_dlms.cache_clear()
    catalogue._load_zigbee.cache_clear()
    assert early is not None and late is not None and early.answers and early.answers == late.answers
    assert (early.version, early.table, early.rows, early.classes) == (
        late.version,
        late.table,
        late.rows,
        late.classes,
    )
    assert early.table_rows == late.table_rows


def test_results_are_waited_for_where_first_read(tmp_path: Path) -> None:
    """The build no longer waits for the suite at start-up: any reader of the results waits first."""
    path = tmp_path / "conformance.json"
    done: list[str] = []

    def finish() -> None:
        path.write_text("{}", encoding="utf-8")
        done.append("finished")

    saved = live.results_path()
    live.set_results_path(path)
    live.defer(finish)
    try:
        assert live.pending()
        assert live.stamp() is not None and done == ["finished"]  # waited, then stamped
        assert not live.pending()
        live.defer(finish)
        live._PENDING_IN[:] = [-1]  # as if this were a forked copy of the process that deferred it
        with pytest.raises(RuntimeError, match="forked copy"):
            live.settle()
    finally:
        live._PENDING.clear()
        live.set_results_path(saved)


def test_a_failed_suite_stops_the_build_where_the_results_are_first_read(tmp_path: Path) -> None:
    def finish() -> None:
        raise live.StepFailedError("the conformance suite failed (exit status 3)")

    live.report_failures_to_caller()
    live.defer(finish)
    try:
        with pytest.raises(live.BuildAbortedError, match="exit status 3"):
            live.current()
    finally:
        live._PENDING.clear()
        live.report_failures_to_caller(False)
