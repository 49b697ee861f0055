"""Building blocks of rendered output: HTML and reST escaping, links, tables, headings, SVG
charts and the registry of requirement-page panels. No analysis; imports only
:mod:`smets_spec.corpus`.
"""
