"""Duplicate, overlap, parallel-variant, conflict and terminology findings over any corpus,
the reviewers' suppression file and the duplicates page. Imports corpus and markup only.
"""
