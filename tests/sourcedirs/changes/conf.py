# A small SMETS project for the change-control tests: the same extension as the repository.
project = "changes"
extensions = ["smets_spec.sphinx"]
exclude_patterns = ["_build", "**/_*"]
