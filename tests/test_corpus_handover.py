"""The corpus is read and validated once per `smets build` (issue 20, deliverable 2).

`smets build` validates the spec, then starts Sphinx, whose extension needs the same corpus
(read relative to the source folder). It is handed over (``sphinx/state.offer_corpus``) and taken
only when the source folder's files hash to what it was read from; it is then the corpus the
extension would have read itself, field for field (locations re-rooted), else it is read again.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from clitools import sourcedir
from conftest import copy_project
from smets_spec.corpus.load import load_spec, rebased
from smets_spec.corpus.rstreader import tree_digest
from smets_spec.corpus.synthetic import generate
from smets_spec.sphinx import state


def _with_errors(root: Path) -> None:
    """Make a spec that gives diagnostics of several kinds (a duplicate id with its first place,
    a missing link target, a wrong value) so that their locations are compared too."""
    page = root / "spec" / "sections" / "pc.rst"
    text = page.read_text(encoding="utf-8")
    start = text.index(".. req::")
    end = text.index("\n.. ", start + 1) + 1
    block = text[start:end]
    extra = block.replace(":status: ", ":status: nonsense-", 1) + "\n" + block
    page.write_text(text + "\n" + extra.replace(":uses: ", ":uses: DAT_NOT_THERE, ", 1), encoding="utf-8")


def test_the_rebased_corpus_is_the_corpus_read_from_the_source_folder(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    _with_errors(root)
    spec = root / "spec"
    from_root = load_spec(spec, relative_to=root)
    own = load_spec(spec, relative_to=spec)
    assert from_root.errors >= 3 and any(d.related for d in from_root.diagnostics)
    assert next(iter(from_root.locations.values())).file.startswith("spec/")
    moved = rebased(from_root, "spec/", "")
    assert moved is not None
    assert moved == own  # needs, locations, diagnostics (with related places), field lines, rejected fields
    assert [d.format() for d in moved.diagnostics] == [d.format() for d in own.diagnostics]
    assert rebased(from_root, "elsewhere/", "") is None  # a location outside the folder: not rebased


def test_the_digest_names_the_bytes_read(tmp_path: Path) -> None:
    root = generate(tmp_path / "p", 40)
    spec = root / "spec"
    corpus = load_spec(spec, relative_to=root)
    assert corpus.digest == tree_digest(spec)
    page = next(spec.rglob("*.rst"))
    page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert tree_digest(spec) != corpus.digest
    (spec / "_drafts").mkdir()
    (spec / "_drafts" / "x.rst").write_text("ignored by the reader\n", encoding="utf-8")
    assert tree_digest(spec) == load_spec(spec).digest  # files the reader skips are not hashed


def test_an_offer_is_taken_only_for_the_same_unchanged_folder(tmp_path: Path) -> None:
    root = sourcedir(tmp_path, "mini")
    spec = root / "spec"
    corpus = load_spec(spec, relative_to=root)
    state.offer_corpus(spec, root, corpus)
    taken = state._offered(spec)
    assert taken is not None and taken == load_spec(spec, relative_to=spec)
    assert state._offered(spec) is None  # taken once
    state.offer_corpus(spec, root, corpus)
    assert state._offered(root / "other") is None  # another folder
    state.offer_corpus(spec, root, corpus)
    page = spec / "requirements.rst"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace(".. req:: ", ".. req:: Edited ", 1), encoding="utf-8")
    assert state._offered(spec) is None  # a file changed after validation: read again


_COUNT = """
import sys
from smets_spec import cli
from smets_spec.corpus import load
from smets_spec.sphinx import state
log = sys.argv.pop(1)  # each read, in whichever process (smets build loads the spec in a copy)
original = load.load_spec
def counted(*args, **kwargs):
    with open(log, "a", encoding="utf-8") as reads:
        reads.write(str(args[0]) + "\\n")
    return original(*args, **kwargs)
load.load_spec = state.load_spec = counted
import smets_spec.commands.build as build
build.load_spec = counted
status = cli.main(sys.argv[1:])
print("reads", len(open(log, encoding="utf-8").readlines()), "status", status)
"""


def test_smets_build_reads_the_spec_once(tmp_path: Path) -> None:
    root = sourcedir(tmp_path, "mini")
    log = str(tmp_path / "reads.log")
    argv = [sys.executable, "-c", _COUNT, log, "--root", str(root), "build", "--out-dir", str(tmp_path / "o")]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "reads 1 status 0" in result.stdout
