"""Load needs (from a ``spec/`` tree or a needs.json) into a validated corpus.

Every need becomes a frozen, typed record (a :class:`~smets_spec.corpus.schema.Need`
subclass) with its :class:`Location`. Every problem is a diagnostic naming the
file, line, rule and fix; a need that fails validation is reported, never
dropped silently.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from pydantic import ValidationError

from ..forking import no_gc
from . import loadcache, placeholders
from .diagnostics import Diagnostic, Location, Reporter, Rule, Severity
from .ids import id_for_clause, roles_with_ids
from .loadcache import FileResult, LoadStats, NeedResult
from .needsjson import need_problems, read_document, select_needs, unknown_types_note
from .rstreader import RawNeed, read_data, read_tree, tree_digest, tree_files
from .schema import BY_DIRECTIVE, CORE_FIELDS, NEED_TYPES, Need, Requirement
from .validate import check_corpus

N = TypeVar("N", bound=Need)


@dataclass
class Corpus:
    """The validated needs of one specification, by id, in source order."""

    needs: dict[str, Need] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    field_lines: dict[str, dict[str, int]] = field(default_factory=dict, repr=False)
    #: per need, the fields written with an invalid value (reported, and left out of the record)
    rejected: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    #: the spec folder it was read from (None when read from elsewhere, e.g. a needs.json or git)
    source: Path | None = field(default=None, repr=False)
    #: SHA-256 of the files a spec folder's corpus was read from (:func:`~.rstreader.tree_digest`)
    digest: str | None = field(default=None, repr=False, compare=False)
    #: a digest of each of those files' bytes (:func:`~.rstreader.file_digest`), by its name below
    #: :attr:`source`, from the bytes the needs were read from (None when not read from a folder)
    file_digests: dict[str, str] | None = field(default=None, repr=False, compare=False)
    #: of_type() results, keyed by type and size (the loader fills ``needs`` once)
    _by_type: dict[tuple[type, int], list[Need]] = field(default_factory=dict, repr=False, compare=False)

    def __iter__(self) -> Iterator[Need]:
        return iter(self.needs.values())

    def __len__(self) -> int:
        return len(self.needs)

    def __contains__(self, need_id: object) -> bool:
        return need_id in self.needs

    def __getitem__(self, need_id: str) -> Need:
        return self.needs[need_id]

    def of_type(self, need_type: type[N]) -> list[N]:
        """The needs of one type, in source order (a fresh list; the scan is cached)."""
        key = (need_type, len(self.needs))
        cached = self._by_type.get(key)
        if cached is None:
            cached = [n for n in self.needs.values() if isinstance(n, need_type)]
            self._by_type[key] = cached
        return list(cached)  # type: ignore[arg-type]

    @property
    def requirements(self) -> list[Requirement]:
        return self.of_type(Requirement)

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    def location(self, need_id: str, field_name: str | None = None) -> Location:
        """Where a need (or one of its fields, when the source gives its line) is written."""
        where = self.locations[need_id]
        line = self.field_lines.get(need_id, {}).get(field_name or "")
        return Location(where.file, line) if line is not None else where


def _suggest(word: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def _unknown_field(raw: RawNeed, need_id: str, name: str, model: type[Need]) -> Diagnostic:
    known = sorted(model.own_fields())
    guess = _suggest(name, known)
    owners = [t.directive for t in NEED_TYPES if name in t.own_fields()]
    if guess:
        fix = f"did you mean ':{guess}:'?"
    elif owners:
        fix = f"':{name}:' belongs to {', '.join(owners)}; a {model.directive} takes: {', '.join(known)}"
    else:
        fix = f"a {model.directive} takes: {', '.join(known)}"
    return Diagnostic(
        _field_location(raw, name),
        Severity.ERROR,
        f"unknown field ':{name}:' on {model.directive} '{need_id}'",
        Rule.UNKNOWN_FIELD,
        fix,
    )


def _field_location(raw: RawNeed, name: str) -> Location:
    option = raw.options.get(name)
    return Location(raw.location.file, option.line if option else raw.location.line)


def _expected(model: type[Need], name: str) -> str:
    """What a field's value must look like, in words."""
    annotation = str(model.model_fields[name].annotation)
    unknown = " or 'unknown'" if "'unknown'" in annotation else ""
    if "bool" in annotation:
        return ("true, false" if unknown else "true or false") + unknown
    if "int" in annotation:
        return "a whole number" + unknown
    if "float" in annotation:
        return "a number" + unknown
    return "text"


def _pydantic_diagnostic(
    raw: RawNeed, need_id: str, model: type[Need], error: Mapping[str, Any]
) -> Diagnostic:
    loc = error.get("loc", ())
    name = str(loc[0]) if loc else "?"
    where = _field_location(raw, name)
    kind = str(error.get("type", ""))
    option = raw.options.get(name)
    in_list = len(loc) > 1 and isinstance(loc[1], int)
    value = error.get("input") if in_list or option is None else option.value
    ctx = error.get("ctx") or {}
    description = model.model_fields[name].description if name in model.model_fields else None
    if kind == "enum":
        return Diagnostic(
            where,
            Severity.ERROR,
            f"'{value}' is not an allowed value of ':{name}:' on '{need_id}'",
            Rule.ENUM,
            f"use one of {ctx.get('expected', '')}",
        )
    if kind == "string_pattern_mismatch":
        return Diagnostic(
            where,
            Severity.ERROR,
            f"':{name}:' value '{value}' on '{need_id}' does not match the pattern {ctx.get('pattern')}",
            Rule.TYPE,
            f"write it as: {description}",
        )
    expected = _expected(model, name) if name in model.model_fields else "valid"
    return Diagnostic(
        where,
        Severity.ERROR,
        f"':{name}:' value '{value}' on '{need_id}' is not {expected}",
        Rule.TYPE,
        f"write {expected} ({description})" if description else None,
    )


def build_record(
    raw: RawNeed, values: Mapping[str, Any], rejected: set[str] | None = None
) -> tuple[Need | None, list[Diagnostic]]:
    """Validate one need's values against its type; return the record or diagnostics.

    The names of fields whose values are invalid (and so left out of the record)
    are added to ``rejected`` when it is given.
    """
    record, _, problems = _build_record(raw, values, rejected)
    return record, problems


def _build_record(
    raw: RawNeed, values: Mapping[str, Any], rejected: set[str] | None = None
) -> tuple[Need | None, dict[str, Any] | None, list[Diagnostic]]:
    """:func:`build_record`, with the values the record was validated from (the corpus cache's)."""
    model = BY_DIRECTIVE[raw.directive]
    problems: list[Diagnostic] = []
    need_id = str(values.get("id") or "")
    if not need_id:
        problems.append(
            Diagnostic(
                raw.location,
                Severity.ERROR,
                f"{model.directive} '{_one_line(raw.title)}' has no ':id:'",
                Rule.ID,
                f"add ':id:' (pattern {model.id_pattern}); `smets new {model.directive}` finds a free one",
            )
        )
        return None, None, problems
    legacy_clause: str | None = None
    if not _id_regex(model.id_pattern).fullmatch(need_id):
        problems.append(
            Diagnostic(
                _field_location(raw, "id"),
                Severity.ERROR,
                f"id '{need_id}' does not match the {model.directive} id pattern {model.id_pattern}",
                Rule.ID,
                _id_fix(model, need_id),
            )
        )
        # a revision from before ids lost their dot (clause as id, :id: GS.08) reads as the need
        # GS_08 with that clause, so history and change impact see one requirement on both sides
        as_id = id_for_clause(need_id)
        if (
            as_id is not None
            and "clause" in model.model_fields
            and _id_regex(model.id_pattern).fullmatch(as_id)
        ):
            need_id, legacy_clause = as_id, need_id
    known = model.own_fields()
    link_names = model.links()
    data: dict[str, Any] = {"id": need_id, "title": _one_line(raw.title), "content": _content(raw.content)}
    if legacy_clause is not None and not values.get("clause"):
        data["clause"] = legacy_clause
    for name, value in values.items():
        if name in {"id", "title", "content"}:
            continue
        if name not in known:
            problems.append(_unknown_field(raw, need_id, name, model))
        elif name in link_names:
            if not _is_link_value(value):  # e.g. a needs.json with ``"mandatory_for": false``
                problems.append(
                    Diagnostic(
                        _field_location(raw, name),
                        Severity.ERROR,
                        f"'{need_id}': ':{name}:' must list need ids, not "
                        f"{type(value).__name__} {value!r:.40}",
                        Rule.TYPE,
                        f"write the ids of ':{name}:' separated by commas (a list in a needs.json)",
                    )
                )
                continue
            data[name], repeated = _link_list(value)
            problems.extend(
                Diagnostic(
                    _field_location(raw, name),
                    Severity.ERROR,
                    f"'{need_id}' lists '{target}' more than once in ':{name}:'",
                    Rule.CONSISTENCY,
                    f"remove the repeated '{target}'",
                )
                for target in repeated
            )
        else:
            data[name] = _one_line(value) if isinstance(value, str) else value
    held = {name for name, value in values.items() if name != "id" and placeholders.is_placeholder(value)}
    problems.extend(placeholders.find(raw, values, model, need_id))  # each at its line, with what to write
    for name in held:
        data.pop(name, None)
    if rejected is not None:
        rejected.update(held)
    problems.extend(
        Diagnostic(
            raw.location,
            Severity.ERROR,
            f"{model.directive} '{need_id}' lacks required field ':{name}:'",
            Rule.REQUIRED,
            f"add ':{name}:' ({model.model_fields[name].description})",
        )
        for name in model.required
        if data.get(name) in (None, "", (), []) and name not in held
    )
    try:
        record = model.model_validate(data)
    except ValidationError as exc:
        # one diagnostic per field (a union type reports one error per alternative)
        first = {str(e["loc"][0]) if e.get("loc") else "?": e for e in reversed(exc.errors())}
        problems.extend(_pydantic_diagnostic(raw, need_id, model, e) for e in reversed(first.values()))
        # keep what is valid so the cross-need checks still see this need
        bad = set(first)
        if rejected is not None:
            rejected.update(bad)
        data = {k: v for k, v in data.items() if k not in bad}
        try:
            record = model.model_validate(data)
        except ValidationError:
            return None, None, problems
    return record, data, problems


@lru_cache(maxsize=64)
def _id_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _id_fix(model: type[Need], need_id: str) -> str:
    as_id = id_for_clause(need_id)
    if as_id is not None and _id_regex(model.id_pattern).fullmatch(as_id):
        return f"write ':id: {as_id}' and ':clause: {need_id}' (the clause number is a field)"
    return f"rename it to match {model.id_pattern}"


def _one_line(text: str) -> str:
    """Titles and option values may be wrapped over lines; they mean one line of text."""
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def _natural_key(need_id: str) -> tuple[list[tuple[int, int | str]], str]:
    """Digit runs compare as numbers (PC_2 < PC_10), ties by the text: sphinx-needs' link order."""
    parts = re.split(r"(\d+)", need_id)
    return [(0, int(p)) if p.isdigit() else (1, p.casefold()) for p in parts], need_id


def _is_link_value(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list | tuple) and all(isinstance(v, str | int) for v in value)
    )


def _link_list(value: Any) -> tuple[tuple[str, ...], list[str]]:
    """A link field's ids in sphinx-needs' order (natural sort), and the ids given twice."""
    items = [v.strip() for v in value.split(",")] if isinstance(value, str) else [str(v) for v in value]
    items = [item for item in items if item]
    repeated = sorted({item for item in items if items.count(item) > 1})
    return tuple(sorted(set(items), key=_natural_key)), repeated


def _content(text: str) -> str:
    """Content as docutils hands it over: lines without trailing blanks, no blank lines around.

    Roles written with clause numbers read as the Sphinx extension hands them to sphinx-needs.
    """
    text = roles_with_ids(text)
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()).strip("\n")


def raw_values(raw: RawNeed) -> dict[str, Any]:
    return {name: option.value for name, option in raw.options.items() if option.value != ""}


def need_result(raw: RawNeed, values: Mapping[str, Any]) -> NeedResult:
    """One need read and validated on its own (before the checks across needs)."""
    rejected: set[str] = set()
    record, data, problems = _build_record(raw, values, rejected)
    lines = {name: option.line for name, option in raw.options.items()}
    need_id = str(values.get("id") or "")
    return NeedResult(
        raw.directive, raw.location, need_id, lines, record, data, problems, frozenset(rejected)
    )


def build_corpus(raws: list[tuple[RawNeed, Mapping[str, Any]]], early: list[Diagnostic]) -> Corpus:
    return assemble((need_result(raw, values) for raw, values in raws), early)


def assemble(needs: Iterable[NeedResult], early: list[Diagnostic]) -> Corpus:
    """The corpus of needs read and validated one by one: duplicate ids, links and versions checked
    across them."""
    corpus = Corpus(diagnostics=list(early))
    seen: dict[str, Location] = {}
    invalid: dict[str, str] = {}
    for need in needs:
        corpus.diagnostics.extend(need.problems)
        need_id = need.need_id
        if need_id and need_id in seen:
            corpus.diagnostics.append(
                Diagnostic(
                    need.location,
                    Severity.ERROR,
                    f"duplicate id '{need_id}'",
                    Rule.DUPLICATE_ID,
                    "give this need a new id (`smets new` finds a free one) or remove the copy",
                    related=seen[need_id],
                )
            )
            continue
        if need_id:
            seen[need_id] = need.location
        record = need.record
        if record is None:
            if need_id:
                invalid[need_id] = need.directive
            continue
        corpus.needs[record.id] = record
        corpus.locations[record.id] = need.location
        corpus.field_lines[record.id] = need.field_lines
        if need.rejected:
            corpus.rejected[record.id] = need.rejected
    corpus.diagnostics.extend(check_corpus(corpus, invalid))
    return corpus


def load_spec(
    spec_dir: Path,
    relative_to: Path | None = None,
    cache: Path | None = None,
    stats: LoadStats | None = None,
) -> Corpus:
    """Read and validate every need in a ``spec/`` tree (no Sphinx involved).

    ``cache``: a folder of :mod:`.loadcache` entries; a file whose bytes were loaded before is not
    read or validated again (the result is the same corpus). ``stats`` counts the entries used.
    """
    if not spec_dir.is_dir():
        raise FileNotFoundError(f"{spec_dir}: no such spec folder")
    with no_gc():  # every object made stays or is freed by reference counting: a fifth of a cached load
        return _load_spec(spec_dir, relative_to, cache, stats)


def _load_spec(
    spec_dir: Path, relative_to: Path | None, cache: Path | None, stats: LoadStats | None
) -> Corpus:
    digest = hashlib.sha256()
    files: dict[str, str] = {}
    if cache is None:
        raws, early = read_tree(spec_dir, BY_DIRECTIVE, relative_to, digest, files)
        corpus = build_corpus([(raw, raw_values(raw)) for raw in raws], early)
    else:
        results = [
            _file_result(display, data, cache, stats)
            for display, data in tree_files(spec_dir, relative_to, digest, files)
        ]
        corpus = assemble(
            (need for result in results for need in result.needs), [d for r in results for d in r.errors]
        )
    corpus.source = spec_dir
    corpus.digest = digest.hexdigest()
    corpus.file_digests = files
    return corpus


def _file_result(display: str, data: bytes, cache: Path, stats: LoadStats | None) -> FileResult:
    """One file's needs, from the cache when its bytes were loaded before, else read (and kept)."""
    key = loadcache.entry_key(display, data)
    result = loadcache.read(key, display, cache, stats)
    if result is None:
        raws, errors = read_data(data, display, BY_DIRECTIVE)
        result = FileResult(errors, [need_result(raw, raw_values(raw)) for raw in raws])
        loadcache.write(key, display, result, cache)
    return result


class Offered:
    """A corpus read from a folder, offered to the next reader of that folder in this process
    instead of reading it again (one at a time): taken once, and only while the folder's files
    still hash to what it was read from (:func:`~.rstreader.tree_digest`), when it is the corpus
    that reader would read. ``smets build`` offers its corpus to the Sphinx extension, and the
    conformance suite forked beside the build takes the build's."""

    def __init__(self) -> None:
        self._slot: list[tuple[Path, Corpus]] = []

    def offer(self, folder: Path, corpus: Corpus) -> None:
        """Offer ``corpus`` (read from ``folder``) in place of anything offered before."""
        self._slot.clear()
        if corpus.digest is not None:
            self._slot.append((folder.resolve(), corpus))

    def clear(self) -> None:
        self._slot.clear()

    def peek(self) -> Corpus | None:
        """The corpus offered and not taken yet, or None (whatever folder it is for)."""
        return self._slot[-1][1] if self._slot else None

    def take(self, folder: Path) -> Corpus | None:
        """The corpus offered for ``folder`` (once), if the folder's files are unchanged since."""
        if not self._slot:
            return None
        offered, corpus = self._slot.pop()
        if offered != folder.resolve() or corpus.digest != tree_digest(folder):
            return None
        return corpus


def read_from(spec: Path, relative_to: Path, corpus: Corpus) -> Corpus | None:
    """``corpus`` (``load_spec(spec, relative_to=relative_to)``) re-rooted as
    ``load_spec(spec, relative_to=spec)`` reads it (:func:`rebased`); None when ``spec`` is not
    under ``relative_to``."""
    spec = spec.resolve()
    try:
        prefix = spec.relative_to(relative_to.resolve()).as_posix()
    except ValueError:
        return None
    return rebased(corpus, "" if prefix == "." else prefix + "/", "")


def rebased(corpus: Corpus, old: str, new: str) -> Corpus | None:
    """``corpus`` with every location's file ``old + rest`` named ``new + rest`` (the same needs read
    relative to another folder); None when a location is not under ``old``.

    ``load_spec(spec, relative_to=root)`` rebased from ``"spec/"`` to ``""`` equals
    ``load_spec(spec, relative_to=spec)`` (``tests/test_corpus_handover.py``).
    """

    def move(where: Location) -> Location:
        if not where.file.startswith(old):
            raise _NotUnderError
        return Location(new + where.file[len(old) :], where.line)

    try:
        return Corpus(
            needs=dict(corpus.needs),
            locations={need_id: move(where) for need_id, where in corpus.locations.items()},
            diagnostics=[
                replace(d, location=move(d.location), related=d.related and move(d.related))
                for d in corpus.diagnostics
            ],
            field_lines=dict(corpus.field_lines),
            rejected=dict(corpus.rejected),
            source=corpus.source,
            digest=corpus.digest,
            file_digests=corpus.file_digests,
        )
    except _NotUnderError:
        return None


class _NotUnderError(Exception):
    """A location outside the folder a corpus is rebased from."""


def _json_values(need: Mapping[str, Any], model: type[Need]) -> dict[str, Any]:
    names = set(model.own_fields()) | CORE_FIELDS
    values: dict[str, Any] = {}
    for name in names:
        value = need.get(name)
        if value in (None, "", [], ()):
            continue
        values[name] = value
    return values


def _source_order(need: Mapping[str, Any]) -> tuple[tuple[str, ...], int]:
    """The order the fast reader reads needs in: by file path (parts), then line."""
    docname = str(need.get("docname") or "")
    return (*PurePosixPath(docname + str(need.get("doctype") or ".rst")).parts,), int(need.get("lineno") or 0)


def load_needs_json(path: Path, srcdir: str = "spec", version: str | None = None) -> Corpus:
    """Read a needs.json (written by sphinx-needs, or by anyone) into a validated corpus.

    ``srcdir`` is how the documents' folder is shown in locations. A file that cannot be
    read raises :class:`~.needsjson.NeedsJsonError` (a ValueError) with its place; a need with
    wrong-typed core values is an error and left out; needs of types this schema does not
    know are skipped and counted in a note (see :mod:`.needsjson`).
    """
    data, text = read_document(path)
    needs = select_needs(path, data, version)
    by_type = {t.directive: t for t in NEED_TYPES}
    raws: list[tuple[RawNeed, Mapping[str, Any]]] = []
    early: list[Diagnostic] = []
    skipped: Counter[str] = Counter()
    readable = []
    for key, need in needs.items():
        problems = need_problems(path, text, str(key), need)
        early.extend(problems)
        if not problems:
            readable.append(need)
    for need in sorted(readable, key=_source_order):
        model = by_type.get(need.get("type") or "")
        if model is None:
            skipped[str(need.get("type") or "")] += 1
            continue
        docname = need.get("docname")
        file = f"{srcdir}/{docname}{need.get('doctype') or '.rst'}" if docname else str(path)
        raw = RawNeed(model.directive, need.get("title") or "", Location(file, need.get("lineno")))
        raw.content = need.get("content") or ""
        raws.append((raw, _json_values(need, model)))
    return build_corpus(raws, early + unknown_types_note(path, skipped))


def load(path: Path, relative_to: Path | None = None) -> Corpus:
    """Load a corpus from a spec folder or a needs.json file."""
    if path.is_file() and path.suffix == ".json":
        return load_needs_json(path)
    return load_spec(path, relative_to)


def report(corpus: Corpus) -> Reporter:
    reporter = Reporter()
    reporter.extend(corpus.diagnostics)
    return reporter
