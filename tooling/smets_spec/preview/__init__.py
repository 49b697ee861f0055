"""``smets serve``: the live preview. A watcher rebuilds the site when a source changes and a
small local web server shows it, reloading the open page after each build and showing
validation errors in it. A front end beside :mod:`smets_spec.sphinx` and
:mod:`smets_spec.commands`; may import every floor below.
"""
