"""A py-spy raw profile read as a call tree or as inclusive shares by function (issue 20: the
profiles docs/performance.md quotes).

    py-spy record -r 200 -f raw -o OUT.txt -- python -m smets_spec.cli build   (main process)
    py-spy record --subprocesses -r 200 -f raw -o OUT.txt -- ...               (and its copies)
    python bench/spy_tree.py OUT.txt [--min PERCENT] [--under FUNCTION] [--flat]

py-spy is not a dependency of the project (install it in a separate environment). Its raw format
is one line per distinct stack: the frames from the outermost, separated by ``;``, then the
number of samples. ``--under FUNCTION`` keeps only the stacks through a frame of that function
(for example ``Builder.read_doc`` for the readers' share of a ``--subprocesses`` profile) and
roots the tree there; ``--flat`` prints the inclusive share of each function instead of the tree.
Site-packages prefixes are cut from file names and line numbers kept in the tree.

py-spy counts a thread that is ready to run but waiting for a core as busy: on a loaded machine
its shares follow wall time, not CPU. Take a profile on an idle machine, or measure CPU with
``bench/func_cpu.py``.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_SITE = re.compile(r" \(.*?/site-packages/")
_LINE = re.compile(r":\d+\)$")

Tree = dict[str, "Node"]


class Node:
    __slots__ = ("children", "samples")

    def __init__(self) -> None:
        self.samples = 0
        self.children: Tree = {}


def stacks(path: Path) -> list[tuple[list[str], int]]:
    """Each stack of the raw profile (frames from the outermost) and its samples; the process
    label py-spy puts first under ``--subprocesses`` is dropped."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_SITE.sub(" (", frame) for frame in stack.split(";")]
        if frames and frames[0].startswith("process "):
            frames = frames[1:]
        found.append((frames, int(count)))
    return found


def _name(frame: str) -> str:
    return frame.split(" (", 1)[0]


def under(found: list[tuple[list[str], int]], function: str) -> list[tuple[list[str], int]]:
    """The stacks through ``function``, from its outermost frame."""
    kept = []
    for frames, count in found:
        names = [_name(frame) for frame in frames]
        if function in names:
            kept.append((frames[names.index(function) :], count))
    return kept


def tree(found: list[tuple[list[str], int]]) -> Node:
    root = Node()
    for frames, count in found:
        root.samples += count
        node = root
        for frame in frames:
            node = node.children.setdefault(frame, Node())
            node.samples += count
    return root


def tree_lines(root: Node, least: float) -> list[str]:
    """The tree, indented, each frame with its share of all samples; frames under ``least`` %
    left out."""
    lines: list[str] = []

    def walk(node: Node, depth: int) -> None:
        for frame, child in sorted(node.children.items(), key=lambda item: -item[1].samples):
            share = 100 * child.samples / root.samples
            if share >= least:
                lines.append(f"{'  ' * depth}{share:5.1f}% {frame}")
                walk(child, depth + 1)

    walk(root, 0)
    return lines


def flat_lines(found: list[tuple[list[str], int]], least: float) -> list[str]:
    """Each function's inclusive share (a recursive function counted once a stack)."""
    shares: Counter[str] = Counter()
    total = 0
    for frames, count in found:
        total += count
        for frame in {_LINE.sub(")", frame) for frame in frames}:
            shares[frame] += count
    return [
        f"{100 * n / total:5.1f}% {frame}" for frame, n in shares.most_common() if 100 * n / total >= least
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", type=Path, help="py-spy's raw output (-f raw)")
    parser.add_argument("--min", type=float, default=1.0, help="leave out what is under this %% (1)")
    parser.add_argument("--under", default="", help="only the stacks through this function")
    parser.add_argument("--flat", action="store_true", help="inclusive shares by function, no tree")
    args = parser.parse_args(argv)
    found = stacks(args.profile)
    if args.under:
        found = under(found, args.under)
    total = sum(count for _, count in found)
    print(f"{total} samples" + (f" through {args.under}" if args.under else ""))
    if total:
        print("\n".join(flat_lines(found, args.min) if args.flat else tree_lines(tree(found), args.min)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
