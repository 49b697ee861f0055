"""What the hostile-source checks cost the fast reader (issue 13).

Reads a generated spec with :func:`smets_spec.corpus.rstreader.read_text` twice, interleaved:
as it is, and with the safety checks (whole-text checks, need values, lost indentation)
replaced by no-ops (the peer). Prints both and the ratio. Target: ≤ 1.5x.

    .venv/bin/python bench/safety_bench.py [--requirements 10000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from impact_bench import generate

from smets_spec.corpus import rstreader
from smets_spec.corpus.schema import BY_DIRECTIVE


def _time(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requirements", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="smets-safety-") as tmp:
        root = generate(Path(tmp) / "spec-repo", args.requirements)
        texts = [(str(p), p.read_text(encoding="utf-8")) for p in sorted((root / "spec").rglob("*.rst"))]

    def read() -> object:
        return [rstreader.read_text(text, name, BY_DIRECTIVE) for name, text in texts]

    checks = (rstreader.check_text, rstreader.check_need_values, rstreader._lost_body)
    with_checks: list[float] = []
    without: list[float] = []
    for _ in range(args.repeat):
        rstreader.check_text, rstreader.check_need_values, rstreader._lost_body = checks
        with_checks.append(_time(read))
        rstreader.check_text = lambda *a, **k: []
        rstreader.check_need_values = lambda *a, **k: iter(())
        rstreader._lost_body = lambda *a, **k: []
        without.append(_time(read))
    rstreader.check_text, rstreader.check_need_values, rstreader._lost_body = checks
    ours, peer = min(with_checks), min(without)
    size = sum(len(text) for _, text in texts) / 1e6
    print(
        f"{len(texts)} files, {size:.1f} MB, {args.requirements} requirements; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"read_text with the safety checks      {ours * 1000:.0f} ms (min of {args.repeat})")
    print(f"peer: read_text without them          {peer * 1000:.0f} ms (min of {args.repeat})")
    ratio = ours / peer
    print(f"ratio {ratio:.2f}x   target ≤ 1.5x   {'ok' if ratio <= 1.5 else 'OVER'}")


if __name__ == "__main__":
    main()
