"""DLMS/COSEM benchmark (issue 19): the conformance suite over the wire against a local golden
unit, against the same suite run in-process on the reference models (the peer), in the same run.

* ours: ``smets conform --target dlms+tcp://...`` as run_suite does it, against a GoldenUnit on
  127.0.0.1 (front-end server and client are separate processes; every mapped read is a DLMS/COSEM
  GET over TCP, everything else a rig call over TCP);
* peer: the same suite in-process against ``smets_spec.reference:target`` (it also runs the gas
  meter and in-home display tests, which a DLMS/COSEM electricity meter skips: the counts are printed);
* a single GET of a register over the wire (through both front ends) against a rig call.

Target: the whole wire suite ≤ 30 s (it takes a few seconds). Prints ratios wire / in-process.

    .venv/bin/python bench/wire_bench.py [--repeat 2]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from smets_spec.conformance.frontend import missing_reason
from smets_spec.conformance.golden import GoldenUnit
from smets_spec.conformance.runner import run_suite
from smets_spec.conformance.wiretarget import DlmsTarget
from smets_spec.corpus.load import load_spec
from smets_spec.reference.interfaces import Register

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec"
TARGET_S = 30.0


def suite(target: str, out: Path) -> tuple[float, dict[str, int]]:
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        run = run_suite(SPEC, out, target)
    elapsed = time.perf_counter() - start
    assert run.results is not None and not run.results.failures(), "the suite must pass to be timed"
    return elapsed, run.results.summary()


def _counts(summary: dict[str, int]) -> str:
    return ", ".join(f"{n} {outcome}" for outcome, n in summary.items() if n)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    reason = missing_reason()
    if reason:
        print(f"skipped: {reason}")
        return 0
    corpus = load_spec(SPEC)
    with (
        tempfile.TemporaryDirectory() as folder,
        GoldenUnit(corpus, datetime(2024, 1, 15, tzinfo=UTC)) as unit,
    ):
        url = f"dlms+tcp://127.0.0.1:{unit.dlms_port}?rig=127.0.0.1:{unit.rig_port}"
        wire_runs = [suite(url, Path(folder) / "w.json") for _ in range(args.repeat)]
        reference = "smets_spec.reference:target"
        local_runs = [suite(reference, Path(folder) / "r.json") for _ in range(args.repeat)]
        wire, wire_counts = min(wire_runs, key=lambda r: r[0])
        local, local_counts = min(local_runs, key=lambda r: r[0])
        target = DlmsTarget(url, corpus)
        meter = target.esme(datetime(2024, 1, 15, tzinfo=UTC))
        reads = 200
        start = time.perf_counter()
        for _ in range(reads):
            meter.register(Register.ACTIVE_IMPORT)  # two GETs: value and scaler_unit
        get = (time.perf_counter() - start) / (2 * reads)
        start = time.perf_counter()
        for _ in range(reads):
            meter.now()
        rig = (time.perf_counter() - start) / reads
        target.close()
    verdict = "met" if wire <= TARGET_S else "MISSED"
    print(f"suite over the wire      {wire:6.2f} s   (target <= {TARGET_S:.0f} s: {verdict})")
    print(f"                         {_counts(wire_counts)}")
    print(f"suite in-process (peer)  {local:6.2f} s   {_counts(local_counts)}")
    print(
        f"ratio wire / in-process  {wire / local:6.2f}   (in-process also runs gas meter and display tests)"
    )
    print(f"one GET over the wire    {get * 1000:6.2f} ms  one rig call {rig * 1000:.2f} ms")
    print(f"ratio GET / rig call     {get / rig:6.2f}")
    return 0 if wire <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
