# A small linked SMETS project for the traceability tests: every kind of gap once.
project = "trace"
extensions = ["smets_spec.sphinx"]
exclude_patterns = ["_build", "**/_*"]
