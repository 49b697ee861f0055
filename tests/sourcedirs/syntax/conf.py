# Sphinx behaviour tests: dotted ids in links and roles, and reST layouts the fast reader must read as
# sphinx-needs does (wrapped titles and options, tabs, nesting, examples in literal text).
project = "syntax"
extensions = ["smets_spec.sphinx"]
exclude_patterns = ["_build", "**/_*"]
