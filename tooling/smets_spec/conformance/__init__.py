"""Conformance: the pytest suite that verifies a device against the spec, its plugin, the
results file and the requirement status shown on the site; and the DLMS/COSEM side (golden
unit, ``dlms+tcp://`` target, data-object checks), which drives the GPL wire front end only as
a child process (``frontend.py``), never by import. Imports corpus, markup and reference (the
models it runs against); never change, render, sphinx or commands.
"""

#: The device under test when none is given: the reference models.
DEFAULT_TARGET = "smets_spec.reference:target"
