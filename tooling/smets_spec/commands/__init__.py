"""Subcommands of ``smets``; each module has ``add_commands(subparsers)``."""
