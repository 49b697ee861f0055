"""The steps of a build, each replaced by a measuring wrapper (build_phases: CPU; build_memory: memory)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

#: module, function, the modules that imported it by name (replaced there too)
Functions = Sequence[tuple[str, str, tuple[str, ...]]]
#: module, class, methods
Methods = Sequence[tuple[str, str, tuple[str, ...]]]
#: (how a call is labelled, the original) -> the wrapper
Wrap = Callable[[Callable[..., str], Callable[..., Any]], Callable[..., Any]]


def instrument(functions: Functions, methods: Methods, wrap: Wrap) -> None:
    """Replace each function (in its module and in the modules that imported it) and each method by
    ``wrap(label, original)``; a call is labelled by the function's name, ``Class.method``, or, for
    Sphinx's ``EventManager.emit``, ``event NAME``."""
    for module_name, name, users in functions:
        module = importlib.import_module(module_name)
        wrapped = wrap(lambda *a, n=name: n, getattr(module, name))
        for user in (module_name, *users):
            setattr(importlib.import_module(user), name, wrapped)
    for module_name, class_name, names in methods:
        cls = getattr(importlib.import_module(module_name), class_name)
        for method in names:
            if method == "emit":
                label: Callable[..., str] = lambda self, event, *a: f"event {event}"  # noqa: E731
            else:
                label = lambda *a, c=class_name, m=method: f"{c}.{m}"  # noqa: E731
            setattr(cls, method, wrap(label, getattr(cls, method)))
