"""Consultations answered in Excel: export the workbook, import the responses, show them.

* :mod:`.export` writes the workbook a respondent fills in;
* :mod:`.importer` reads a returned workbook (checks in :mod:`.filecheck`,
  cells in :mod:`.reader`, rows in :mod:`.importrows`) into responses;
* :mod:`.store` writes them as ``ccomment`` needs, one reST file per respondent,
  with free text kept exactly by :mod:`.textcodec`;
* :mod:`.summary` consolidates them; :mod:`.render` shows them in the site.

Imports corpus and markup only.
"""
