"""Run every benchmark in turn (``./dev bench``); each prints its figures and ratios."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = (
    "trace_bench.py",
    "dups_bench.py",
    "impact_bench.py",
    "consult_bench.py",
    "build_bench.py",
    "wire_bench.py",
    "cache_bench.py",
    "safety_bench.py",
    "reqif_bench.py",
)


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        print(f"\n#### {name}", flush=True)
        if subprocess.run([sys.executable, str(HERE / name)], check=False).returncode:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
