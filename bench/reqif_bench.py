"""ReqIF benchmark (issue 14): our export and import against StrictDoc's own ReqIF export.

For each size N it generates one synthetic spec (``smets_spec.corpus.synthetic``: N requirements
with their devices, data items, tests and links) and measures, in this run and on this machine,
each as the command a user runs (a fresh process, reading and writing files):

* ours, export: ``smets reqif export --out spec.reqif`` (read and validate the spec, write ReqIF);
* ours, import: ``smets reqif import spec.reqif --out-dir imported`` (read ReqIF, write reST);
* StrictDoc: the same needs as StrictDoc documents (made, untimed, by ``strictdoc convert`` of our
  export), exported with ``strictdoc export --formats reqif-sdoc``.

It prints wall times (best of ``--repeat``) and the ratios ours / StrictDoc; the target is at
most 0.5 for both. StrictDoc runs from its own venv (``$SMETS_STRICTDOC_VENV``, default
``~/.cache/smets-spec/strictdoc-0.30.4``, installed by .ci/run).

    .venv/bin/python bench/reqif_bench.py --sizes 10000
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from smets_spec.corpus.synthetic import generate

VERSION = "0.30.4"


def strictdoc() -> Path | None:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    venv = Path(os.environ.get("SMETS_STRICTDOC_VENV") or cache / "smets-spec" / f"strictdoc-{VERSION}")
    program = venv / "bin" / "strictdoc"
    return program if program.is_file() else None


def timed(args: list[str | Path], cwd: Path, before: list[Path] = ()) -> float:  # type: ignore[assignment]
    for path in before:
        shutil.rmtree(path, ignore_errors=True)
    start = time.perf_counter()
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(map(str, args))} failed:\n{result.stdout}{result.stderr}")
    return elapsed


def run(size: int, repeat: int, program: Path) -> None:
    smets = [sys.executable, "-m", "smets_spec.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        root = generate(Path(tmp) / "project", size, seed=14)
        ours = root / "spec.reqif"
        export = min(
            timed([*smets, "--root", root, "reqif", "export", "--out", ours], root) for _ in range(repeat)
        )
        imported = root / "imported"
        load = min(
            timed([*smets, "--root", root, "reqif", "import", ours, "--out-dir", imported], root, [imported])
            for _ in range(repeat)
        )
        sdoc, out = Path(tmp) / "sdoc", Path(tmp) / "sd-out"
        timed([program, "convert", ours, sdoc], Path(tmp))
        needs = sum(
            text.count("\nUID: ") for text in (p.read_text(encoding="utf-8") for p in sdoc.rglob("*.sdoc"))
        )
        theirs = min(
            timed([program, "export", "--formats", "reqif-sdoc", sdoc, "--output-dir", out], Path(tmp), [out])
            for _ in range(repeat)
        )
        size_mb = ours.stat().st_size / 1e6
        print(f"N={size} requirements ({needs} needs in StrictDoc's documents; our ReqIF {size_mb:.1f} MB)")
        print(
            f"  ours, export       {export:7.2f} s  ratio to StrictDoc {export / theirs:5.2f} (target <= 0.5)"
        )
        print(f"  ours, import       {load:7.2f} s  ratio to StrictDoc {load / theirs:5.2f} (target <= 0.5)")
        print(f"  StrictDoc, export  {theirs:7.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000])
    parser.add_argument("--repeat", type=int, default=2, help="runs of each command; the best counts")
    args = parser.parse_args()
    program = strictdoc()
    if program is None:
        print(f"StrictDoc {VERSION} is not installed (.ci/run installs it); no peer to compare with")
        return 1
    for size in args.sizes:
        run(size, args.repeat, program)
    return 0


if __name__ == "__main__":
    sys.exit(main())
