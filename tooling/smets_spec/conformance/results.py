"""Conformance results: the JSON file a suite run writes, and requirement status computed from it.

The file (``_build/html/.smets/conformance.json`` by default) holds one record per test case
(pytest node) with its outcome, the requirement ids it verifies and a message.
Status per requirement joins the corpus's ``conftest`` needs with these results:
*fail* if any test verifying it failed, *pass* if at least one passed and none
failed, else *not tested* (no test, not run, or only skipped).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..corpus.files import write_atomic
from ..corpus.load import Corpus
from ..corpus.schema import ConformanceTest

FORMAT = "smets-conformance/1"


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    NOT_RUN = "not run"


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_TESTED = "not tested"


@dataclass(frozen=True)
class CaseResult:
    """One pytest node (a test, or one parameter set of it)."""

    test_id: str
    nodeid: str
    file: str
    line: int
    title: str
    verifies: tuple[str, ...]
    outcome: Outcome
    message: str = ""
    duration_s: float = 0.0
    doc: str = ""
    #: ``module::function``: where the test is, independent of pytest's rootdir
    ref: str = ""

    @property
    def failed(self) -> bool:
        return self.outcome in (Outcome.FAILED, Outcome.ERROR)


@dataclass
class Results:
    generated: datetime
    target: str
    target_name: str
    duration_s: float
    cases: list[CaseResult] = field(default_factory=list)
    collect_only: bool = False
    path: Path | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "generated": self.generated.isoformat(),
            "target": self.target,
            "target_name": self.target_name,
            "duration_s": round(self.duration_s, 3),
            "collect_only": self.collect_only,
            "summary": dict(self.summary()),
            "requirements": {r: s.value for r, s in sorted(self.requirement_status().items())},
            "tests": [
                {**asdict(c), "verifies": list(c.verifies), "outcome": c.outcome.value} for c in self.cases
            ],
        }

    def summary(self) -> dict[str, int]:
        counts = {o.value: 0 for o in Outcome}
        for case in self.cases:
            counts[case.outcome.value] += 1
        return counts

    def by_test(self) -> dict[str, list[CaseResult]]:
        out: dict[str, list[CaseResult]] = {}
        for case in self.cases:
            out.setdefault(case.test_id, []).append(case)
        return out

    def requirement_status(self) -> dict[str, Status]:
        """Status of every requirement some case verifies (from the results alone)."""
        cases: dict[str, list[CaseResult]] = {}
        for case in self.cases:
            for req in case.verifies:
                cases.setdefault(req, []).append(case)
        return {req: combine(c.outcome for c in found) for req, found in cases.items()}

    def failures(self) -> list[CaseResult]:
        return [c for c in self.cases if c.failed]

    def age(self, now: datetime | None = None) -> float:
        return ((now or datetime.now(UTC)) - self.generated).total_seconds()


def age_text(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} seconds"
    if seconds < 5400:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 172_800:
        return f"{seconds / 3600:.0f} hours"
    return f"{seconds / 86_400:.0f} days"


def combine(outcomes: Iterable[Outcome]) -> Status:
    found = set(outcomes)
    if found & {Outcome.FAILED, Outcome.ERROR}:
        return Status.FAIL
    if Outcome.PASSED in found:
        return Status.PASS
    return Status.NOT_TESTED


def save(results: Results, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(results.to_json(), indent=2) + "\n")


def _case(data: Mapping[str, Any]) -> CaseResult:
    return CaseResult(
        test_id=str(data["test_id"]),
        nodeid=str(data["nodeid"]),
        file=str(data.get("file", "")),
        line=int(data.get("line", 0)),
        title=str(data.get("title", "")),
        verifies=tuple(data.get("verifies", ())),
        outcome=Outcome(data["outcome"]),
        message=str(data.get("message", "")),
        duration_s=float(data.get("duration_s", 0.0)),
        doc=str(data.get("doc", "")),
        ref=str(data.get("ref", "")),
    )


def load(path: Path) -> Results:
    """Read a results file; a file that is not one raises ValueError naming it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, expected {FORMAT!r}")
        return Results(
            generated=datetime.fromisoformat(data["generated"]),
            target=str(data["target"]),
            target_name=str(data.get("target_name", "")),
            duration_s=float(data.get("duration_s", 0.0)),
            cases=[_case(c) for c in data["tests"]],
            collect_only=bool(data.get("collect_only", False)),
            path=path,
        )
    except (OSError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a conformance results file ({exc})") from exc
    except ValueError as exc:
        raise ValueError(f"{path}: not a conformance results file ({exc})") from exc


@dataclass(frozen=True)
class Verdict:
    test_id: str
    title: str
    outcome: Outcome
    message: str
    cases: int


@dataclass(frozen=True)
class RequirementStatus:
    requirement: str
    status: Status
    tests: tuple[Verdict, ...]


def outcome_of(cases: list[CaseResult]) -> Outcome:
    outcomes = {c.outcome for c in cases}
    for outcome in (Outcome.ERROR, Outcome.FAILED, Outcome.PASSED, Outcome.SKIPPED):
        if outcome in outcomes:
            return outcome
    return Outcome.NOT_RUN


def requirement_status(corpus: Corpus, results: Results | None) -> dict[str, RequirementStatus]:
    """Status of every requirement of the corpus, from its conftest needs and the results."""
    by_test = results.by_test() if results and not results.collect_only else {}
    verifying: dict[str, dict[str, str]] = {r.id: {} for r in corpus.requirements}
    for test in corpus.of_type(ConformanceTest):
        for req in test.verifies:
            verifying.setdefault(req, {})[test.id] = test.title
    for test_id, cases in by_test.items():  # tests the spec does not list yet still count
        for req in cases[0].verifies:
            verifying.setdefault(req, {}).setdefault(test_id, cases[0].title)
    out: dict[str, RequirementStatus] = {}
    for req, tests in verifying.items():
        rows = []
        for test_id, title in sorted(tests.items()):
            cases = by_test.get(test_id, [])
            outcome = outcome_of(cases)
            message = next((c.message for c in cases if c.failed), "")
            rows.append(Verdict(test_id, title, outcome, message, len(cases)))
        out[req] = RequirementStatus(req, combine(t.outcome for t in rows), tuple(rows))
    return out
