"""Each document's docutils settings without building docutils' option parser again for it.

Sphinx 9 reads each document with settings from ``_get_settings``: a new ``OptionParser`` of the
reader and the document's parser (some 90 options made, docutils' config files looked for and
read), asked for its defaults (about 0.7 ms of CPU a document, 330 documents at 10,000
requirements). With no docutils config file present (none of ``OptionParser``'s standard files, or
``DOCUTILSCONFIG``'s), a parser's defaults depend only on the components' classes (their settings
specs, defaults and overrides: class attributes) and the ``defaults`` passed in, so
:func:`quick_settings` keeps one parser per set of component classes and reuses it while the
``defaults`` hold the same values (each the same object, or an equal string, number, boolean or
None). What it returns is made as docutils makes it (``Values(parser.defaults)``), with what each
parser would have made afresh made afresh: the dependency list (docutils puts a new one in the
parser's defaults when it looks for config files) and the list of config files read (empty). A
component whose instance has its own settings attributes, a config file present, or docutils' or
Sphinx's code not the code this was written against (a digest of it), and Sphinx's function runs.
``SMETS_QUICK_SETTINGS=off`` runs it always.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sphinx.util.docutils
from docutils import frontend, utils
from sphinx.application import Sphinx

from ..corpus.cachedir import switched_off
from .sourcedigest import source_digest

SWITCH = "SMETS_QUICK_SETTINGS"
KNOWN = "a1bc0c07cfaa5c396b9b95cced6c184ef727425910c4e7870dfcf018fac3ff7c"
#: what a component may set on itself that ``OptionParser`` reads
_SPEC_ATTRIBUTES = frozenset(
    {
        "settings_spec",
        "settings_defaults",
        "settings_default_overrides",
        "relative_path_settings",
        "config_section",
        "config_section_dependencies",
    }
)
_SCALARS = (str, int, float, bool, type(None))
ORIGINAL = sphinx.util.docutils._get_settings
#: component classes -> (the defaults it was made with, the parser)
_PARSERS: dict[tuple[type, ...], tuple[dict[str, Any], frontend.OptionParser]] = {}


def code_digest() -> str:
    option_parser = frontend.OptionParser
    return source_digest(
        ORIGINAL,
        sphinx.util.docutils._parse_str_to_doctree,
        option_parser.__init__,
        option_parser.get_default_values,
        option_parser.get_standard_config_settings,
        option_parser.get_config_file_settings,
        option_parser.get_standard_config_files,
        frontend.Values.__init__,
        frontend.Values.update,
    )


@functools.cache
def same_code() -> bool:
    return code_digest() == KNOWN


def _classes(components: tuple[Any, ...]) -> tuple[type, ...] | None:
    """The components' classes, or None when one has settings attributes of its own (an instance's)."""
    classes = []
    for component in components:
        if isinstance(component, type):
            classes.append(component)
        elif component is None or _SPEC_ATTRIBUTES & set(getattr(component, "__dict__", {})):
            return None
        else:
            classes.append(type(component))
    return tuple(classes)


def _same(kept: dict[str, Any], defaults: Mapping[str, Any]) -> bool:
    """The same keys in the same order, each value the same object or an equal scalar of the same type."""
    if len(kept) != len(defaults) or list(kept) != list(defaults):
        return False
    for key, value in defaults.items():
        old = kept[key]
        if old is value:
            continue
        if type(old) is not type(value) or not isinstance(value, _SCALARS) or old != value:
            return False
    return True


def _no_config_files() -> bool:
    return not any(Path(name).exists() for name in frontend.OptionParser.get_standard_config_files())


def quick_settings(*components: Any, defaults: Mapping[str, Any], read_config_files: bool = False) -> Any:
    """Sphinx's ``_get_settings``, from a kept parser where that gives the same (see the module's doc)."""
    classes = _classes(components)
    if (
        classes is None
        or not read_config_files
        or switched_off(SWITCH)
        or not same_code()
        or not _no_config_files()
    ):
        return ORIGINAL(*components, defaults=defaults, read_config_files=read_config_files)
    kept = _PARSERS.get(classes)
    if kept is None or not _same(kept[0], defaults):
        with warnings.catch_warnings(action="ignore", category=DeprecationWarning):
            parser = frontend.OptionParser(components=components, defaults=defaults, read_config_files=True)
        if parser.config_files or parser.defaults.get("_disable_config"):
            return ORIGINAL(*components, defaults=defaults, read_config_files=read_config_files)
        kept = (dict(defaults), parser)
        _PARSERS[classes] = kept
    parser = kept[1]
    with warnings.catch_warnings(action="ignore", category=DeprecationWarning):
        values = frontend.Values(parser.defaults)
    values.record_dependencies = utils.DependencyList()
    values._config_files = []
    return values


def register(app: Sphinx) -> None:
    """Sphinx's module calls ``_get_settings`` by its global name: give it :func:`quick_settings`."""
    vars(sphinx.util.docutils)["_get_settings"] = quick_settings
