"""Exchange with other requirements tools: ReqIF (OMG ReqIF 1.2) export and import.

Export turns the corpus into a ReqIF document (typed attributes, typed SpecRelations); import
turns a ReqIF document into spec sources through a user-editable mapping. Floor 2: imports
``corpus/`` (and the ``reqif`` and ``lxml`` libraries), never Sphinx.
"""
