"""What a build's wall time would be on two idle cores, measured on a loaded machine (issue 20).

    python bench/busy_cores.py [--cores 2] -- COMMAND...

Runs COMMAND and samples every process of its tree every few milliseconds (``/proc``: each
process's state and its CPU time from ``schedstat``, in nanoseconds). Each interval's CPU of the
tree is counted at the pace two idle cores would give it: divided by how many of the tree's
processes were runnable (state R: running or waiting for a core), at most ``--cores``. A stretch
where only one process of the build can run (the other core would be idle) counts in full; a
stretch where two or more can run counts half. That "quiet clock" ignores the other users of a
loaded machine, which is what the build's wall time on a loaded machine cannot do.

Prints the quiet wall, how much of the tree's CPU ran alone (one runnable process: the serial
part) and, for every process, its CPU and when it started and ended on the quiet clock and on
the real one; the CPU run alone in each second of the quiet clock (where the second core idles);
and, to place the lines of ``bench/child_cpu.py --timeline`` (wall seconds since
its start, close to this command's start), the real to quiet clock mapping every second.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path


def _read(pid: str) -> tuple[int, str, int, str] | None:
    """(ppid, state, CPU ns, name) of ``pid``, or None when it has gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        sched = Path(f"/proc/{pid}/schedstat").read_text()
    except OSError:
        return None
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    rest = stat[stat.rindex(")") + 2 :].split()
    return int(rest[1]), rest[0], int(sched.split()[0]), name


def _tree(root: int) -> dict[int, tuple[int, str, int, str]]:
    seen: dict[int, tuple[int, str, int, str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            got = _read(entry.name)
            if got is not None:
                seen[int(entry.name)] = got
    inside = {root}
    grew = True
    while grew:
        grew = False
        for pid, (ppid, *_) in seen.items():
            if ppid in inside and pid not in inside:
                inside.add(pid)
                grew = True
    return {pid: seen[pid] for pid in inside if pid in seen}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--every", type=float, default=0.005)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    start = time.time()
    child = subprocess.Popen(command)
    last: dict[int, int] = {}
    life: dict[int, list[float]] = {}  # pid -> [cpu s, first real, last real, first quiet, last quiet]
    names: dict[int, str] = {}
    quiet = alone = total = 0.0
    marks: list[tuple[float, float]] = []
    lone: dict[int, float] = {}  # quiet second -> CPU run alone in it
    while child.poll() is None:
        now = time.time() - start
        tree = _tree(child.pid)
        spent = 0.0
        runnable = 0
        for pid, (_, state, cpu, name) in tree.items():
            if pid in last:
                delta = (cpu - last[pid]) / 1e9
            else:  # a new process: its CPU so far (none counted for the command's own start)
                delta = cpu / 1e9 if pid != child.pid else 0.0
            last[pid] = cpu
            names[pid] = name
            spent += delta
            runnable += state == "R"
            row = life.setdefault(pid, [0.0, now, now, quiet, quiet])
            row[0] += delta
            row[2] = now
            row[4] = quiet
        total += spent
        if runnable <= 1:
            alone += spent
            lone[int(quiet)] = lone.get(int(quiet), 0.0) + spent
        quiet += spent / max(1, min(args.cores, runnable))
        if not marks or now - marks[-1][0] >= 1.0:
            marks.append((now, quiet))
        time.sleep(args.every)
    wall = time.time() - start
    print(f"busy_cores: wall {wall:.2f} s, quiet wall {quiet:.2f} s, CPU {total:.2f} s, alone {alone:.2f} s")
    for pid, (cpu, first, end, qfirst, qend) in sorted(life.items(), key=lambda kv: kv[1][1]):
        if cpu >= 0.05:
            when = f"quiet {qfirst:6.2f}-{qend:6.2f}  real {first:6.2f}-{end:6.2f}"
            print(f"  {names[pid]:<16} cpu {cpu:6.2f}  {when}")
    print("  alone by quiet second: " + " ".join(f"{q}:{cpu:.2f}" for q, cpu in sorted(lone.items())))
    print("  real->quiet: " + " ".join(f"{r:.0f}:{q:.2f}" for r, q in marks))
    return child.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
