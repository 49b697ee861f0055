"""Site build benchmark (issue 8): our full and incremental builds against peers, same content.

For each size N it generates one synthetic spec (``smets_spec.corpus.synthetic``) and measures, in this
run and on this machine:

* ours: ``smets build`` (validation + Sphinx with every page and feature), cold;
* ours, incremental: one requirement's title and text edited, then ``smets build`` again;
  every HTML page that showed the old title must show the new one, and none the old;
* plain sphinx-needs: the same needs and pages with sphinx-needs' default configuration and
  layout (no smets extension; our computed pages are left out; dotted ids become ``PC_101``
  because plain sphinx-needs reads ``PC_101`` as a need part);
* StrictDoc, where it installs (into ``bench/.venv-peers``): the same needs exported to HTML.

It prints wall time, peak memory (max RSS of the build process) and the ratios.

    .venv/bin/python bench/build_bench.py --sizes 2000 10000
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.schema import NEED_TYPES, link_spec
from smets_spec.corpus.synthetic import generate

HERE = Path(__file__).resolve().parent
PEERS = HERE / ".venv-peers"


@dataclass
class Run:
    seconds: float
    peak_mb: float
    status: int
    tail: str

    def cell(self) -> str:
        flag = "" if self.status == 0 else f" (exit {self.status})"
        return f"{self.seconds:7.2f} s {self.peak_mb:7.0f} MB{flag}"


def measure(cmd: list[str], cwd: Path) -> Run:
    """Run ``cmd``; wall time and the peak RSS of the process (and its children)."""
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        tail = log.read().decode(errors="replace")[-2000:]
    return Run(seconds, usage.ru_maxrss / 1024, proc.returncode, tail)


def ours(project: Path, out: Path, fresh: bool = True, jobs: str = "auto") -> Run:
    cmd = [sys.executable, "-m", "smets_spec.cli", "build", "--out-dir", str(out), "-j", jobs]
    return measure([*cmd, "--fresh"] if fresh else cmd, project)


_SMETS_DIRECTIVE = re.compile(r"^([ \t]*)\.\. smets-[\w-]+::.*\n(?:\1[ \t]+\S.*\n)*", re.MULTILINE)
_DOTTED = re.compile(r"\b([A-Z]{2})\.([0-9]{1,3})\b")


def plain_conf(corpus: Corpus) -> str:
    types, options, links = [], set(), {}
    for model in NEED_TYPES:
        types.append({"directive": model.directive, "title": model.title_, "prefix": model.prefix})
        for name, info in model.own_fields().items():
            spec = link_spec(info)
            if spec is not None:
                links[name] = {"option": name, "incoming": spec.incoming, "outgoing": spec.outgoing}
            elif name not in {"status", "tags"}:
                options.add(name)
    return (
        'project = "plain sphinx-needs peer"\nextensions = ["sphinx_needs"]\n'
        f"needs_types = {types!r}\nneeds_extra_options = {sorted(options)!r}\n"
        f"needs_extra_links = {list(links.values())!r}\nneeds_build_json = True\n"
        'needs_id_regex = r"^[A-Z][A-Z0-9_]*$"\n'
    )


def plain_project(project: Path, dest: Path, corpus: Corpus) -> None:
    """The same needs and pages for plain sphinx-needs with its defaults."""
    shutil.copytree(project / "spec", dest, ignore=shutil.ignore_patterns("_*"))
    for path in dest.rglob("*.rst"):
        text = _SMETS_DIRECTIVE.sub("", path.read_text(encoding="utf-8"))
        text = _DOTTED.sub(r"\1_\2", text)
        path.write_text(text, encoding="utf-8")
    (dest / "conf.py").write_text(plain_conf(corpus), encoding="utf-8")


def plain(project: Path, work: Path, corpus: Corpus) -> Run:
    src = work / "plain-src"
    plain_project(project, src, corpus)
    return measure(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(src), str(work / "plain-out")], work
    )


_SPHINX_ROLE = re.compile(r":[\w.-]+:`([^`]*)`")


def _sdoc_text(text: str) -> str:
    # StrictDoc renders plain docutils reST: no Sphinx roles (shown as literals), none of our directives
    text = _SPHINX_ROLE.sub(r"``\1``", _SMETS_DIRECTIVE.sub("", text + "\n"))
    lines = [line if line.strip() else "" for line in text.splitlines()] or ["(no text)"]
    return "\n".join(line.replace("<<<", "< < <").replace(">>>", "> > >") for line in lines)


def strictdoc_project(corpus: Corpus, dest: Path) -> None:
    """One .sdoc document per source file, every need a REQUIREMENT, links as Parent relations."""
    by_file: dict[str, list[str]] = {}
    for need in corpus:
        uid = need.id.replace(".", "_")
        parts = [
            f"[REQUIREMENT]\nUID: {uid}\nTITLE: {need.title or uid}\n"
            f"STATEMENT: >>>\n{_sdoc_text(need.content)}\n<<<\n"
        ]
        parents = [t for targets in need.outgoing().values() for t in targets if t in corpus]
        if parents:
            parts.append(
                "RELATIONS:\n"
                + "".join(f"- TYPE: Parent\n  VALUE: {t.replace('.', '_')}\n" for t in dict.fromkeys(parents))
            )
        by_file.setdefault(corpus.location(need.id).file, []).append("".join(parts))
    dest.mkdir(parents=True)
    for k, (file, blocks) in enumerate(sorted(by_file.items())):
        title = Path(file).stem.replace("-", " ").capitalize()
        (dest / f"doc{k:04d}.sdoc").write_text(
            f"[DOCUMENT]\nTITLE: {title}\n\n" + "\n".join(blocks), encoding="utf-8"
        )


def strictdoc_bin() -> Path | None:
    exe = PEERS / "bin" / "strictdoc"
    if exe.exists():
        return exe
    try:
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True, capture_output=True)
        subprocess.run(
            [str(PEERS / "bin" / "pip"), "install", "-q", "strictdoc"],
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"StrictDoc not available: {exc}")
        return None
    return exe if exe.exists() else None


def strictdoc(work: Path, corpus: Corpus) -> Run | None:
    exe = strictdoc_bin()
    if exe is None:
        return None
    src = work / "sdoc-src"
    strictdoc_project(corpus, src)
    return measure(
        [str(exe), "export", "--formats", "html", "--output-dir", str(work / "sdoc-out"), str(src)], work
    )


def pages_with(html: Path, needle: str) -> set[str]:
    return {
        p.relative_to(html).as_posix()
        for p in html.rglob("*.html")
        if needle in p.read_text(encoding="utf-8", errors="replace")
    }


def incremental(project: Path, out: Path, corpus: Corpus) -> tuple[Run, str]:
    """Edit one generated requirement's title and text; rebuild; check every page follows."""
    req = next(r for r in corpus.requirements if r.title.startswith("Synthetic requirement"))
    path = project / corpus.location(req.id).file
    before = pages_with(out, req.title)
    new_title = f"Edited requirement {req.id} qzxv"
    text = path.read_text(encoding="utf-8")
    text = text.replace(f".. req:: {req.title}\n", f".. req:: {new_title}\n", 1)
    first_line = req.content.splitlines()[0]
    text = text.replace(first_line, "EDITED qzxv " + first_line, 1)
    path.write_text(text, encoding="utf-8")
    run = ours(project, out, fresh=False)
    after, stale = pages_with(out, new_title), pages_with(out, req.title + "<")
    stale |= {p for p in pages_with(out, req.title) if p not in after}
    missing = before - after
    verdict = (
        f"{req.id}: {len(before)} pages showed it; {len(after)} show the edit; "
        f"stale: {sorted(stale) or 'none'}; missing: {sorted(missing) or 'none'}"
    )
    return run, verdict


def _edit(project: Path, corpus: Corpus, index: int) -> tuple[str, str, str]:
    """Edit the title and first line of the index-th generated requirement; (id, old, new title)."""
    reqs = [r for r in corpus.requirements if r.title.startswith("Synthetic requirement")]
    req = reqs[index]
    path = project / corpus.location(req.id).file
    new_title = f"Served edit {req.id} qzxw"
    text = path.read_text(encoding="utf-8")
    text = text.replace(f".. req:: {req.title}\n", f".. req:: {new_title}\n", 1)
    first_line = req.content.splitlines()[0]
    path.write_text(text.replace(first_line, "SERVED qzxw " + first_line, 1), encoding="utf-8")
    return req.id, req.title, new_title


def served(project: Path, out: Path, corpus: Corpus) -> tuple[float | None, str]:
    """``smets serve``: seconds from saving an edit to the served requirement page showing it."""
    import urllib.request

    proc = subprocess.Popen(
        [sys.executable, "-m", "smets_spec.cli", "serve", "--port", "0", "--out-dir", str(out)],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    base = None
    for line in proc.stdout:
        found = re.match(r"smets serve: (http://127\.0\.0\.1:\d+/) ", line)
        if found:
            base = found[1]
            break
    if base is None:
        proc.kill()
        return None, "smets serve did not start"
    import threading

    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    try:
        req_id, old, new = _edit(project, corpus, 1)
        saved = time.perf_counter()
        deadline = saved + 600
        while time.perf_counter() < deadline:
            with urllib.request.urlopen(f"{base}req/{req_id}.html", timeout=600) as response:
                if new in response.read().decode("utf-8"):
                    break
            time.sleep(0.02)
        seconds = time.perf_counter() - saved
        stale = {p for p in pages_with(out, old) if p not in pages_with(out, new)}
        return seconds, f"{req_id}: stale after serve: {sorted(stale) or 'none'}"
    finally:
        proc.send_signal(2)
        proc.wait(timeout=60)


def bench_size(
    n: int,
    work: Path,
    with_strictdoc: bool,
    serial: bool = False,
    serve: bool = False,
    with_plain: bool = True,
) -> dict[str, object]:
    project = generate(work / "project", n)
    corpus = load_spec(project / "spec", relative_to=project)
    out = work / "ours-out"
    result: dict[str, object] = {"n": n, "needs": len(corpus)}
    result["ours"] = ours(project, out)  # cold: also runs the conformance suite (no results yet)
    if serial:  # Sphinx's parallel build on or off, both with the suite's results already there
        result["serial"] = ours(project, work / "serial-out", jobs="1")
        result["parallel"] = ours(project, work / "serial-out", jobs="auto")
    result["incremental"], result["incremental_check"] = incremental(project, out, corpus)
    if serve:
        result["serve"], result["serve_check"] = served(project, out, corpus)
    result["plain"] = plain(project, work, corpus) if with_plain else None
    result["strictdoc"] = strictdoc(work, corpus) if with_strictdoc else None
    return result


def report(res: dict[str, object]) -> None:
    ours_run, plain_run, sdoc = res["ours"], res["plain"], res["strictdoc"]
    assert isinstance(ours_run, Run)
    print(f"\n== {res['n']} requirements ({res['needs']} needs) ==")
    print(f"ours, full build          {ours_run.cell()}")
    for key, label in (("parallel", "-j auto, results there"), ("serial", "-j 1, results there")):
        if isinstance(res.get(key), Run):
            print(f"ours, full, {label:20s}{res[key].cell()}")  # type: ignore[attr-defined]
    print(f"ours, one edit, rebuild   {res['incremental'].cell()}")  # type: ignore[attr-defined]
    print(f"   {res['incremental_check']}")
    if "serve" in res:
        seconds = res["serve"]
        shown = f"{seconds:7.2f} s" if isinstance(seconds, float) else "failed"
        print(f"ours, smets serve: save to page showing the edit {shown}")
        print(f"   {res['serve_check']}")
    if isinstance(plain_run, Run):
        print(f"plain sphinx-needs        {plain_run.cell()}")
    if isinstance(sdoc, Run):
        print(f"StrictDoc export HTML     {sdoc.cell()}")
    if isinstance(plain_run, Run):
        print(f"ratio ours / plain sphinx-needs: {ours_run.seconds / plain_run.seconds:.2f}")
    if isinstance(sdoc, Run):
        print(f"ratio ours / StrictDoc:          {ours_run.seconds / sdoc.seconds:.2f}")
    for name, run in (("ours", ours_run), ("plain", plain_run), ("strictdoc", sdoc)):
        if isinstance(run, Run) and run.status != 0:
            print(f"-- {name} exited {run.status}; last output:\n{run.tail}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--no-strictdoc", action="store_true")
    parser.add_argument("--keep", help="keep the generated projects in this folder")
    parser.add_argument(
        "--serial", action="store_true", help="also time our full build with -j 1 and -j auto (item 4)"
    )
    parser.add_argument(
        "--serve", action="store_true", help="also time smets serve: save to the page showing the edit"
    )
    parser.add_argument("--no-plain", action="store_true", help="skip plain sphinx-needs (no ratios)")
    args = parser.parse_args()
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="smets-bench-"))
    for n in args.sizes:
        work = base / f"n{n}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        report(bench_size(n, work, not args.no_strictdoc, args.serial, args.serve, not args.no_plain))
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
