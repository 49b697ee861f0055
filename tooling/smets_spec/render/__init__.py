"""Pure renderers: corpus and analysis results to reStructuredText or Markdown text.

Nothing here imports Sphinx; the Sphinx directives parse the text these return.
"""
