"""Loads the conformance plugin when the suite is run with plain ``pytest``."""

pytest_plugins = ("smets_spec.conformance.plugin",)
