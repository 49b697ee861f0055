"""smets_spec: the GB SMETS as typed sphinx-needs items, and the tools around it."""

__version__ = "0.1.0"
