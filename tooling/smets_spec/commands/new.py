"""``smets new TYPE``: write a stub need with the next free id, from a template."""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..corpus import Corpus, load_spec
from ..project import Project
from ..schema import BY_DIRECTIVE, Device, Need, Requirement, Section

ALIASES = {"requirement": "req", "data-item": "dataitem", "protocol-object": "protobj",
           "model": "refmodel", "test": "conftest"}


def next_requirement_id(corpus: Corpus, section: Section) -> str:
    """The next free id in a section, with the width its ids already use."""
    numbers: list[int] = []
    width = 2
    for need_id in corpus.needs:
        match = re.fullmatch(rf"{section.value}\.([0-9]+)", need_id)
        if match:
            numbers.append(int(match[1]))
            width = max(width, len(match[1]))
    return f"{section.value}.{(max(numbers) + 1 if numbers else 1):0{width}d}"


def next_prefixed_id(corpus: Corpus, model: type[Need], stem: str) -> str:
    base = model.prefix + re.sub(r"[^A-Z0-9]+", "_", stem.upper()).strip("_")
    candidate, n = base, 2
    while candidate in corpus.needs:
        candidate, n = f"{base}_{n}", n + 1
    return candidate


def target_file(corpus: Corpus, project: Project, model: type[Need], section: Section | None) -> Path:
    """The file where needs like this one already live (or a new one)."""
    files = Counter(
        corpus.location(n.id).file
        for n in corpus
        if isinstance(n, model) and (section is None or getattr(n, "section", None) == section)
    )
    if files:
        return project.root / files.most_common(1)[0][0]
    name = section.value.lower() if section else model.directive
    return project.spec / ("sections" if section else "new") / f"{name}.rst"


def render(project: Project, template: str, **values: Any) -> str:
    env = Environment(loader=FileSystemLoader(project.templates / "new"), undefined=StrictUndefined,
                      keep_trailing_newline=True, autoescape=False)
    return env.get_template(template).render(**values)


def cmd_new(args: argparse.Namespace, project: Project) -> int:
    directive = ALIASES.get(args.type, args.type)
    model = BY_DIRECTIVE.get(directive)
    if model is None:
        sys.stderr.write(f"smets new: unknown type '{args.type}'; use one of {', '.join(BY_DIRECTIVE)}\n")
        return 2
    corpus = load_spec(project.spec, relative_to=project.root)
    section = None
    if model is Requirement:
        if not args.section:
            sys.stderr.write("smets new requirement: --section is required (e.g. --section PC)\n")
            return 2
        try:
            section = Section(args.section.upper())
        except ValueError:
            sys.stderr.write(f"smets new: unknown section '{args.section}'; use one of "
                             f"{', '.join(s.value for s in Section)}\n")
            return 2
        need_id = next_requirement_id(corpus, section)
        devices = ", ".join(d.id for d in corpus.of_type(Device)[:1]) or "DEV_ESME"
        text = render(project, "req.rst.jinja", id=need_id, title=args.title or "New requirement",
                      section=section.value, introduced=args.introduced, devices=devices)
    else:
        title = args.title or f"New {model.title_.lower()}"
        need_id = next_prefixed_id(corpus, model, args.title or "NEW")
        text = render(project, "generic.rst.jinja", directive=model.directive, id=need_id, title=title,
                      required=model.required, type_title=model.title_)
    if args.print:
        sys.stdout.write(text)
        return 0
    path = target_file(corpus, project, model, section)
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text(encoding="utf-8") if path.exists() else f"{model.title_}s\n{'=' * 20}\n"
    path.write_text(existing.rstrip("\n") + "\n" + text, encoding="utf-8")
    sys.stdout.write(f"{project.rel(path)}: added {model.directive} {need_id}\n")
    return 0


def add_commands(sub: Any) -> None:
    new = sub.add_parser("new", help="add a stub need with the next free id (from templates/new)")
    new.add_argument("type", help="requirement, device, dataitem, protobj, refmodel, conftest, term, ...")
    new.add_argument("--section", help="section code for a requirement (e.g. PC)")
    new.add_argument("--title", help="title of the new need")
    new.add_argument("--introduced", default="unreleased", help="version introducing it")
    new.add_argument("--print", action="store_true", help="print the stub instead of writing it")
    new.set_defaults(handler=cmd_new)
