"""Memory of a process tree from Linux's /proc, for the build benchmarks (build_bench, build_memory)."""

from __future__ import annotations

from pathlib import Path


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants (empty of descendants where /proc has none)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(k) for k in (task / "children").read_text(encoding="ascii").split()]
        except OSError:
            continue
    return found


def pss_kb(pid: int) -> int:
    """The proportional set size of ``pid`` (shared pages divided among their sharers); 0 if gone."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text(encoding="ascii")
        return sum(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
    except (OSError, ValueError):
        return 0
