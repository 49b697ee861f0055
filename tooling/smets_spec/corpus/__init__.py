"""The bottom floor: the schema (the one source of truth for need types, fields and links),
the readers of ``spec/`` and needs.json, validation, diagnostics with file and line, and
where a project's parts are. Imports nothing from the rest of the package.
"""
