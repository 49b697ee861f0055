"""The one set of command-line conventions every ``smets`` subcommand follows (see docs/cli.md).

A new command calls these helpers, one line each, instead of spelling its own options:

* :func:`add_format_option`: ``--format {text,json,markdown}`` (the formats it has), with
  ``--json`` (and ``--markdown`` where it exists) as aliases; handlers read ``args.format``.
* :func:`add_input_option`: ``--from SOURCE``, a spec folder or a needs.json; ``args.source``.
* :func:`add_out_option`: ``--out FILE``, always a file; :func:`add_out_dir_option`:
  ``--out-dir DIR`` for the few commands that write a folder.
* :func:`deprecated_alias`: an old spelling that still works and says on stderr what replaces it.
* :func:`progress`: a progress bar on a terminal (rich), nothing otherwise.

``tests/test_cli_convention.py`` walks every subcommand's parser and fails on a command that
spells an option another way.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

FORMATS: tuple[str, ...] = ("text", "json", "markdown")
#: exit statuses, as docs/cli.md documents them
OK, FINDINGS, CANNOT_RUN = 0, 1, 2

T = TypeVar("T")


class DeprecatedAlias(argparse.Action):
    """An old option spelling: works as ``replacement`` does, and says so once on stderr."""

    def __init__(self, *args: Any, replacement: str, value: Any = None, **kwargs: Any) -> None:
        self.replacement = replacement
        self.value = value
        if value is not None:
            kwargs["nargs"] = 0
        kwargs.setdefault("help", argparse.SUPPRESS)
        super().__init__(*args, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        command = parser.prog.removeprefix("smets ").strip() or "smets"
        sys.stderr.write(
            f"smets {command}: {option_string} is deprecated; use {self.replacement} (it still works)\n"
        )
        setattr(namespace, self.dest, self.value if self.value is not None else values)


def deprecated_alias(
    parser: argparse.ArgumentParser, option: str, dest: str, replacement: str, value: Any = None
) -> None:
    """Keep ``option`` (hidden from --help) as an old spelling of ``replacement``.

    ``value`` is the constant a flag stands for (``--json`` is ``--format json``); without it the
    alias takes one value like its replacement.
    """
    parser.add_argument(option, dest=dest, action=DeprecatedAlias, replacement=replacement, value=value)


def add_format_option(
    parser: argparse.ArgumentParser, formats: Sequence[str] = FORMATS, default: str | None = None
) -> None:
    """``--format`` with the formats the command has; ``--json`` / ``--markdown`` as its aliases."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown output format(s) {sorted(unknown)}; the convention has {FORMATS}")
    chosen = default or formats[0]
    parser.add_argument(
        "--format",
        choices=tuple(formats),
        default=chosen,
        help=f"output format (default: {chosen})",
    )
    for name in ("json", "markdown"):
        if name in formats:
            parser.add_argument(
                f"--{name}", dest="format", action="store_const", const=name, help=f"same as --format {name}"
            )


def add_input_option(parser: argparse.ArgumentParser, what: str = "spec folder or needs.json") -> None:
    """``--from SOURCE``: the spec (default: spec/ of the repository) or a needs.json."""
    parser.add_argument("--from", dest="source", metavar="SOURCE", help=f"{what} to read (default: spec/)")


def add_out_option(
    parser: argparse.ArgumentParser, what: str = "the output", default: str | None = None, **kwargs: Any
) -> None:
    """``--out FILE``: always a file (a folder is ``--out-dir``)."""
    where = f"default: {default}" if default else "default: standard output"
    parser.add_argument("--out", metavar="FILE", help=f"write {what} to this file ({where})", **kwargs)


def add_out_dir_option(parser: argparse.ArgumentParser, what: str, default: str) -> None:
    """``--out-dir DIR`` for a command that writes a folder; ``--out`` kept as its deprecated spelling."""
    parser.add_argument(
        "--out-dir", dest="out_dir", metavar="DIR", help=f"folder for {what} (default: {default})"
    )
    deprecated_alias(parser, "--out", "out_dir", "--out-dir")


def progress(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Yield ``items``, drawing a progress bar on stderr when it is a terminal (never in a pipe or CI)."""
    if not sys.stderr.isatty():
        yield from items
        return
    from rich.progress import track

    yield from track(items, description=description, total=total, transient=True, console=_console())


def status(message: str) -> Any:
    """A context manager showing a spinner with ``message`` on a terminal; a no-op otherwise."""
    import contextlib

    if not sys.stderr.isatty():
        return contextlib.nullcontext()
    return _console().status(message)


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=True)
