"""Subcommands of ``smets``; each module has ``add_commands(subparsers)``.

A front end, beside :mod:`smets_spec.sphinx`: parse, call the analyses, print. May import
every floor below; :mod:`smets_spec.cli` is the only module above it.
"""
