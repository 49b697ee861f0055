"""Consultations answered in Excel: export the workbook, import the responses, show them.

* :mod:`.export` writes the workbook a respondent fills in;
* :mod:`.importer` reads a returned workbook (file checks in :mod:`.filecheck`, XML parts and
  cells in :mod:`.parts` and :mod:`.reader`, rows in :mod:`.importrows`, the spec at the export
  revision from git in :mod:`.baseline`) into responses;
* :mod:`.store` writes them as ``ccomment`` needs, one reST file per respondent,
  with free text kept exactly by :mod:`.textcodec`; :mod:`.outpath` guards ``--out``;
* :mod:`.summary` consolidates them; :mod:`.render` shows them in the site.

Imports corpus and markup only.
"""
