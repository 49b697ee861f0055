# A small SMETS project for tests: the same extension as the repository, no theme.
project = "mini"
extensions = ["smets_spec.sphinx"]
exclude_patterns = ["_build", "**/_*"]
