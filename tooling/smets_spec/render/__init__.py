"""Pages and reports of the corpus, traceability and change control, as HTML, reST or
Markdown text (the site's computed pages, requirement pages, the review comment). Imports
every analysis floor and markup; nothing here imports Sphinx.
"""
