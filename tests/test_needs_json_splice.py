"""needs.json written again only for the changed needs is, byte for byte, the file sphinx-needs' own
steps write for the same build (smets_spec.sphinx.needs_splice, issue 20 deliverable 2).

Each build runs both: the splicing writer into the site, then sphinx-needs' own
``NeedsBuilder.finish`` and ``NeedsList.write_json`` (``json.dump``) into a reference folder, on
the same environment. After seeded random edits of every kind (titles, a text, a link added and
one removed, a need added, one deleted and one moved between files) the two files are the same
bytes, and the splicing writer serialised only a small part of the needs. A needs.json or index
planted, broken or of another kind in the output folder is never used.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clitools import build_argv, run_ok
from smets_spec.corpus.synthetic import generate
from smets_spec.sphinx import needs_index, needs_json, needs_splice
from test_build_render_cache import _edit

_BOTH = """
import json, sys
from dataclasses import asdict
from pathlib import Path
from sphinx_needs.builder import NeedsBuilder
from sphinx_needs.needsfile import NeedsList
from smets_spec import cli
from smets_spec.sphinx import needs_json, needs_splice
needs_json.install()
fast, reference = NeedsBuilder.finish, Path(sys.argv[1])
def both(builder):
    fast(builder)
    outdir, writer = builder.outdir, NeedsList.write_json
    builder.outdir, NeedsList.write_json = reference, needs_json.ORIGINAL[0]
    try:
        needs_splice.ORIGINAL_FINISH[0](builder)
    finally:
        builder.outdir, NeedsList.write_json = outdir, writer
NeedsBuilder.finish = both
status = cli.main(sys.argv[2:])
print("OUTCOME", json.dumps(asdict(needs_splice.LAST[-1])))
sys.exit(status)
"""


def _build(root: Path, site: Path, reference: Path, *more: str) -> dict[str, Any]:
    """Build with both writers; what the splicing one did."""
    reference.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-c", _BOTH, str(reference), *build_argv(root, site, "-j", "1", *more)[3:]]
    env = dict(os.environ, SMETS_CACHE_DIR=str(root.parent / "cache"))
    result = run_ok(argv, env=env)
    outcome: dict[str, Any] = json.loads(result.stdout.rsplit("OUTCOME", 1)[1])
    mine, theirs = (site / "needs.json").read_bytes(), (reference / "needs.json").read_bytes()
    assert mine == theirs, outcome
    return outcome


def _needs(site: Path) -> dict[str, Any]:
    data = json.loads((site / "needs.json").read_text(encoding="ascii"))
    needs: dict[str, Any] = data["versions"][data["current_version"]]["needs"]
    return needs


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A generated project of 260 requirements (the size and seeds test_incremental_global edits),
    built once from nothing: root, site, reference."""
    work = tmp_path_factory.mktemp("splice")
    root, site, reference = generate(work / "project", 260), work / "site", work / "reference"
    outcome = _build(root, site, reference, "--fresh")
    assert outcome["mode"] == "full" and outcome["reused"] == 0
    assert outcome["serialised"] == len(_needs(site)) > 500
    assert outcome["reason"] == "no .smets/needs.json.index"
    return root, site, reference


def test_after_random_edits_the_file_is_sphinx_needs_own(built: tuple[Path, Path, Path]) -> None:
    root, site, reference = built
    for seed in (7, 31):
        before = _needs(site)
        done = _edit(root, seed)
        outcome = _build(root, site, reference)  # the files compared in _build
        after = _needs(site)
        changed = {i for i, value in after.items() if before.get(i) != value}
        assert set(before) - set(after) and set(after) - set(before), done  # a need deleted, one added
        assert outcome["mode"] == "spliced", outcome
        assert outcome["reused"] + outcome["serialised"] == len(after)
        # every need whose value changed was serialised again, and not many more
        assert len(changed) <= outcome["serialised"] <= len(after) // 4, (len(changed), outcome)
        # and only the needs needs_reuse cannot vouch for were fingerprinted (the file is still
        # sphinx-needs' own, compared in _build): those of the files edited (a good part of this
        # small project), the needs they link to and linked to
        assert outcome["serialised"] <= outcome["fingerprinted"] < len(after), outcome
        print("fingerprinted", seed, outcome["fingerprinted"], "of", len(after))


def test_a_planted_or_broken_needs_json_is_never_used(built: tuple[Path, Path, Path]) -> None:
    root, site, reference = built
    text = (site / "needs.json").read_text(encoding="ascii")
    need_id, value = next(iter(_needs(site).items()))
    title = json.dumps(value["title"])
    planted = json.dumps("PLANTED" + value["title"][7:]) if len(value["title"]) > 7 else title
    assert planted != title and len(planted) == len(title)
    # the same length, so every recorded place still fits: only the MAC can tell
    (site / "needs.json").write_text(text.replace(title, planted, 1), encoding="ascii")
    page = next((root / "spec").rglob("*syn*.rst"))
    page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # something to rebuild
    outcome = _build(root, site, reference)
    assert outcome["mode"] == "full" and "not the record" in outcome["reason"], outcome
    assert "PLANTED" not in (site / "needs.json").read_text(encoding="ascii")
    assert _needs(site)[need_id]["title"] == value["title"]
    page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert _build(root, site, reference)["mode"] == "spliced"  # the record written by that build


# -- the index on its own -------------------------------------------------------------------------

KEY, SETTINGS = b"k" * 32, b"s" * 32


def _pair(out: Path, key: bytes = KEY) -> list[bytes]:
    """A needs.json of three values and its index; the values."""
    values = [b'{"a": 1}', b'{"b": [true, null]}', b'{"c": "\\u00e9"}']
    pieces: list[bytes] = [
        b'{"x": {',
        b'"A": ',
        values[0],
        b", ",
        b'"B": ',
        values[1],
        b", ",
        b'"C": ',
        values[2],
    ]
    records, at = [], 0
    for piece in pieces:
        if piece in values:
            records.append((bytes([len(records)]) * 16, at, at + len(piece)))
        at += len(piece)
    needs_index.write(out, "needs.json", [*pieces, b"}}"], records, key, SETTINGS)
    return values


def test_the_index_gives_back_each_value_of_the_file_it_verifies(tmp_path: Path) -> None:
    values = _pair(tmp_path)
    kept, why = needs_index.load(tmp_path, "needs.json", KEY, SETTINGS)
    assert why == "" and {k: bytes(v) for k, v in kept.items()} == {
        bytes([i]) * 16: v for i, v in enumerate(values)
    }
    assert json.loads((tmp_path / "needs.json").read_text())["x"]["C"] == {"c": "é"}


def _broken(out: Path, how: str) -> None:
    index, needs = out / needs_index.INDEX, out / "needs.json"
    if how == "needs.json edited":
        needs.write_bytes(needs.read_bytes().replace(b"true", b"fals"))
    elif how == "index truncated":
        index.write_bytes(index.read_bytes()[:40])
    elif how == "index empty":
        index.write_bytes(b"")
    elif how == "needs.json a FIFO":
        needs.unlink()
        os.mkfifo(needs)
    elif how == "needs.json a symlink":
        needs.rename(out / "elsewhere.json")
        needs.symlink_to(out / "elsewhere.json")
    elif how == "index a folder":
        index.unlink()
        index.mkdir()
    elif how == "needs.json missing":
        needs.unlink()


@pytest.mark.parametrize(
    "how",
    [
        "needs.json edited",
        "index truncated",
        "index empty",
        "needs.json a FIFO",
        "needs.json a symlink",
        "index a folder",
        "needs.json missing",
    ],
)
def test_a_broken_pair_gives_nothing(tmp_path: Path, how: str) -> None:
    _pair(tmp_path)
    _broken(tmp_path, how)
    kept, why = needs_index.load(tmp_path, "needs.json", KEY, SETTINGS)
    assert kept == {} and why, how


def test_another_key_or_other_settings_give_nothing(tmp_path: Path) -> None:
    _pair(tmp_path)
    assert needs_index.load(tmp_path, "needs.json", b"o" * 32, SETTINGS) == (
        {},
        ".smets/needs.json.index is not the record of this needs.json (edited, replaced or broken)",
    )
    assert needs_index.load(tmp_path, "needs.json", KEY, b"o" * 32) == (
        {},
        "the serialisation settings changed",
    )
    assert needs_index.load(tmp_path, "needs.json", None, SETTINGS)[0] == {}


def test_a_record_out_of_the_file_is_refused_even_under_a_valid_mac(tmp_path: Path) -> None:
    pieces = [b'{"A": ', b"1", b"}"]
    needs_index.write(tmp_path, "needs.json", pieces, [(b"x" * 16, 6, 99)], KEY, SETTINGS)
    assert needs_index.load(tmp_path, "needs.json", KEY, SETTINGS) == (
        {},
        ".smets/needs.json.index is of the wrong shape",
    )


def test_without_a_key_no_index_is_left(tmp_path: Path) -> None:
    _pair(tmp_path)
    assert (tmp_path / needs_index.INDEX).is_file()
    needs_index.write(tmp_path, "needs.json", [b"{}"], [], None, SETTINGS)
    assert not (tmp_path / needs_index.INDEX).exists() and (tmp_path / "needs.json").read_bytes() == b"{}"


def _last(out: Path) -> needs_index.Last:
    last, why = needs_index.load_last(out, "needs.json", KEY, SETTINGS)
    assert last is not None, why
    return last


def test_a_file_that_would_be_the_same_bytes_is_not_written_again(tmp_path: Path) -> None:
    _pair(tmp_path)
    needs, index = tmp_path / "needs.json", tmp_path / needs_index.INDEX
    text, record, stats = needs.read_bytes(), index.read_bytes(), (needs.stat(), index.stat())
    last = _last(tmp_path)
    records = [(bytes([n]) * 16, start, end) for n, (start, end) in enumerate(_places(last))]
    pieces = [text[:5], text[5:9], text[9:]]  # the same bytes, cut elsewhere
    assert needs_index.write(tmp_path, "needs.json", pieces, records, KEY, SETTINGS, last) is False
    assert (needs.stat().st_ino, needs.stat().st_mtime_ns) == (stats[0].st_ino, stats[0].st_mtime_ns)
    assert (index.stat().st_ino, index.read_bytes()) == (stats[1].st_ino, record)
    # the same file with other digests: the file stays, the index is written and verifies
    other = [(b"z" * 15 + bytes([n]), start, end) for n, (_, start, end) in enumerate(records)]
    assert needs_index.write(tmp_path, "needs.json", [text], other, KEY, SETTINGS, _last(tmp_path)) is False
    assert needs.stat().st_ino == stats[0].st_ino and index.read_bytes() != record
    assert {bytes(v) for v in _last(tmp_path).kept.values()} == {text[s:e] for _, s, e in other}
    assert set(_last(tmp_path).kept) == {digest for digest, _, _ in other}


def _places(last: needs_index.Last) -> list[tuple[int, int]]:
    count = int.from_bytes(last.body[len(needs_index.MAGIC) + 40 : len(needs_index.MAGIC) + 48], "little")
    body = last.body[len(needs_index.MAGIC) + 48 :][: count * needs_index.RECORD.size]
    return [(start, end) for _, start, end in needs_index.RECORD.iter_unpack(body)]


@pytest.mark.parametrize(
    "new",
    [
        b'{"x": {"A": {"a": 2}, "B": {"b": [true, null]}, "C": {"c": "\\u00e9"}}}',  # one value changed
        b'{"x": {"A": {"a": 1}}}',  # shorter
        b'{"x": {"A": {"a": 1}, "B": {"b": [true, null]}, "C": {"c": "\\u00e9"}, "D": 4}}',  # longer
        b'{"y": {}}',  # nothing alike
        b"",
    ],
)
def test_a_file_that_differs_anywhere_is_written_whole(tmp_path: Path, new: bytes) -> None:
    _pair(tmp_path)
    old = (tmp_path / "needs.json").read_bytes()
    assert old != new and old.startswith(b'{"x": {"A": {"a": 1}, "B"')
    cut = [new[i : i + 7] for i in range(0, len(new), 7)]
    records = [(b"n" * 16, 0, len(new))]
    assert needs_index.write(tmp_path, "needs.json", cut, records, KEY, SETTINGS, _last(tmp_path)) is True
    assert (tmp_path / "needs.json").read_bytes() == new
    assert {bytes(v) for v in _last(tmp_path).kept.values()} == {new}


# -- the fingerprint ------------------------------------------------------------------------------


def test_the_fingerprint_tells_every_json_type_apart_and_refuses_subclasses(
    built: tuple[Path, Path, Path],
) -> None:
    from sphinx_needs.need_item import NeedItem, NeedLink

    env = pickle.loads((built[1] / ".doctrees" / "environment.pickle").read_bytes())
    need = next(iter(env._needs_all_needs.values()))
    digest = needs_splice.fingerprint(need, NeedItem, NeedLink)
    assert digest is not None and digest == needs_splice.fingerprint(need.copy(), NeedItem, NeedLink)
    field = next(k for k, v in need._extras.items() if v is None)
    seen = {digest}
    for value in (1, True, 1.0, "1", [1], (1,), {"1": 1}, False, 0):
        other = need.copy()
        other._extras[field] = value
        seen.add(needs_splice.fingerprint(other, NeedItem, NeedLink))
    assert len(seen) == 10 and None not in seen

    same = need.copy()  # equal values in other objects (not interned, not shared): the same digest
    same._core["title"] = "".join(list(need._core["title"]))
    same._core["id"] = sys.intern("".join(list(need._core["id"])))
    assert needs_splice.fingerprint(same, NeedItem, NeedLink) == digest

    class Text(str):
        pass

    other = need.copy()
    other._core["title"] = Text(need._core["title"])
    assert needs_splice.fingerprint(other, NeedItem, NeedLink) is None
    other = need.copy()
    other._links[next(iter(other._links))] = [NeedLink(id="A", part="p", condition="x")]
    assert needs_splice.fingerprint(other, NeedItem, NeedLink) not in (None, digest)


# -- random changes of the needs themselves, many of them ----------------------------------------

_CHANGES = st.lists(
    st.tuples(
        st.sampled_from(
            ["title", "field", "link added", "link removed", "added", "deleted", "moved", "none"]
        ),
        st.integers(0, 10**6),
        st.integers(0, 10**6),
        st.text(max_size=6),
    ),
    min_size=1,
    max_size=5,
)


def _change(needs: dict[str, Any], kind: str, one: int, two: int, text: str) -> None:
    """One change of the needs (as the post-processed data a build hands the writer)."""
    ids = sorted(needs)
    need, other = needs[ids[one % len(ids)]], needs[ids[two % len(ids)]]
    free_links = [k for k in need._links if k not in need._derived]
    if kind == "title":
        need["title"] = need["title"] + text
    elif kind == "field":
        fields = sorted(k for k in need._extras if k not in need._derived)
        need[fields[two % len(fields)]] = text or None
    elif kind == "link added" and free_links:
        link = free_links[two % len(free_links)]
        need[link] = [*need[link], other.id]
        other[f"{link}_back"] = [*other[f"{link}_back"], need.id]
    elif kind == "link removed" and (linked := [k for k in free_links if need[k]]):
        need[linked[0]] = need[linked[0]][:-1]
    elif kind == "added":
        copy = need.copy()
        copy._core["id"] = f"{need.id}_{one}"
        copy._recompute()
        needs[copy.id] = copy
    elif kind == "deleted" and len(needs) > 1:
        del needs[need.id]
    elif kind == "moved" and hasattr(need._source, "lineno"):
        need._source = dataclasses.replace(need._source, docname=other.source.docname, lineno=two)


def _both(env: Any, needs: dict[str, Any], ours: Path, theirs: Path) -> needs_splice.Outcome:
    from sphinx_needs.config import NeedsSphinxConfig
    from sphinx_needs.needsfile import NeedsList

    version, in_order = env.config.version, list(needs.values())
    outcome = needs_splice.splice(
        ours, env, NeedsSphinxConfig(env.config), NeedsList(env, ours, ours), version, in_order
    )
    own = NeedsList(env, theirs, theirs)
    own.wipe_version(version)
    for need in in_order:
        own.add_need(version, need)
    needs_json.ORIGINAL[0](own)  # sphinx-needs' own write_json: json.dump
    assert (ours / "needs.json").read_bytes() == (theirs / "needs.json").read_bytes(), outcome
    return outcome


@dataclasses.dataclass(frozen=True)
class _Pickled:
    """The built site's pickled environment (shown by name in a failing example, not in full)."""

    raw: bytes = dataclasses.field(repr=False)


@pytest.fixture(scope="module")
def environment(built: tuple[Path, Path, Path]) -> _Pickled:
    needs_json.install()
    return _Pickled((built[1] / ".doctrees" / "environment.pickle").read_bytes())


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=_CHANGES)
def test_random_changes_of_the_needs_give_sphinx_needs_own_file(
    environment: _Pickled, changes: list[Any]
) -> None:
    env = pickle.loads(environment.raw)
    needs: dict[str, Any] = dict(sorted(env._needs_all_needs.items())[::4])  # every kind, fewer of each
    with tempfile.TemporaryDirectory() as folder:
        ours, theirs = Path(folder, "ours"), Path(folder, "theirs")
        ours.mkdir()
        theirs.mkdir()
        assert _both(env, needs, ours, theirs).mode == "full"
        for change in changes:
            _change(needs, *change)
            before = (ours / "needs.json").read_bytes()
            outcome = _both(env, needs, ours, theirs)
            assert outcome.mode == "spliced" and outcome.reused >= len(needs) - 3, (change, outcome)
            # written again exactly when its bytes change (left as it is when they are the same)
            assert outcome.written is ((ours / "needs.json").read_bytes() != before), (change, outcome)


_MEASURE = """
import pickle, sys, tempfile, tracemalloc
from pathlib import Path
from sphinx_needs.config import NeedsSphinxConfig
from sphinx_needs.needsfile import NeedsList
from smets_spec.sphinx import needs_json, needs_splice
needs_json.install()
env = pickle.loads(Path(sys.argv[1]).read_bytes())
needs = list(env._needs_all_needs.values())
with tempfile.TemporaryDirectory() as folder:
    out = Path(folder)
    config, version = NeedsSphinxConfig(env.config), env.config.version
    tracemalloc.start()
    outcome = needs_splice.splice(out, env, config, NeedsList(env, out, out), version, needs)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(outcome.mode, outcome.serialised, len(needs), peak, (out / "needs.json").stat().st_size)
"""


def test_the_file_is_written_need_by_need_without_holding_the_values(environment: _Pickled) -> None:
    """Serialising every need (a first build) holds one need's JSON at a time, not the file's worth.

    Measured in a fresh interpreter: tracemalloc counts every thread's allocations and keeps the
    peak of a trace already running, so what other tests left in a worker (threads, a trace) must
    not count (once, in CI, the same splice measured 4.1 MB in a worker and 0.39 MB alone)."""
    with tempfile.TemporaryDirectory() as folder:
        pickled = Path(folder, "environment.pickle")
        pickled.write_bytes(environment.raw)
        result = subprocess.run(
            [sys.executable, "-c", _MEASURE, str(pickled)], capture_output=True, text=True, timeout=300
        )
    assert result.returncode == 0, result.stderr[-3000:]
    mode, serialised, amount, peak, size = result.stdout.split()
    assert mode == "full" and int(serialised) == int(amount) > 500
    assert int(size) > 1_000_000
    assert int(peak) < int(size) / 4, (peak, size)  # holding every value took more than the file's size


def test_needs_are_taken_unfingerprinted_only_from_the_file_of_the_environment_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from smets_spec.sphinx.needs_reuse import Unchanged

    value = memoryview(b'{"a": 1}')
    last = needs_index.Last(
        {b"d" * 16: value}, value, b"", needs_splice._token("t1"), {"A": (b"d" * 16, value)}
    )
    vouched = Unchanged("t1", "t2", frozenset({"B"}))
    assert needs_splice._trusted(last, vouched) == (last.by_id, frozenset({"B"}))
    assert needs_splice._trusted(last, Unchanged("t0", "t2", frozenset())) is None  # another environment
    assert needs_splice._trusted(last, Unchanged("t1", "t2", None)) is None  # nothing vouched for
    assert needs_splice._trusted(last, None) is None
    assert needs_splice._trusted(dataclasses.replace(last, token=needs_index.NO_TOKEN), vouched) is None
    assert needs_splice._token("t1") != needs_splice._token("t2")
    assert needs_splice._token(None) == needs_index.NO_TOKEN
    monkeypatch.setenv("SMETS_NEEDS_JSON_TRUST", "off")
    assert needs_splice._trusted(last, vouched) is None
