"""The protocol catalogues, read from helper processes that run the protocol libraries.

``python -m smets_dlms_catalogue`` (GPL-2.0-only, imports gurux-dlms) answers OBIS code
questions; ``python -m smets_zigbee_catalogue`` (GPL-3.0-or-later, imports zigpy) dumps the
ZigBee cluster tables. Both speak JSON over a pipe; this module never imports either library.
A library that is not installed gives ``None`` and one note, never a silent pass.
Answers are kept in the user's cache folder by a hash of the question, the helper's source and
the library's version (:mod:`.answers`), so an unchanged catalogue starts no helper.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import locale
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib.metadata import PackageNotFoundError, version
from typing import IO, Any

from ..corpus.cachedir import switched_off
from ..corpus.usercache import read_entry, write_entry
from . import answers

DLMS_HELPER = "smets_dlms_catalogue"
ZIGBEE_HELPER = "smets_zigbee_catalogue"
DLMS_DIST = "gurux-dlms"
ZIGBEE_DIST = "zigpy"
#: how long a helper may take (it reads a 1,400-row table or imports zigpy)
TIMEOUT_S = 120


class CatalogueError(Exception):
    """A helper process failed: the message says which and why."""


@dataclass(frozen=True)
class ObisRow:
    """One row of gurux-dlms's OBISCodes.txt that a code matched, described for that code."""

    pattern: str
    classes: str
    description: str

    @property
    def open_range(self) -> bool:
        """A row that allows every class: a country- or manufacturer-specific range."""
        return self.classes.strip() == "*"

    def allows(self, ic: int) -> bool:
        return self.open_range or str(ic) in {c.strip() for c in self.classes.split(",")}


@dataclass(frozen=True)
class ObisAnswer:
    obis: str
    ic: int | None
    with_class: tuple[ObisRow, ...]
    any_class: tuple[ObisRow, ...]


@dataclass
class DlmsCatalogue:
    version: str
    table: str
    rows: int
    classes: dict[int, str]
    answers: dict[tuple[str, int | None], ObisAnswer] = field(default_factory=dict)
    table_rows: list[ObisRow] = field(default_factory=list)

    @property
    def cite(self) -> str:
        return f"gurux-dlms {self.version} ({self.table})"

    @cached_property
    def named_rows(self) -> list[tuple[ObisRow, str]]:
        """The standard rows with their plain descriptions ("Ch. $B; Clock object; ;" -> "Clock object")."""
        out = []
        for row in self.table_rows:
            parts = [p.strip() for p in row.description.replace("Ch. $B", "").split(";")]
            says = ", ".join(p for p in parts if p and not p.startswith("#") and "$" not in p)
            if says and not row.open_range:
                out.append((row, says))
        return out

    def class_name(self, ic: int) -> str:
        name = self.classes.get(ic)
        return name.replace("_", " ").lower() if name else f"class {ic} (not in gurux ObjectType)"


@dataclass(frozen=True)
class ZclAttribute:
    id: int
    name: str
    type: str
    access: str
    values: dict[str, int]


@dataclass(frozen=True)
class ZclCluster:
    id: int
    name: str
    module: str
    attributes: dict[int, ZclAttribute]


@dataclass
class ZigbeeCatalogue:
    version: str
    clusters: dict[int, ZclCluster]

    @property
    def cite(self) -> str:
        return f"zigpy {self.version}"


def dotted(obis: str) -> str:
    """``1-0:1.8.0.255`` -> ``1.0.1.8.0.255`` (the form gurux reads)."""
    return obis.replace("-", ".").replace(":", ".")


def valid_obis(obis: str) -> bool:
    """Six value groups of 0..255 (the schema's pattern allows up to three digits each)."""
    groups = dotted(obis).split(".")
    return len(groups) == 6 and all(g.isdigit() and int(g) <= 255 for g in groups)


def installed(dist: str) -> str | None:
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _command(module: str) -> list[str]:
    return [sys.executable, "-m", module]


def _run(module: str, request: dict[str, Any] | None) -> dict[str, Any]:
    early = _EARLY.pop((module, json.dumps(request or {})), None)
    if isinstance(early, _Covered):
        if early.started.pid == os.getpid():
            found = early.answer(request or {})
            if found is not None:
                return found
    elif early is not None and early.pid == os.getpid():
        return _answer(module, *early.finish())
    try:
        done = subprocess.run(
            _command(module),
            input=json.dumps(request or {}),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CatalogueError(f"helper '{module}' could not run: {exc}") from exc
    return _answer(module, done.returncode, done.stdout, done.stderr)


def _answer(module: str, code: int, stdout: str, stderr: str) -> dict[str, Any]:
    if code != 0:
        last = (stderr.strip().splitlines() or ["no message"])[-1]
        raise CatalogueError(f"helper '{module}' failed (exit {code}): {last}")
    try:
        answer: dict[str, Any] = json.loads(stdout)
    except ValueError as exc:
        raise CatalogueError(f"helper '{module}' wrote no JSON: {exc}") from exc
    return answer


@dataclass
class _Early:
    """A helper started before its question is asked (:func:`start_early`), writing to files (so it
    never waits for a reader), by the process that started it (only that one waits for it)."""

    module: str
    pid: int
    proc: subprocess.Popen[bytes]
    out: IO[bytes]
    err: IO[bytes]

    done: tuple[int, str, str] | None = None

    def finish(self) -> tuple[int, str, str]:
        """As :func:`subprocess.run` with ``text=True`` gives them: status, output, errors (once;
        a question it covers asks again, :class:`_Covered`)."""
        if self.done is None:
            self.done = self._finish()
        return self.done

    def _finish(self) -> tuple[int, str, str]:
        try:
            code = self.proc.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired as exc:
            self.proc.kill()
            self.proc.wait()
            raise CatalogueError(f"helper '{self.module}' could not run: {exc}") from exc
        encoding = locale.getpreferredencoding(False)
        texts = []
        for file in (self.out, self.err):
            file.seek(0)
            texts.append(file.read().decode(encoding).replace("\r\n", "\n").replace("\r", "\n"))
            file.close()
        return code, texts[0], texts[1]


@dataclass
class _Covered:
    """A DLMS/COSEM question answered from a helper started with a wider one (:func:`start_early`'s
    ``covers``): the same codes to describe, the same table, every code to check among its codes.
    The helper answers each code alone (``smets_dlms_catalogue``: each matched against the table by
    itself) and the rest of its answer is the library's, so the narrowed answer is what the
    question gets asked alone. A failed run answers nothing here: the question is then asked."""

    started: _Early
    asked: dict[str, Any]

    def answer(self, wanted: dict[str, Any]) -> dict[str, Any] | None:
        code, out, err = self.started.finish()
        try:
            answer = _answer(self.started.module, code, out, err)
        except CatalogueError:
            return None
        return narrow_dlms(answer, self.asked, wanted)


def narrow_dlms(
    answer: dict[str, Any], asked: dict[str, Any], wanted: dict[str, Any]
) -> dict[str, Any] | None:
    """The DLMS/COSEM helper's answer to ``wanted`` cut from its ``answer`` to ``asked`` (None when
    ``asked`` does not cover ``wanted``, or the answer is not of the helper's shape)."""
    if wanted.get("describe") != asked.get("describe") or wanted.get("rows") != asked.get("rows"):
        return None
    if set(wanted) != {"check", "describe", "rows"} or set(asked) != set(wanted):
        return None
    checked = answer.get("check")
    if not isinstance(checked, list) or len(checked) != len(asked["check"]):
        return None
    by_code: dict[str, Any] = {}
    for question, entry in zip(asked["check"], checked, strict=True):
        by_code[json.dumps(question)] = entry
    try:
        check = [by_code[json.dumps(question)] for question in wanted["check"]]
    except KeyError:
        return None
    return {name: check if name == "check" else value for name, value in answer.items()}


#: helpers started ahead of their question, by module and request (as JSON)
_EARLY: dict[tuple[str, str], _Early | _Covered] = {}
#: whether :func:`_end_unasked` is registered to run as this process ends
_EXIT_HOOK: list[bool] = []
#: ``SMETS_DLMS_COVER=off``: a question a wider one started early covers starts its own helper
COVER_SWITCH = "SMETS_DLMS_COVER"


def _cached(module: str, dist: str, release: str, request: dict[str, Any] | None) -> bool:
    key = answers.key(module, f"{dist} {release}", request)
    return key is not None and read_entry(answers.KIND, key) is not None


def start_early(
    module: str, dist: str, request: dict[str, Any] | None, covers: tuple[dict[str, Any], ...] = ()
) -> None:
    """Start the helper that :func:`_asked` will ask ``request`` when its answer is not in the user's
    cache, so that its start-up and the library's import run beside the caller's work (one second
    of a cold build's start at 2,000 requirements). Nothing else changes: the same command gets the
    same request, and the answer is read and checked as it would be (:func:`_run`).

    ``covers``: narrower questions of the DLMS/COSEM helper (:func:`narrow_dlms`) that this run
    answers too when they are asked, where theirs are not cached nor started (one helper process,
    one import of gurux-dlms and read of its table, instead of one for each; ``SMETS_DLMS_COVER=off``)."""
    text = json.dumps(request or {})
    release = installed(dist)
    if release is None or (module, text) in _EARLY:
        return
    if _cached(module, dist, release, request):
        return  # answered from the cache (or, if the entry is not an answer, asked then)
    try:
        with tempfile.TemporaryFile() as given:
            given.write(text.encode(locale.getpreferredencoding(False)))
            given.seek(0)
            # kept open until the answer is read (_Early.finish closes them)
            out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115
            proc = subprocess.Popen(_command(module), stdin=given, stdout=out, stderr=err)
    except OSError:
        return  # asked the usual way, which says why it cannot run
    started = _EARLY[(module, text)] = _Early(module, os.getpid(), proc, out, err)
    if not _EXIT_HOOK:
        atexit.register(_end_unasked)
        _EXIT_HOOK.append(True)
    if module != DLMS_HELPER or request is None or switched_off(COVER_SWITCH):
        return
    for narrower in covers:
        narrow_text = json.dumps(narrower)
        if (module, narrow_text) not in _EARLY and not _cached(module, dist, release, narrower):
            _EARLY[(module, narrow_text)] = _Covered(started, request)


def _end_unasked() -> None:
    """As this process ends: each helper it started early whose question was never asked (a build
    that stopped before, a site that needed no catalogue) is ended and waited for, not left to
    run on alone once the build is over (its answer would be read by no one)."""
    for early in list(_EARLY.values()):
        if isinstance(early, _Early) and early.pid == os.getpid() and early.done is None:
            with contextlib.suppress(OSError):
                early.proc.kill()
            early.proc.wait()
            early.out.close()
            early.err.close()


def _asked(
    module: str, dist: str, request: dict[str, Any] | None, shape: Callable[[object], bool]
) -> dict[str, Any]:
    """The helper's answer: from the user's cache when it was stored for exactly this question,
    library version and helper source and has the helper's shape (:mod:`.answers`), else asked."""
    key = answers.key(module, f"{dist} {installed(dist)}", request)
    if key is not None:
        stored = read_entry(answers.KIND, key)
        if isinstance(stored, dict) and shape(stored):
            return stored
    data = _run(module, request)
    if key is not None and shape(data):
        write_entry(answers.KIND, key, data)
    return data


def _rows(items: list[dict[str, str]]) -> tuple[ObisRow, ...]:
    return tuple(ObisRow(i["pattern"], i["classes"], " ".join(i["description"].split())) for i in items)


def query_dlms(check: list[tuple[str, int]], describe: list[str]) -> DlmsCatalogue | None:
    """Ask gurux-dlms (in its own process) about codes with classes, codes alone, and its table."""
    if installed(DLMS_DIST) is None:
        return None
    return _query_dlms(tuple(sorted(set(check))), tuple(sorted(set(describe))))


def dlms_request(check: tuple[tuple[str, int], ...], describe: tuple[str, ...]) -> dict[str, Any]:
    """What gurux-dlms's helper is asked (codes with classes to check, codes to describe, its table)."""
    return {
        "check": [[dotted(o), ic] for o, ic in check],
        "describe": [dotted(o) for o in describe],
        "rows": True,
    }


@cache
def _query_dlms(check: tuple[tuple[str, int], ...], describe: tuple[str, ...]) -> DlmsCatalogue:
    request = dlms_request(check, describe)
    data = _asked(DLMS_HELPER, DLMS_DIST, request, lambda d: answers.dlms_shape(d, len(check), len(describe)))
    cat = DlmsCatalogue(
        version=str(data["version"]),
        table=str(data["table"]),
        rows=int(data["rows"]),
        classes={int(k): str(v) for k, v in data["classes"].items()},
    )
    cat.table_rows = [
        ObisRow(r["pattern"], r["classes"], r["description"]) for r in data.get("table_rows", [])
    ]
    for (obis, ic), got in zip(check, data["check"], strict=True):
        cat.answers[(obis, ic)] = ObisAnswer(obis, ic, _rows(got["matches"]), _rows(got["any"]))
    for obis, got in zip(describe, data["describe"], strict=True):
        cat.answers[(obis, None)] = ObisAnswer(obis, None, (), _rows(got["any"]))
    return cat


def load_zigbee() -> ZigbeeCatalogue | None:
    """zigpy's cluster tables (from its own process), or None when zigpy is not installed."""
    if installed(ZIGBEE_DIST) is None:
        return None
    return _load_zigbee()


@cache
def _load_zigbee() -> ZigbeeCatalogue:
    data = _asked(ZIGBEE_HELPER, ZIGBEE_DIST, None, answers.zigbee_shape)
    clusters = {}
    for c in data["clusters"]:
        attrs = {
            int(a["id"]): ZclAttribute(int(a["id"]), a["name"], a["type"], a["access"], a.get("values", {}))
            for a in c["attributes"]
        }
        clusters[int(c["id"])] = ZclCluster(int(c["id"]), c["name"], str(c.get("module", "")), attrs)
    return ZigbeeCatalogue(str(data["version"]), clusters)
