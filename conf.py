# Configuration of the published SMETS site. Plain data only: the need types,
# fields and links come from tooling/smets_spec/corpus/schema.py via the extension.
project = "GB Smart Metering Equipment Technical Specification"
author = "SMETS spec-as-code contributors"
copyright = "SMETS spec-as-code contributors"
extensions = ["smets_spec.sphinx"]
html_theme = "furo"
html_title = "SMETS specification"
templates_path = ["templates/sphinx"]
exclude_patterns = ["_build", "**/_*"]
