"""The pytest plugin of the conformance suite.

* ``@pytest.mark.verifies("PC_06", ...)`` names the requirements a test verifies.
  Every test must carry it, and every id must be a requirement of the spec: an
  unknown id stops the run with ``file:line: error: ... [smets.conformance]``.
* ``--smets-target module:factory`` chooses the device under test (default: the
  reference models); the fixtures ``target``, ``esme``, ``gsme`` and ``ihd`` give
  fresh devices of it, starting at the true time of the ``start`` fixture.
* ``--smets-results FILE`` writes every test case's outcome, requirement ids and
  message as JSON (see :mod:`smets_spec.conformance.results`).
"""

from __future__ import annotations

import importlib
import inspect
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ..corpus.diagnostics import Diagnostic, Location, Rule, Severity
from ..corpus.load import Corpus, Offered
from ..reference.interfaces import ESME, GSME, IHD, Target
from . import DEFAULT_TARGET
from .results import CaseResult, Outcome, Results, save

DEFAULT_START = datetime(2024, 1, 15, tzinfo=UTC)
MARKER = "verifies"


@dataclass
class _State:
    target: str
    results_path: Path | None
    started: float = field(default_factory=time.monotonic)
    infos: dict[str, CaseResult] = field(default_factory=dict)
    outcomes: dict[str, tuple[Outcome, str, float]] = field(default_factory=dict)
    target_name: str = ""
    #: the target object, once made (a wire target keeps a log of what each test read)
    device: Any = None
    corpus: Any = None


_STATE = pytest.StashKey[_State]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("smets", "SMETS conformance")
    group.addoption(
        "--smets-target",
        default=DEFAULT_TARGET,
        help="device under test as module:factory (default: the reference models)",
    )
    group.addoption(
        "--smets-spec",
        default=None,
        help="spec folder whose requirement ids the tests may name (default: found from cwd)",
    )
    group.addoption("--smets-results", default=None, help="write the results as JSON to this file")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(*ids): requirement ids of the SMETS this test verifies")
    results = config.getoption("--smets-results")
    state = _State(config.getoption("--smets-target"), Path(results) if results else None)
    config.stash[_STATE] = state
    config.pluginmanager.register(Recorder(state), "smets-conformance-recorder")


#: ``SMETS_SUITE_CORPUS=off``: the suite run beside a build reads the spec itself, never taking the
#: build's corpus (:func:`hand_over`)
HANDOVER_SWITCH = "SMETS_SUITE_CORPUS"
#: the corpus of a spec folder handed to a suite run in this process (:func:`hand_over`)
_HANDED = Offered()


def hand_over(spec: Path, relative_to: Path, corpus: Corpus) -> None:
    """Let the next suite run of ``spec`` in this process take ``corpus`` (``load_spec(spec,
    relative_to)``, read by the build this process was forked from) instead of reading the folder
    again: taken only when the folder's files still hash to what it was read from and it was read
    relative to the folder's parent, as :func:`spec_corpus` reads it (then it is that very corpus).
    At 10,000 requirements the read costs 1.4 s of CPU, on a core the build's readers want."""
    from ..corpus.cachedir import switched_off

    _HANDED.clear()
    if relative_to.resolve() == spec.resolve().parent and not switched_off(HANDOVER_SWITCH):
        _HANDED.offer(spec, corpus)


def _handed(spec: Path) -> Corpus | None:
    """The corpus handed over for ``spec`` (once), if the folder's files are unchanged since."""
    return _HANDED.take(spec)


def spec_corpus(config: pytest.Config) -> Corpus:
    """The spec the suite runs against (loaded once per run)."""
    from ..corpus.load import load_spec
    from ..corpus.project import find_project

    state = config.stash[_STATE]
    if state.corpus is None:
        option = config.getoption("--smets-spec")
        try:
            spec = Path(option) if option else find_project(Path.cwd()).spec
            state.corpus = _handed(spec) or load_spec(spec)
        except FileNotFoundError as exc:
            raise pytest.UsageError(f"smets conformance: {exc}; pass --smets-spec DIR") from exc
    corpus: Corpus = state.corpus
    return corpus


def requirement_ids(config: pytest.Config) -> set[str]:
    return {r.id for r in spec_corpus(config).requirements}


def conftest_id(module: str, function: str) -> str:
    """The conftest need id of a suite test: ``TST_<MODULE>_<FUNCTION>``."""
    stem = module.rsplit(".", 1)[-1].removeprefix("test_")
    return "TST_" + re.sub(r"[^A-Z0-9]+", "_", f"{stem}_{function.removeprefix('test_')}".upper()).strip("_")


def _marker_line(func: Callable[..., Any], req: str) -> int:
    try:
        lines, start = inspect.getsourcelines(func)
    except (OSError, TypeError):
        return 0
    for offset, text in enumerate(lines):
        if f'"{req}"' in text or f"'{req}'" in text:
            return start + offset
    return start


def _location(item: pytest.Item, line: int) -> Location:
    path = Path(str(item.path))
    try:
        shown = path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        shown = path.as_posix()
    return Location(shown, line or None)


def first_line(func: Callable[..., Any]) -> int:
    """The first line of ``func``'s definition (its first decorator's), as :func:`inspect.getsourcelines`
    gives it, without cutting out the block (which tokenizes the body: 0.3 ms a test, two or three
    times a test in each suite run)."""
    return inspect.findsource(inspect.unwrap(func))[1] + 1


def _check_item(item: pytest.Function, known: set[str]) -> list[Diagnostic]:
    ids = [str(a) for mark in item.iter_markers(MARKER) for a in mark.args]
    func = item.function
    if not ids:
        return [
            Diagnostic(
                _location(item, first_line(func) if callable(func) else 0),
                Severity.ERROR,
                f"test '{item.name}' names no requirement it verifies",
                Rule.CONFORMANCE,
                f'add @pytest.mark.{MARKER}("XX_NN") with the requirement ids',
            )
        ]
    problems = []
    for req in ids:
        if req not in known:
            close = sorted(k for k in known if k.split("_")[0] == req.split("_")[0])[:6]
            problems.append(
                Diagnostic(
                    _location(item, _marker_line(func, req)),
                    Severity.ERROR,
                    f"test '{item.name}' verifies unknown requirement '{req}'",
                    Rule.CONFORMANCE,
                    f"use a requirement id of the spec ({', '.join(close) or 'see spec/sections'})",
                )
            )
    return problems


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    known = requirement_ids(config)
    problems: list[Diagnostic] = []
    for item in items:
        if isinstance(item, pytest.Function):
            problems.extend(_check_item(item, known))
    if problems:
        raise pytest.UsageError("\n".join(d.format() for d in problems))


def _doc(item: pytest.Function) -> tuple[str, str]:
    doc = inspect.getdoc(item.function) or ""
    first, _, rest = doc.partition("\n")
    return first.strip().rstrip(".") or item.originalname.removeprefix("test_").replace(
        "_", " "
    ), rest.strip()


MESSAGE_LIMIT = 400
#: how pytest names a failed read of a protocol object; the message after it says it all
WIRE_ERROR = "smets_spec.conformance.wiretarget.WireError: "


def _message(report: pytest.TestReport) -> str:
    """The assertion (or error) of a failed case, or the reason of a skip, kept short."""
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        text = str(crash.message)
    elif isinstance(report.longrepr, tuple):  # a skip: (file, line, reason)
        text = str(report.longrepr[2])
    else:
        lines = str(report.longrepr or "").strip().splitlines()
        text = lines[-1] if lines else ""
    text = text.split("\n +  where")[0].strip().removeprefix(WIRE_ERROR)
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 3] + "..."


def _with_wire_reads(message: str, device: Any) -> str:
    """A failure's message, followed by the protocol objects the test read over the wire."""
    reads = getattr(getattr(device, "log", None), "reads", None)
    if not reads:
        return message
    tail = " | read over the wire: " + "; ".join(dict.fromkeys(reads))
    room = MESSAGE_LIMIT * 3 - len(message)
    return message + (tail if len(tail) <= room else tail[: max(room - 3, 0)] + "...")


class Recorder:
    """Records what was collected and each case's outcome; writes the results file at the end."""

    def __init__(self, state: _State) -> None:
        self.state = state

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            if not isinstance(item, pytest.Function):
                continue
            title, doc = _doc(item)
            module = getattr(item.module, "__name__", item.path.stem)
            self.state.infos[item.nodeid] = CaseResult(
                test_id=conftest_id(module, item.originalname),
                nodeid=item.nodeid,
                file=Path(str(item.path)).name,
                line=first_line(item.function),
                title=title,
                verifies=tuple(str(a) for m in item.iter_markers(MARKER) for a in m.args),
                outcome=Outcome.NOT_RUN,
                doc=doc,
                ref=f"{module}::{item.originalname}",
            )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not (report.when == "call" or report.failed or report.skipped):
            return
        if report.failed:
            outcome = Outcome.FAILED if report.when == "call" else Outcome.ERROR
        else:
            outcome = Outcome.SKIPPED if report.skipped else Outcome.PASSED
        previous = self.state.outcomes.get(report.nodeid)
        if previous is None or previous[0] is Outcome.PASSED:
            message = _message(report) if (report.failed or report.skipped) else ""
            if report.failed:
                message = _with_wire_reads(message, self.state.device)
            self.state.outcomes[report.nodeid] = (outcome, message, report.duration)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        state = self.state
        if state.results_path is None or not state.infos:
            return
        cases = []
        for nodeid, info in state.infos.items():
            outcome, message, duration = state.outcomes.get(nodeid, (Outcome.NOT_RUN, "", 0.0))
            cases.append(replace(info, outcome=outcome, message=message, duration_s=round(duration, 4)))
        collect_only = bool(session.config.getoption("collectonly"))
        results = Results(
            datetime.now(UTC),
            state.target,
            state.target_name,
            time.monotonic() - state.started,
            cases,
            collect_only,
        )
        save(results, state.results_path)


# -- the device under test ---------------------------------------------------------------------
def load_target(spec: str, config: pytest.Config | None = None) -> Target:
    """Import ``module:factory`` and call the factory; or connect to a ``dlms+tcp://`` device."""
    if spec.startswith("dlms+"):
        from .frontend import FrontEndError
        from .wiretarget import DlmsTarget

        try:
            return DlmsTarget(spec, spec_corpus(config) if config else None)
        except (ValueError, FrontEndError) as exc:
            raise pytest.UsageError(f"--smets-target: {exc}") from exc
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise pytest.UsageError(f"--smets-target '{spec}': write it as module:factory")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise pytest.UsageError(f"--smets-target '{spec}': {exc}") from exc
    made: Target = factory()
    return made


def _missing(obj: object, protocol: type) -> list[str]:
    wanted = [n for n in dir(protocol) if not n.startswith("_")]
    return sorted(n for n in wanted if not hasattr(obj, n))


def _device(target: Target, kind: str, protocol: type, start: datetime) -> Any:
    make = getattr(target, kind, None)
    if make is None:
        pytest.skip(f"the target has no {kind.upper()}")
    try:
        device = make(start)
    except NotImplementedError:
        pytest.skip(f"the target has no {kind.upper()}")
    missing = _missing(device, protocol)
    if missing:
        pytest.fail(
            f"{type(device).__name__} does not implement {protocol.__name__}: lacks {', '.join(missing)}"
        )
    return device


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Iterator[Target]:
    state = pytestconfig.stash[_STATE]
    made = load_target(state.target, pytestconfig)
    state.target_name = str(getattr(made, "name", state.target))
    state.device = made
    yield made
    close = getattr(made, "close", None)
    if callable(close):
        close()


@pytest.fixture
def start() -> datetime:
    """True UTC time at which each device starts (override in a test module to move it)."""
    return DEFAULT_START


@pytest.fixture
def esme(target: Target, start: datetime) -> ESME:
    device: ESME = _device(target, "esme", ESME, start)
    return device


@pytest.fixture
def gsme(target: Target, start: datetime) -> GSME:
    device: GSME = _device(target, "gsme", GSME, start)
    return device


@pytest.fixture
def ihd(target: Target, start: datetime) -> IHD:
    device: IHD = _device(target, "ihd", IHD, start)
    return device
