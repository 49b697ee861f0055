"""Site build benchmark (issue 8): our full and incremental builds against peers, same content.

For each size N it generates one synthetic spec (``smets_spec.corpus.synthetic``) and measures, in this
run and on this machine:

* ours: ``smets build`` (validation + Sphinx with every page and feature), cold (an empty cache
  folder: ``SMETS_CACHE_DIR`` is a folder of the benchmark, so the user's cache is not touched);
* ours, warm cache: a full build into an empty output folder, nothing changed, the cache kept;
* ours, one edit of each kind (``build_edits.py``): title and text, a link added and removed,
  a requirement added and deleted, a requirement moved between files; each followed by
  ``smets build`` and a check that every page and needs.json show the edit and none is stale;
* with ``--serve``: the same kinds of edit saved while ``smets serve`` runs, each timed from
  the save to (a) the served page showing it and (b) the build being over (every page
  consistent), and checked the same way;
* plain sphinx-needs: the same needs and pages with sphinx-needs' default configuration and
  layout (no smets extension; our computed pages are left out; dotted ids become ``PC_101``
  because plain sphinx-needs reads ``PC_101`` as a need part);
* StrictDoc, where it installs (into ``bench/.venv-peers``): the same needs exported to HTML.

It prints wall time, peak memory (max RSS of the largest process of the build: a forked worker
counts the pages it shares with its parent too; and, in brackets, the peak of the summed
proportional set size of all its processes at once, shared pages split between them, sampled
every 0.2 s where /proc has it), the user and system CPU seconds of the build and the processes
it waited for (``[cpu U u S s]``: system time far above a run's usual says the file system made
file creation dear, e.g. right after many deletions on the same disk), the ratios to plain
sphinx-needs, and issue 20's target beside each figure.

    .venv/bin/python bench/build_bench.py --sizes 2000 10000
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from build_edits import Edit, Edits
from procmem import pss_kb, tree

from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.schema import NEED_TYPES, link_spec
from smets_spec.corpus.synthetic import generate

HERE = Path(__file__).resolve().parent
PEERS = HERE / ".venv-peers"
#: the memory sampler's least wait between samples (s), and its wait as a multiple of its last
#: sample's CPU (50: about 2 % of one core)
MIN_WAIT, SAMPLE_SHARE = 0.2, 50
#: issue 20's targets by size: cold build / plain sphinx-needs, warm build (s), one edit with
#: `smets build` (s), `smets serve` save to page (s)
TARGETS = {2000: (0.25, 5.0, 3.0, 1.5), 10000: (0.25, 15.0, 8.0, 3.0)}
ENV = dict(os.environ)


@dataclass
class Run:
    seconds: float
    peak_mb: float
    status: int
    tail: str
    total_mb: float = 0.0  # peak of the summed PSS of all the build's processes (0: not measured)
    #: user and system CPU seconds of the process and the descendants it waited for
    cpu: tuple[float, float] = (0.0, 0.0)

    def cell(self) -> str:
        flag = "" if self.status == 0 else f" (exit {self.status})"
        total = f" (all {self.total_mb:5.0f})" if self.total_mb else ""
        cpu = f" [cpu {self.cpu[0]:6.2f} u {self.cpu[1]:5.2f} s]"
        return f"{self.seconds:7.2f} s {self.peak_mb:7.0f} MB{total}{cpu}{flag}"


class _TreeMemory(threading.Thread):
    """Samples the summed PSS of a process and its descendants until stopped; keeps the peak.

    A sample is not free: the kernel walks the page tables of every process to sum its
    ``smaps_rollup`` (measured: ~25 ms of CPU a sample for a 10,000-requirement build's processes,
    ~2.5 s of CPU in a 22 s warm build when sampled every 0.2 s). A parallel build keeps both of
    the machine's cores busy, so that CPU came out of its wall time, while the serial peer left a
    core idle for it: the instrument charged one side only. So the sampler runs at the lowest
    priority and waits :data:`SAMPLE_SHARE` times as long as its last sample took (at least 0.2 s),
    keeping it near 2 % of one core. The peak of the summed PSS is the coarser for it (a sample a
    second or so at 10,000); the process's own peak (``ru_maxrss`` from ``wait4``) is exact.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        with contextlib.suppress(OSError, AttributeError):  # Linux: a thread's own nice value
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        wait = MIN_WAIT
        while not self.done.wait(wait):
            start = time.thread_time()
            self.peak_kb = max(self.peak_kb, sum(pss_kb(p) for p in tree(self.pid)))
            wait = max(MIN_WAIT, SAMPLE_SHARE * (time.thread_time() - start))


def measure(cmd: list[str], cwd: Path) -> Run:
    """Run ``cmd``; wall time and the peak RSS of the process (and its children)."""
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=ENV)
        sampler = _TreeMemory(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        sampler.done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        tail = log.read().decode(errors="replace")[-2000:]
    cpu = (usage.ru_utime, usage.ru_stime)
    return Run(seconds, usage.ru_maxrss / 1024, proc.returncode, tail, sampler.peak_kb / 1024, cpu)


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


def edited(project: Path, out: Path, edits: list[Edit]) -> list[tuple[str, Run, bool, str]]:
    """Each edit, then ``smets build``; the check of the site after it."""
    rows = []
    for edit in edits:
        edit.apply()
        run = ours(project, out, fresh=False)
        ok, verdict = edit.check(out)
        rows.append((edit.kind, run, ok and run.status == 0, verdict))
    return rows


def _get(url: str) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=600) as response:
            return response.status, response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def _generation(out: Path) -> tuple[int, bool, list[object]]:
    """The serve state: build generation, whether a build runs, the last build's problems."""
    import json

    try:
        state = json.loads((out / ".smets" / "serve.json").read_text(encoding="utf-8"))
        return int(state.get("generation", 0)), bool(state.get("building", False)), state.get("problems", [])
    except (OSError, ValueError):
        return 0, True, []


@dataclass
class Served:
    kind: str
    page_s: float | None  # save -> the served page shows the edit
    done_s: float | None  # save -> the build is over (every page consistent)
    ok: bool
    verdict: str


def _serve_one(base: str, out: Path, edit: Edit) -> Served:
    generation = _generation(out)[0]
    edit.apply()
    saved = time.perf_counter()
    deadline, page_s, done_s = saved + 300, None, None
    while time.perf_counter() < deadline and (page_s is None or done_s is None):
        if page_s is None and edit.visible(*_get(base + edit.page)):
            page_s = time.perf_counter() - saved
        now, building, problems = _generation(out)
        if done_s is None and now > generation and not building:
            done_s = time.perf_counter() - saved
            if problems:
                return Served(edit.kind, page_s, done_s, False, f"the build failed: {problems}")
        time.sleep(0.02)
    ok, verdict = edit.check(out)
    return Served(edit.kind, page_s, done_s, ok and page_s is not None, verdict)


def served(project: Path, out: Path, edits: list[Edit]) -> tuple[list[Served], str]:
    """``smets serve`` running; each edit saved and timed to the page showing it and to the build's end."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "smets_spec.cli", "serve", "--port", "0", "--out-dir", str(out)],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=ENV,
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
        return [], "smets serve did not start"
    import threading

    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    try:
        return [_serve_one(base, out, edit) for edit in edits], "ok"
    finally:
        proc.terminate()  # SIGTERM: stops as Ctrl-C does, which a background job would ignore
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
    ENV["SMETS_CACHE_DIR"] = str(work / "cache")  # the bench's own cache folder, empty at first
    result: dict[str, object] = {"n": n, "needs": len(corpus)}
    result["ours"] = ours(project, out)  # cold: also runs the conformance suite (no results yet)
    # the peer right after, on the same (unedited) needs: the machine's load drifts less between them
    result["plain"] = plain(project, work, corpus) if with_plain else None
    result["warm"] = ours(project, work / "warm-out")  # empty output folder, the cache kept
    if serial:  # Sphinx's parallel build on or off, both with the suite's results already there
        result["serial"] = ours(project, work / "serial-out", jobs="1")
        result["parallel"] = ours(project, work / "serial-out", jobs="auto")
    result["edits"] = edited(project, out, Edits(project, corpus, 0, "qzxv").all(out))
    if serve:
        corpus = load_spec(project / "spec", relative_to=project)  # the edits above moved a need
        result["serve"], result["serve_status"] = served(
            project, out, Edits(project, corpus, 8, "qzxw").all(out)
        )
    result["strictdoc"] = strictdoc(work, corpus) if with_strictdoc else None
    return result


def _vs(seconds: float, plain_run: object) -> str:
    return f"  {seconds / plain_run.seconds:5.2f} of plain" if isinstance(plain_run, Run) else ""


def report(res: dict[str, object]) -> bool:
    """Print the figures; False when a build failed or a check found a stale or missing page."""
    ours_run, plain_run, sdoc = res["ours"], res["plain"], res["strictdoc"]
    assert isinstance(ours_run, Run)
    n = int(res["n"])  # type: ignore[call-overload]
    cold_t, warm_t, edit_t, serve_t = TARGETS.get(n, (0.25, "n/a", "n/a", "n/a"))
    print(f"\n== {n} requirements ({res['needs']} needs); each figure with issue 20's target ==")
    print(
        f"ours, full build, cold    {ours_run.cell()}{_vs(ours_run.seconds, plain_run)}  (target <= {cold_t})"
    )
    warm = res["warm"]
    assert isinstance(warm, Run)
    print(f"ours, full, warm cache    {warm.cell()}{_vs(warm.seconds, plain_run)}  (target <= {warm_t} s)")
    for key, label in (("parallel", "-j auto, results there"), ("serial", "-j 1, results there")):
        if isinstance(res.get(key), Run):
            print(f"ours, full, {label:20s}{res[key].cell()}")  # type: ignore[attr-defined]
    print(f"ours, one edit, then `smets build` (target <= {edit_t} s):")
    for kind, run, ok, verdict in res["edits"]:  # type: ignore[attr-defined]
        print(f"  {kind:38s}{run.cell()}{_vs(run.seconds, plain_run)}  {'ok' if ok else 'FAILED'}")
        print(f"     {verdict}")
    if "serve" in res:
        print(f"ours, `smets serve`: save -> page shows the edit (target <= {serve_t} s) / -> build over:")
        for got in res["serve"]:  # type: ignore[attr-defined]
            page = f"{got.page_s:6.2f} s" if got.page_s is not None else "  none"
            done = f"{got.done_s:6.2f} s" if got.done_s is not None else "  none"
            print(f"  {got.kind:38s}{page} / {done}  {'ok' if got.ok else 'FAILED'}")
            print(f"     {got.verdict}")
        if res["serve_status"] != "ok":
            print(f"  {res['serve_status']}")
    if isinstance(plain_run, Run):
        print(f"plain sphinx-needs        {plain_run.cell()}")
    if isinstance(sdoc, Run):
        print(f"StrictDoc export HTML     {sdoc.cell()}")
    if isinstance(plain_run, Run):
        print(f"ratio ours / plain sphinx-needs: {ours_run.seconds / plain_run.seconds:.2f}")
    if isinstance(sdoc, Run):
        print(f"ratio ours / StrictDoc:          {ours_run.seconds / sdoc.seconds:.2f}")
    for name, run in (("ours", ours_run), ("warm", warm), ("plain", plain_run), ("strictdoc", sdoc)):
        if isinstance(run, Run) and run.status != 0:
            print(f"-- {name} exited {run.status}; last output:\n{run.tail}")
    for kind, run, _, _ in res["edits"]:  # type: ignore[attr-defined]
        if run.status != 0:
            print(f"-- edit '{kind}' build exited {run.status}; last output:\n{run.tail}")
    runs = [r for r in (ours_run, warm, plain_run, sdoc) if isinstance(r, Run)]
    checks = [ok for _, _, ok, _ in res["edits"]] + [s.ok for s in res.get("serve", [])]  # type: ignore[attr-defined]
    return all(r.status == 0 for r in runs) and all(checks) and res.get("serve_status", "ok") == "ok"


def compile_package() -> None:
    """Write our package's bytecode, as a user's first build leaves it. pip compiled the peers' at
    install; this editable install is not compiled, and where PYTHONDONTWRITEBYTECODE is set (as on
    the development machine) every timed build would compile about 200 modules again (~0.3 s)."""
    import compileall

    import smets_spec

    compileall.compile_dir(str(Path(smets_spec.__file__).parent), quiet=1)


def set_aside(work: Path) -> list[Path]:
    """Move a kept run's folder out of the way instead of deleting it before the builds are timed.

    On a file system such as ext4 without a journal (the development machine's), a file created
    within about a minute of many files deleted nearby costs far more system time: the inode
    allocator walks past every recently freed inode of the group (measured: 2,000 files of 35 KB,
    0.1 s of system time normally, 1.2 s right after the previous output was deleted). Deleting
    the last run's ~14,000 files just before the cold build would charge that to whichever build
    comes first (ours) and not to the peer timed later. A rename frees no inode.
    """
    if not work.exists():
        return []
    aside = work.with_name(f".old-{work.name}-{os.getpid()}")
    work.rename(aside)
    return [aside]


def main() -> int:
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
        "--serve", action="store_true", help="also time smets serve: each kind of edit, save to page"
    )
    parser.add_argument("--no-plain", action="store_true", help="skip plain sphinx-needs (no ratios)")
    args = parser.parse_args()
    compile_package()
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="smets-bench-"))
    failed = False
    trash: list[Path] = []
    for n in args.sizes:
        work = base / f"n{n}"
        trash += set_aside(work)
        work.mkdir(parents=True)
        result = bench_size(n, work, not args.no_strictdoc, args.serial, args.serve, not args.no_plain)
        failed = not report(result) or failed
    for old in trash:  # deleted only once every build is timed (see set_aside)
        shutil.rmtree(old, ignore_errors=True)
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    if failed:
        print("\nsome build failed or some check found a stale or missing page (see above)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
