"""The corpus cache (``corpus/loadcache.py``): a load that takes unchanged files from it is a full load.

Every build loads the corpus anew; with the cache, a file whose bytes (and name, and the loader's
code) were loaded before is neither read nor validated again. These tests compare that load with
the full one after seeded random edits of every kind an author makes (a need edited, added, deleted,
moved between files, a file broken, renamed, a duplicate id across files, the loader's code
changed): the same records, locations, field lines and diagnostics, in the same order. A cache
entry that is corrupt or tampered with is refused (that file is read in full), never trusted,
never a crash.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from conftest import copy_project
from smets_spec.corpus import loadcache
from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.loadcache import KIND, LoadStats
from smets_spec.corpus.rstreader import need_spans, spec_files
from smets_spec.corpus.schema import BY_DIRECTIVE


def _same(full: Corpus, cached: Corpus) -> None:
    assert list(cached.needs.items()) == list(full.needs.items())
    assert [type(n) for n in cached.needs.values()] == [type(n) for n in full.needs.values()]
    assert list(cached.locations.items()) == list(full.locations.items())
    assert [list(lines.items()) for lines in cached.field_lines.values()] == [
        list(lines.items()) for lines in full.field_lines.values()
    ]
    assert cached.rejected == full.rejected
    assert cached.diagnostics == full.diagnostics  # in the same order, with related places
    assert cached.digest == full.digest and cached.source == full.source


def _load_both(spec: Path, cache: Path) -> tuple[Corpus, Corpus, LoadStats]:
    stats = LoadStats()
    cached = load_spec(spec, relative_to=spec.parent, cache=cache, stats=stats)
    full = load_spec(spec, relative_to=spec.parent)
    _same(full, cached)
    return full, cached, stats


def _read(path: Path) -> str:
    """A file's text; the bytes of a file an edit made non-UTF-8 kept as they are."""
    return path.read_text(encoding="utf-8", errors="surrogateescape")


def _blocks(path: Path) -> list[tuple[int, int]]:
    """The (start, end) line indexes of the need directives of one file, outermost only."""
    spans = need_spans(_read(path), BY_DIRECTIVE)
    blocks: list[tuple[int, int]] = []
    for span in spans:
        if not blocks or span.start >= blocks[-1][1]:
            blocks.append((span.start, span.end))
    return blocks


class _Editor:
    """Seeded random edits of a spec folder; each returns how many files it touched."""

    def __init__(self, spec: Path, seed: int) -> None:
        self.spec = spec
        self.rng = random.Random(seed)
        self.serial = 0

    def _file_with_needs(self) -> tuple[Path, list[str], list[tuple[int, int]]]:
        files = [p for p in spec_files(self.spec) if _blocks(p)]
        path = self.rng.choice(files)
        return path, _read(path).splitlines(keepends=True), _blocks(path)

    def _write(self, path: Path, lines: list[str]) -> None:
        path.write_text("".join(lines), encoding="utf-8", errors="surrogateescape")

    def _fresh_id(self, block: list[str]) -> list[str]:
        self.serial += 1
        out = []
        for line in block:
            if line.lstrip().startswith(":id:"):
                line = line.rstrip("\n") + f"X{self.serial}\n"
            out.append(line)
        return out

    def edit_title(self) -> int:
        path, lines, blocks = self._file_with_needs()
        start, _ = self.rng.choice(blocks)
        lines[start] = lines[start].rstrip("\n") + f" edited {self.rng.randint(0, 99)}\n"
        self._write(path, lines)
        return 1

    def edit_text(self) -> int:
        path, lines, blocks = self._file_with_needs()
        _, end = self.rng.choice(blocks)
        at = end - 1
        lines[at] = lines[at].rstrip("\n") + " Also this.\n"
        self._write(path, lines)
        return 1

    def add_need(self) -> int:
        path, lines, blocks = self._file_with_needs()
        start, end = self.rng.choice(blocks)
        self._write(path, [*lines, "\n", *self._fresh_id(lines[start:end]), "\n"])
        return 1

    def delete_need(self) -> int:
        path, lines, blocks = self._file_with_needs()
        start, end = self.rng.choice(blocks)
        self._write(path, lines[:start] + lines[end:])
        return 1

    def move_need(self) -> int:
        path, lines, blocks = self._file_with_needs()
        start, end = self.rng.choice(blocks)
        other = self.rng.choice([p for p in spec_files(self.spec) if p != path])
        self._write(path, lines[:start] + lines[end:])
        other.write_text(_read(other) + "\n" + "".join(lines[start:end]), "utf-8", "surrogateescape")
        return 2

    def duplicate_elsewhere(self) -> int:
        path, lines, blocks = self._file_with_needs()
        start, end = self.rng.choice(blocks)
        other = self.rng.choice([p for p in spec_files(self.spec) if p != path])
        other.write_text(_read(other) + "\n" + "".join(lines[start:end]), "utf-8", "surrogateescape")
        return 1

    def break_file(self) -> int:
        path, lines, blocks = self._file_with_needs()
        start, end = self.rng.choice(blocks)
        option = next((i for i in range(start + 1, end) if lines[i].lstrip().startswith(":")), None)
        kind = self.rng.randrange(5)
        if kind == 0 and option is not None:  # a value that does not validate
            indent = lines[option][: len(lines[option]) - len(lines[option].lstrip())]
            lines.insert(option, f"{indent}:status: nonsense\n")
        elif kind == 1 and option is not None:  # an unknown field, a link to nothing
            indent = lines[option][: len(lines[option]) - len(lines[option].lstrip())]
            lines.insert(option, f"{indent}:colour: blue\n{indent}:links: NOT_THERE_1\n")
        elif kind == 2:  # not a directive, as docutils reads it
            lines.insert(start, ".. req: Not a need\n\n")
        elif kind == 3 and option is not None:  # the id dropped
            lines = [line for i, line in enumerate(lines) if not (start < i < end and ":id:" in line)]
        else:  # not UTF-8
            path.write_bytes("".join(lines).encode("utf-8", "surrogateescape") + b"\n\xff\xfe broken\n")
            return 1
        self._write(path, lines)
        return 1

    def rename_file(self) -> int:
        path = self.rng.choice(list(spec_files(self.spec)))
        self.serial += 1
        path.rename(path.with_name(f"renamed{self.serial}_{path.name}"))
        return 1

    def step(self) -> tuple[str, int]:
        name = self.rng.choice(
            [
                "edit_title",
                "edit_text",
                "add_need",
                "delete_need",
                "move_need",
                "duplicate_elsewhere",
                "break_file",
                "rename_file",
            ]
        )
        return name, int(getattr(self, name)())


@pytest.mark.parametrize("seed", [1, 2])
def test_a_cached_load_is_the_full_load_after_random_edits(tmp_path: Path, seed: int) -> None:
    spec = copy_project(tmp_path) / "spec"
    cache = tmp_path / "cache"
    _, _, stats = _load_both(spec, cache)
    files = len(list(spec_files(spec)))
    assert (stats.hits, stats.misses, stats.refused) == (0, files, 0)
    _, _, stats = _load_both(spec, cache)
    assert (stats.hits, stats.misses) == (files, 0)  # nothing changed: nothing read again
    editor = _Editor(spec, seed)
    kinds = set()
    broken = reread = 0
    for _ in range(24):
        kind, touched = editor.step()
        kinds.add(kind)
        full, _, stats = _load_both(spec, cache)
        broken += full.errors > 0
        assert stats.misses <= touched, kind  # only the edited files are read and validated again
        reread += stats.misses
        assert stats.hits + stats.misses == len(list(spec_files(spec))) and stats.refused == 0
    assert len(kinds) >= 6 and broken > 0  # the edits did reach errors, and several kinds ran
    assert reread >= 20  # (an edit can give bytes loaded before: deleting the need just added)


def test_another_loader_version_uses_no_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = copy_project(tmp_path) / "spec"
    cache = tmp_path / "cache"
    _load_both(spec, cache)
    monkeypatch.setattr(loadcache, "code_version", lambda: "a changed schema or loader")
    _, _, stats = _load_both(spec, cache)
    assert stats.hits == 0 and stats.misses == len(list(spec_files(spec)))
    _, _, stats = _load_both(spec, cache)
    assert stats.misses == 0  # the entries of that version were kept


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / KIND).glob("*.json"))


def _tampered(key: str, value: dict[str, object], rng: random.Random) -> bytes:
    """One hostile or corrupt variant of a valid entry's bytes (a need is [directive, line, id,
    field lines, values, problems, rejected fields])."""
    needs = value["needs"]
    assert isinstance(needs, list) and needs

    def need(at: int, item: object) -> dict[str, object]:
        changed = list(needs[0])
        changed[at] = item
        return {"key": key, "value": {**value, "needs": [changed, *needs[1:]]}}

    variants: list[object] = [
        b"\x80\x04\x95 a pickle, not JSON",
        b'{"key": "' + key.encode() + b'", "value": ',  # truncated
        b"[" * 100_000,  # deep enough to exhaust the parser
        {"key": "0" * 64, "value": value},  # another key
        {"key": key, "value": []},
        {"key": key, "value": {**value, "extra": 1}},
        {"key": key, "value": {**value, "needs": [[*needs[0], "one too many"]]}},
        need(0, "os.system"),
        need(1, -1),
        need(3, {"id": "1"}),
        need(4, {"id": 5}),
        need(4, {"id": "x", "title": "t", "status": "nope"}),
        need(4, {"__class__": ["x"]}),
        need(5, [[["f", 1], "error", "m", "smets.no-such-rule", None, None]]),
        need(6, "status"),
    ]
    chosen = rng.choice(variants)
    return chosen if isinstance(chosen, bytes) else json.dumps(chosen).encode()


def test_a_tampered_or_corrupt_entry_is_refused_and_the_file_read(tmp_path: Path) -> None:
    spec = copy_project(tmp_path) / "spec"
    cache = tmp_path / "cache"
    _load_both(spec, cache)
    rng = random.Random(7)
    entries = _entries(cache)
    with_needs = []
    for path in entries:
        stored = json.loads(_read(path))
        if stored["value"]["needs"]:
            with_needs.append((path, stored))
    assert len(with_needs) >= 20
    for path, stored in with_needs:
        path.write_bytes(_tampered(stored["key"], stored["value"], rng))
    outside = tmp_path / "outside.json"
    outside.write_text(with_needs[0][0].read_text(encoding="utf-8"), encoding="utf-8")
    with_needs[-1][0].unlink()
    with_needs[-1][0].symlink_to(outside)  # a planted link is no entry
    with_needs[-2][0].unlink()
    with_needs[-2][0].mkdir()  # nor a folder in an entry's place (and it cannot be replaced)
    _, _, stats = _load_both(spec, cache)  # the same corpus as a full load, no exception
    assert stats.refused == len(with_needs)  # the link too (it is not followed)
    assert stats.misses == len(with_needs) and stats.hits == len(entries) - len(with_needs)
    kept = outside.read_bytes()
    _, _, stats = _load_both(spec, cache)  # the refused entries were written again, good ones
    assert (stats.misses, stats.refused) == (1, 1)  # the folder is still there
    assert (
        outside.read_bytes() == kept and not with_needs[-1][0].is_symlink()
    )  # replaced, not written through


def test_the_cache_folder_follows_the_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("SMETS_CACHE_DIR", str(cache))
    monkeypatch.delenv(loadcache.SWITCH_ENV, raising=False)
    assert loadcache.cache_folder() == cache
    monkeypatch.setenv(loadcache.SWITCH_ENV, "off")
    assert loadcache.cache_folder() is None


def test_a_cached_corpus_handed_to_the_extension_is_the_one_it_would_read(tmp_path: Path) -> None:
    from smets_spec.sphinx import state

    root = copy_project(tmp_path)
    spec, cache = root / "spec", tmp_path / "cache"
    load_spec(spec, relative_to=root, cache=cache)
    stats = LoadStats()
    corpus = load_spec(spec, relative_to=root, cache=cache, stats=stats)
    assert stats.misses == 0
    state.offer_corpus(spec, root, corpus)  # re-rooted here, before Sphinx loads its environment
    taken = state._offered(spec)
    assert taken is not None
    _same(load_spec(spec, relative_to=spec), taken)
    own = load_spec(spec, relative_to=spec, cache=cache, stats=stats)  # the extension's own read
    _same(load_spec(spec, relative_to=spec), own)


_AWKWARD = """\
Section
=======

.. req:: Kept
   :id: AW_1

   The meter shall keep it.

.. req:: Lost body
   :id: AW_2

The meter shall lose it (a body at the directive's indentation).

.. req:: Nested
   :id: AW_3

   .. ccomment:: A respondent's comment
      :id: AW_C1

      <script>alert(1)</script> stored as written

.. req: Near miss
   :id: AW_4

.. req:: Last
   :id: AW_5
"""


def test_need_spans_read_the_needs_read_text_reads() -> None:
    """``need_spans`` makes no diagnostics (its caller never reads them): each span's need is the
    need ``read_text`` reads, in order, for the project's spec files and a file with a lost body,
    a respondent's text and a near miss (whose diagnostics ``read_text`` does make)."""
    from smets_spec.corpus.rstreader import read_text

    spec = Path(__file__).resolve().parents[1] / "spec"
    texts = [_read(path) for path in spec_files(spec)] + [_AWKWARD]
    assert len(texts) > 20
    for text in texts:
        needs, _ = read_text(text, "", BY_DIRECTIVE)
        assert [span.need for span in need_spans(text, BY_DIRECTIVE)] == needs
    needs, errors = read_text(_AWKWARD, "", BY_DIRECTIVE)
    assert [n.options["id"].value for n in needs] == ["AW_1", "AW_2", "AW_3", "AW_C1", "AW_5"]
    assert len(errors) >= 2  # the lost body, the near miss
