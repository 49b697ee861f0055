"""Change control: git revisions and the per-revision index, the diff of two corpora,
editorial or normative, impact downstream, cost, suspect links, the changelog and the
pull-request review. Imports the floors below (corpus, trace, and the analyses it reports
on, such as duplicates); never render, sphinx or commands.
"""
