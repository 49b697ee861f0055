"""CPU of reading the need documents again, for A/B of the read's per-need cost (issue 20).

    cd PROJECT && SMETS_CACHE_DIR=/tmp/me/cache python bench/need_reads.py [--reps N] -- --out-dir OUT -j 1

Runs ``smets build`` with the given arguments (use ``-j 1`` and a warm render cache, with OUT
emptied first: every card then comes from the cache); after Sphinx's serial read, reads the need
documents (``sections/``, ``data/syn*``, ``devices/``) again ``N`` times in the same process (each
forgotten first, as Sphinx's read does) and prints each pass's CPU seconds. One pass is far less
noisy than a whole build on a shared machine, and has none of build_phases' per-event timing (which
costs the forked readers several per cent of their CPU).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

PREFIXES = ("sections/", "data/syn", "devices/")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=4, help="passes over the need documents")
    parser.add_argument(
        "--switch",
        help="a SMETS_* switch set to off on every other pass (odd passes), for an A/B in one process",
    )
    parser.add_argument("build", nargs="*", help="arguments of `smets build` (after --)")
    args = parser.parse_args()
    import sphinx.builders

    from smets_spec import cli

    original = sphinx.builders.Builder._read_serial
    passes: list[float] = []
    names: list[str] = []

    def read_serial(self: Any, docnames: list[str]) -> None:
        original(self, docnames)
        names[:] = [name for name in docnames if name.startswith(PREFIXES)]
        for rep in range(args.reps):
            if args.switch:
                os.environ[args.switch] = "off" if rep % 2 else "on"
            start = time.process_time()
            for name in names:
                self.events.emit("env-purge-doc", self.env, name)
                self.env.clear_doc(name)
                self.read_doc(name)
            passes.append(time.process_time() - start)

    sphinx.builders.Builder._read_serial = read_serial  # type: ignore[method-assign]
    status = cli.main(["build", *args.build])
    shown = " ".join(f"{seconds:.3f}" for seconds in passes)
    if args.switch:
        on, off = sorted(passes[0::2]), sorted(passes[1::2])
        shown += f" ({args.switch} on: median {on[len(on) // 2]:.3f}, off: median {off[len(off) // 2]:.3f})"
    print(f"status {status}; {len(names)} need documents read again: {shown} s CPU", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
