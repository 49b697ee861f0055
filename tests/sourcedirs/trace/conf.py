# A small linked SMETS project for the traceability tests: every kind of gap once.
project = "trace"
extensions = ["smets_spec.sphinx"]
exclude_patterns = ["_build", "**/_*"]
# The built-in conformance suite verifies the repository's requirements, not this fixture's: read results
# from this file (there is none: every requirement shows "not tested") instead of running it.
smets_conformance_results = "conformance-results.json"
