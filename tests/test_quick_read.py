"""The need documents' read, made cheaper, gives what it gave: docutils settings from a kept parser
(:mod:`smets_spec.sphinx.quicksettings`, ``SMETS_QUICK_SETTINGS``), the document's path kept while a
placeholder registers its need (:mod:`smets_spec.sphinx.cachedneeds`, ``SMETS_NEED_PATHS``), and no
unread info message for each
unreferenced target (:mod:`smets_spec.sphinx.quicktargets`, ``SMETS_QUICK_TARGETS``), sphinx-needs'
conversion of titles and link lists without its character-by-character reader
(:mod:`smets_spec.sphinx.needs_quickconvert`, ``SMETS_QUICK_CONVERT``), the cards' keys and
option checks made cheaper (:mod:`smets_spec.sphinx.rendercache`, ``SMETS_QUICK_CARD_KEYS``), and
``env.app`` without Sphinx's deprecation warning during the read (:mod:`smets_spec.sphinx.quickapp`,
``SMETS_QUICK_ENV_APP``).

Each is compared with the path it replaces: the settings value by value (the same objects), and a
warm build of seeded random
requirements (every card from the render cache) page by page, needs.json, search index, warnings
and doctrees (all but the unread messages), against the same build with them all switched off.
"""

from __future__ import annotations

import os
import pickle
import random
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest
from docutils import frontend, utils
from docutils.readers import standalone
from sphinx.parsers import RSTParser

from clitools import build_argv, sourcedir
from sitecompare import differences
from smets_spec.sphinx import quickapp, quicksettings, quicktargets

SWITCHES = ("SMETS_QUICK_SETTINGS", "SMETS_NEED_PATHS", "SMETS_QUICK_TARGETS", "SMETS_QUICK_CONVERT")
SWITCHES += ("SMETS_QUICK_CARD_KEYS", "SMETS_QUICK_ENV_APP")


def test_the_installed_docutils_and_sphinx_are_the_code_known() -> None:
    assert quicksettings.same_code(), "docutils' option parser or Sphinx's _get_settings changed: check KNOWN"
    assert quicktargets.same_code(), "docutils' or Sphinx's DanglingReferences changed: check KNOWN"
    assert quickapp.same_code(), "Sphinx's BuildEnvironment.app changed: check KNOWN"


def _fields(values: Any) -> list[tuple[str, Any]]:
    return list(vars(values).items())


def _settings(defaults: dict[str, Any]) -> tuple[Any, Any]:
    parser = RSTParser()
    quick = quicksettings.quick_settings(standalone.Reader, parser, defaults=defaults, read_config_files=True)
    plain = quicksettings.ORIGINAL(standalone.Reader, parser, defaults=defaults, read_config_files=True)
    return quick, plain


def _assert_same(quick: Any, plain: Any) -> None:
    assert type(quick) is type(plain)
    assert [k for k, _ in _fields(quick)] == [k for k, _ in _fields(plain)]
    for (key, mine), (_, theirs) in zip(_fields(quick), _fields(plain), strict=True):
        if key == "record_dependencies":
            assert isinstance(mine, utils.DependencyList) and mine is not theirs
            assert (mine.file, mine.list) == (theirs.file, theirs.list)
        elif key == "_config_files":
            assert mine == theirs == [] and mine is not theirs
        elif isinstance(theirs, (str, int, float, bool, type(None))):
            assert mine == theirs and type(mine) is type(theirs), key
        else:
            assert mine is theirs, key


def test_the_settings_are_docutils_own(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(quicksettings.SWITCH, raising=False)
    monkeypatch.delenv("DOCUTILSCONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    marker = object()
    locales = ["de:«»‹›"]
    defaults = {"traceback": True, "env": marker, "input_encoding": "utf-8", "smartquotes_locales": locales}
    for _ in range(3):  # made, then kept
        quick, plain = _settings(defaults)
        _assert_same(quick, plain)
    assert quick is not _settings(defaults)[0]  # a new object each time
    changed = dict(defaults, input_encoding="latin-1", tab_width=4)
    _assert_same(*_settings(changed))
    _assert_same(*_settings(dict(defaults, smartquotes_locales=list(locales))))  # an equal, other list
    # a config file is read as docutils reads it, and the kept parser not used
    (tmp_path / "docutils.conf").write_text("[general]\ntab_width: 3\n", encoding="utf-8")
    quick, plain = _settings(defaults)
    assert quick.tab_width == plain.tab_width == 3 and quick._config_files == plain._config_files != []
    monkeypatch.setenv(quicksettings.SWITCH, "off")
    (tmp_path / "docutils.conf").unlink()
    quick, plain = _settings(defaults)
    assert quick.record_dependencies is not plain.record_dependencies
    assert isinstance(quick, frontend.Values)


def _requirements(rng: random.Random) -> str:
    out = ["Random requirements\n===================\n"]
    for i in range(60):
        text = rng.choice(("It records.", "It *shall* record ``x``.", "It says 'so'.", "See :need:`PC_101`."))
        out.append(
            f".. req:: Random requirement {i}\n   :id: PC_{100 + i}\n   :status: proposed\n"
            f"   :section: PC\n   :impact: firmware\n   :mandatory_for: DEV_ESME\n\n"
            f"   The meter {i}. {text}\n"
        )
        if i % 7 == 0:
            out.append(f"Part {i}\n--------\n\nSome prose between needs.\n")
    return "\n".join(out)


def _build(root: Path, out: Path, cache: Path, **switches: str) -> str:
    env = dict(os.environ, SMETS_CACHE_DIR=str(cache), **switches)
    done = subprocess.run(
        [*build_argv(root, out, "-j", "1"), "--fresh"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr.replace(str(out), "OUT")


def _doctrees(out: Path) -> tuple[dict[str, Any], int]:
    """Each doctree as text with its settings' names; the unread "not referenced" messages."""
    found, unread = {}, 0
    for path in sorted((out / ".doctrees").rglob("*.doctree")):
        doctree = pickle.loads(path.read_bytes())  # this test's own build wrote it
        messages = [m.astext() for m in doctree.transform_messages]
        unread += sum("is not referenced" in m for m in messages)
        kept = [m for m in messages if "is not referenced" not in m]
        found[path.relative_to(out).as_posix()] = (doctree.pformat(), sorted(vars(doctree.settings)), kept)
    return found, unread


#: a page with tabs: one in a need's text (its directive is left to docutils, its card drawn), one
#: in prose between needs (its other needs are cached)
_TABBED = "Tabbed\n======\n\nProse\twith a tab.\n\n" + "".join(
    f".. req:: Tabbed requirement {i}\n   :id: PC_{200 + i}\n   :status: proposed\n"
    f"   :section: PC\n   :impact: firmware\n   :mandatory_for: DEV_ESME\n\n"
    f"   The meter {i}{chr(9) + 'tabbed' if i == 1 else ''}.\n\n"
    for i in range(3)
)


def test_a_warm_build_is_the_build_with_the_quick_reads_off(tmp_path: Path) -> None:
    root = sourcedir(tmp_path, "mini")
    (root / "spec" / "random.rst").write_text(_requirements(random.Random(7)), encoding="utf-8")
    (root / "spec" / "tabbed.rst").write_text(_TABBED, encoding="utf-8")
    cache = tmp_path / "cache"
    _build(root, tmp_path / "cold", cache)
    warned = _build(root, tmp_path / "quick", cache)
    theirs = _build(root, tmp_path / "plain", cache, **dict.fromkeys(SWITCHES, "off"))
    assert theirs == warned
    assert differences(tmp_path / "plain", tmp_path / "quick") == []
    (mine, none), (plain, unread) = _doctrees(tmp_path / "quick"), _doctrees(tmp_path / "plain")
    assert plain == mine and none == 0 and unread >= 60
    assert mine[".doctrees/random.doctree"][0].count("<CachedCard") == 60  # every card from the cache
    tabbed = mine[".doctrees/tabbed.doctree"][0]
    assert tabbed.count("<CachedCard") == 2 and tabbed.count("<SmetsCard") == 1  # the need with a tab drawn
    page = (tmp_path / "quick" / "random.html").read_text(encoding="utf-8")
    assert "PC_159" in page


def test_env_app_is_quick_only_in_the_read_and_when_its_warning_is_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sphinx.environment import BuildEnvironment

    monkeypatch.delenv(quickapp.SWITCH, raising=False)
    marker = object()
    env = BuildEnvironment.__new__(BuildEnvironment)
    vars(env)["_app"] = marker
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PendingDeprecationWarning)  # Python's default
            assert quickapp.ignored()
            quickapp._quick(Any, env, [])  # type: ignore[arg-type]
            assert BuildEnvironment.__dict__["app"] is not quickapp.ORIGINAL
            assert env.app is marker
            quickapp.restore()
            assert BuildEnvironment.__dict__["app"] is quickapp.ORIGINAL
            monkeypatch.setenv(quickapp.SWITCH, "off")
            quickapp._quick(Any, env, [])  # type: ignore[arg-type]
            assert BuildEnvironment.__dict__["app"] is quickapp.ORIGINAL
            monkeypatch.delenv(quickapp.SWITCH)
            warnings.filterwarnings("always", module="sphinx_needs")  # a condition on the caller
            assert not quickapp.ignored()
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")  # python -W always: every warning shown, Sphinx's property
            assert not quickapp.ignored()
            quickapp._quick(Any, env, [])  # type: ignore[arg-type]
            assert BuildEnvironment.__dict__["app"] is quickapp.ORIGINAL
            assert env.app is marker
        assert [w.category.__name__ for w in seen] == ["RemovedInSphinx11Warning"]
    finally:
        quickapp.restore()
