"""Precision and recall of `smets dups` on sphinx-needs corpora nobody in this project wrote.

    .venv/bin/python bench/dups_eval.py NAME=path/to/needs.json [NAME=...] [--spec]

NAME is a corpus of ``bench/data/dups_foreign_corpora.toml`` (its repository, commit, licence and
how its needs.json was built are there); the labels, judged by hand, are in
``bench/data/dups_foreign_labels.csv``: ids and labels only, never the corpora's text. Nothing is
fetched: build each needs.json first (see ``docs/duplicates.md``, "Evaluation on foreign
corpora"). ``--spec`` adds this project's own labelled set (tests/data/duplicates_eval.csv).

For each corpus and for all together, per class: precision = labelled findings of the class that
are right / labelled findings of the class; recall = labelled pairs of the class found as that
class / labelled pairs of the class. Every finding of the current code should be labelled; the
ones that are not are counted as "unjudged" (and make the exit code 1, so a change that brings
new findings has them judged before its figures are quoted). Exit 2 when an input cannot be read.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

from smets_spec.corpus.load import load_spec
from smets_spec.duplicates.classify import Kind
from smets_spec.duplicates.evaluate import Label, Rates, read_labels, score_labels
from smets_spec.duplicates.items import from_corpus, from_needs_json
from smets_spec.duplicates.scan import scan

HERE = Path(__file__).resolve().parent
LABELS = HERE / "data" / "dups_foreign_labels.csv"
CORPORA = HERE / "data" / "dups_foreign_corpora.toml"
SPEC_LABELS = HERE.parent / "tests" / "data" / "duplicates_eval.csv"
TARGETS = {Kind.DUPLICATE: 0.8, Kind.CONFLICT: 0.8, Kind.OVERLAP: 0.7, Kind.PARALLEL: 0.7}


def foreign_labels(path: Path) -> dict[str, list[Label]]:
    out: dict[str, list[Label]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            label = row["label"].strip()
            kind = None if label == "unrelated" else Kind(label)
            out[row["corpus"].strip()].append(Label(row["a"], row["b"], kind, row["judgement"], line))
    return out


def _ratio(x: int, y: int) -> str:
    return f"{x / y:.2f}" if y else "  - "


def table(title: str, rates: dict[Kind, Rates], unjudged: dict[Kind, int]) -> None:
    print(f"\n{title}")
    header = f"{'found':>5} {'labelled':>8} {'predicted':>9} {'precision':>9} {'recall':>6} unjudged"
    print(f"  {'class':<11} {header}")
    for kind in Kind:
        r = rates[kind]
        print(
            f"  {kind.value:<11} {r.found:>5} {r.expected:>8} {r.predicted:>9} "
            f"{_ratio(r.found, r.predicted):>9} {_ratio(r.found, r.expected):>6} {unjudged.get(kind, 0):>8}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpora", nargs="*", metavar="NAME=NEEDS_JSON")
    parser.add_argument("--spec", action="store_true", help="also this project's own labelled set")
    args = parser.parse_args(argv)
    try:
        labels = foreign_labels(LABELS)
        meta = tomllib.loads(CORPORA.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError) as exc:
        sys.stderr.write(f"dups_eval: cannot read the labels: {exc}\n")
        return 2
    total: dict[Kind, Rates] = {k: Rates(0, 0, 0) for k in Kind}
    total_unjudged: dict[Kind, int] = defaultdict(int)
    for spec in args.corpora:
        name, _, path = spec.partition("=")
        if name not in meta or not path:
            sys.stderr.write(f"dups_eval: {spec}: give NAME=needs.json, NAME one of {sorted(meta)}\n")
            return 2
        try:
            source = from_needs_json(Path(path))
        except (OSError, ValueError) as exc:
            sys.stderr.write(f"dups_eval: {exc}\n")
            return 2
        result = scan(source, terms=False)
        judged = {frozenset((lb.a, lb.b)) for lb in labels[name]}
        unjudged: dict[Kind, int] = defaultdict(int)
        for finding in result.findings:
            if frozenset(finding.ids) not in judged:
                unjudged[finding.kind] += 1
                total_unjudged[finding.kind] += 1
        rates = score_labels(result.findings, labels[name])
        info = meta[name]
        items = sum(result.compared.values())
        within = sum(n * (n - 1) // 2 for n in result.compared.values())
        per_kind = ", ".join(f"{sum(f.kind is k for f in result.findings)} {k.value}" for k in Kind)
        table(
            f"{name}: {info.get('repository', '?')} @ {str(info.get('commit', '?'))[:12]}\n"
            f"  {items + len(source.bodyless)} needs ({items} with a body) in {len(result.compared)} "
            f"types; {within} pairs within a type, {result.candidates} candidate pairs verified; "
            f"{len(result.findings)} findings ({per_kind}); {len(labels[name])} pairs judged",
            rates,
            unjudged,
        )
        for kind in Kind:
            t, r = total[kind], rates[kind]
            total[kind] = Rates(t.found + r.found, t.expected + r.expected, t.predicted + r.predicted)
    if args.corpora:
        table("all foreign corpora together", total, total_unjudged)
        missed = [
            f"{k.value} precision {_ratio(total[k].found, total[k].predicted)} < {v}"
            for k, v in TARGETS.items()
            if total[k].predicted and total[k].found / total[k].predicted < v
        ]
        print("\ntargets: " + ("; ".join(missed) if missed else "met (precision per class)"))
    if args.spec:
        corpus = load_spec(HERE.parent / "spec", relative_to=HERE.parent)
        rates = score_labels(scan(from_corpus(corpus), terms=False).findings, read_labels(SPEC_LABELS))
        table("this project's labelled set (tests/data/duplicates_eval.csv)", rates, {})
    return 1 if sum(total_unjudged.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
