"""``smets new TYPE``: write a stub need with the next free id, from a template.

Templates live in ``templates/new/``: ``req.rst.jinja`` for requirements,
``generic.rst.jinja`` for every other type, ``page.rst.jinja`` for the head of a
new page. A stub holds every required field of its type. Where the schema has an
honest default the stub uses it (``unknown`` for a figure or a yes/no fact, ``unmapped`` for a
data item's mapping, ``draft`` for the status); where only the author can say (the devices a
requirement binds, its impact class, a citation, the text itself) it writes the placeholder
``TODO``, which validation reports at its line, with what to write, until it is replaced
(:mod:`smets_spec.corpus.placeholders`): nothing is invented, and a stub cannot be published by
mistake. The command prints the fields still to fill in.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound, TemplateSyntaxError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..corpus.diagnostics import Reporter
from ..corpus.files import write_atomic
from ..corpus.ids import clause_for_id
from ..corpus.load import Corpus, load_spec
from ..corpus.placeholders import MARKER
from ..corpus.project import Project
from ..corpus.schema import BY_DIRECTIVE, SECTION_TITLES, DataItem, Device, Need, Requirement, Section

ALIASES = {
    "requirement": "req",
    "data-item": "dataitem",
    "protocol-object": "protobj",
    "model": "refmodel",
    "test": "conftest",
}

#: Where needs of a type go when the spec has none yet (folder under spec/).
FOLDERS = {"device": "devices", "dataitem": "data", "protobj": "protocol", "req": "sections"}

#: Values a stub may honestly start with; any other required field is TODO.
HONEST_DEFAULTS = {"mapping_evidence": "unmapped"}


def next_requirement_id(corpus: Corpus, section: Section) -> str:
    """The next free id in a section, written as the section writes its ids.

    Numbers are zero-padded only where the section pads them (``PC_01``, not
    ``SP_2``); an empty section starts at ``01``.
    """
    numbers: list[str] = []
    for need_id in corpus.needs:
        match = re.fullmatch(rf"{section.value}_([0-9]+)", need_id)
        if match:
            numbers.append(match[1])
    if not numbers:
        return f"{section.value}_01"
    padded = [n for n in numbers if n.startswith("0") and len(n) > 1]
    width = max(len(n) for n in padded) if padded else 1
    return f"{section.value}_{max(int(n) for n in numbers) + 1:0{width}d}"


def next_prefixed_id(corpus: Corpus, model: type[Need], stem: str) -> str:
    base = model.prefix + re.sub(r"[^A-Z0-9]+", "_", stem.upper()).strip("_")
    candidate, n = base, 2
    while candidate in corpus.needs:
        candidate, n = f"{base}_{n}", n + 1
    return candidate


def _one_per_file(corpus: Corpus, model: type[Need]) -> bool:
    """Do needs of this type each have a page of their own (as devices do)?"""
    files = Counter(corpus.location(n.id).file for n in corpus.of_type(model))
    return len(files) > 1 and max(files.values()) == 1


def target_file(
    corpus: Corpus, project: Project, model: type[Need], section: Section | None, need_id: str = ""
) -> Path:
    """The file where needs like this one already live (or a new page beside them).

    Types whose needs each have a page of their own (devices) get a new page,
    named after ``need_id``, in the folder of the others.
    """
    if _one_per_file(corpus, model) and need_id:
        folder = project.root / Path(corpus.location(corpus.of_type(model)[0].id).file).parent
        return folder / (need_id.removeprefix(model.prefix).lower().replace("_", "-") + ".rst")
    files = Counter(
        corpus.location(n.id).file
        for n in corpus
        if isinstance(n, model) and (section is None or getattr(n, "section", None) == section)
    )
    if files:
        return project.root / files.most_common(1)[0][0]
    name = section.value.lower() if section else model.directive
    return project.spec / FOLDERS.get(model.directive, model.directive) / f"{name}.rst"


def render(project: Project, template: str, **values: Any) -> str:
    """A stub from the repository's template, rendered in Jinja's sandbox: a template is part of
    the checkout (any pull request can change it), so it may fill in values, never run code."""
    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(project.templates / "new"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    try:
        return env.get_template(template).render(**values)
    except (SecurityError, TemplateSyntaxError) as exc:
        raise ValueError(
            f"{project.rel(project.templates / 'new' / template)}: the template cannot be used ({exc}); "
            "a template fills in values and does nothing else"
        ) from exc
    except TemplateNotFound as exc:
        raise FileNotFoundError(
            f"{project.rel(project.templates / 'new' / template)}: template not found; "
            "smets new writes its stubs from templates/new/ (copy them from the SMETS repository)"
        ) from exc


def stub_fields(model: type[Need]) -> list[tuple[str, str]]:
    """The required fields of a type with their starting values."""
    out: list[tuple[str, str]] = []
    for name in model.required:
        annotation = str(model.model_fields[name].annotation)
        if name in HONEST_DEFAULTS:
            out.append((name, HONEST_DEFAULTS[name]))
        elif "'unknown'" in annotation:
            out.append((name, "unknown"))
        else:
            out.append((name, MARKER))
    return out


def _stub(args: argparse.Namespace, project: Project, corpus: Corpus, model: type[Need]) -> tuple[str, str]:
    """The id and text of the new need."""
    if model is Requirement:
        section = Section(args.section.upper())
        need_id = next_requirement_id(corpus, section)
        text = render(
            project,
            "req.rst.jinja",
            id=need_id,
            clause=clause_for_id(need_id),
            title=args.title or f"{MARKER} title",
            section=section.value,
            introduced=args.introduced,
            devices=args.devices or MARKER,
            impact=args.impact or MARKER,
        )
        return need_id, text
    need_id = next_prefixed_id(corpus, model, args.title or "NEW")
    text = render(
        project,
        "generic.rst.jinja",
        directive=model.directive,
        id=need_id,
        title=args.title or f"{MARKER} title",
        fields=stub_fields(model),
        type_title=model.title_,
    )
    return need_id, text


def _page_head(model: type[Need], section: Section | None, need_id: str, title: str) -> tuple[str, str]:
    """The heading (and page directive) of a new page."""
    if section is not None:
        return f"{section.value}: {SECTION_TITLES[section]}", f".. smets-section:: {section.value}"
    if model is Device:
        return title, f".. smets-device:: {need_id}"
    if model is DataItem:
        return "Data catalogue", ""
    return f"{model.title_}s", ""


def _check_usage(args: argparse.Namespace, model: type[Need] | None) -> str | None:
    if model is None:
        return f"unknown type '{args.type}'; use one of {', '.join(['requirement', *BY_DIRECTIVE])}"
    if model is Requirement:
        if not args.section:
            return "--section is required for a requirement (e.g. --section PC)"
        if args.section.upper() not in {s.value for s in Section}:
            return f"unknown section '{args.section}'; use one of {', '.join(s.value for s in Section)}"
    return None


def cmd_new(args: argparse.Namespace, project: Project) -> int:
    model = BY_DIRECTIVE.get(ALIASES.get(args.type, args.type))
    problem = _check_usage(args, model)
    if problem is not None or model is None:
        sys.stderr.write(f"smets new: error: {problem}\n")
        return 2
    corpus = load_spec(project.spec, relative_to=project.root)
    need_id, text = _stub(args, project, corpus, model)
    if args.print:
        sys.stdout.write(text)
        return 0
    section = Section(args.section.upper()) if model is Requirement else None
    path = target_file(corpus, project, model, section, need_id)
    if path.exists():
        existing = path.read_text(encoding="utf-8").rstrip("\n") + "\n"
    else:
        heading, directive = _page_head(model, section, need_id, args.title or need_id)
        existing = render(project, "page.rst.jinja", heading=heading, directive=directive)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, existing + text)
    sys.stdout.write(f"{project.rel(path)}: added {model.directive} {need_id}\n")
    return _report_todo(project, project.rel(path), len(existing.splitlines()))


def _report_todo(project: Project, file: str, first_line: int) -> int:
    """List what the author still has to fill in (the diagnostics inside the stub)."""
    corpus = load_spec(project.spec, relative_to=project.root)
    todo = Reporter(
        [d for d in corpus.diagnostics if d.location.file == file and (d.location.line or 0) > first_line]
    )
    if todo.diagnostics:
        sys.stdout.write(
            f"{len(todo.diagnostics)} placeholder(s) to fill in; `smets validate` reports each until it "
            "is replaced:\n"
        )
        todo.print(sys.stdout)
    return 0


def add_commands(sub: Any) -> None:
    new = sub.add_parser("new", help="add a stub need with the next free id (from templates/new)")
    new.add_argument("type", help="requirement, device, dataitem, protobj, refmodel, conftest, term, ...")
    new.add_argument("--section", help="section code for a requirement (e.g. PC)")
    new.add_argument("--title", help="title of the new need")
    new.add_argument(
        "--devices",
        help="devices a new requirement is mandatory for, e.g. DEV_ESME,DEV_GSME (default: TODO, to fill in)",
    )
    new.add_argument(
        "--impact", help="impact class of a new requirement, e.g. firmware (default: a TODO to fill in)"
    )
    new.add_argument("--introduced", default="unreleased", help="version introducing it")
    new.add_argument("--print", action="store_true", help="print the stub instead of writing it")
    new.set_defaults(handler=cmd_new)
