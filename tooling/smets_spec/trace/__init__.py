"""The link graph and what is read off it: chains, degree matrices, coverage, gaps against
the repository's policy. Imports only :mod:`smets_spec.corpus`.
"""
