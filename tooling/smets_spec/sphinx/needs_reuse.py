"""What sphinx-needs' link check and field schema check said about each need last build, so an
incremental build checks again only the needs whose result can have changed.

sphinx-needs keeps its needs unprocessed in Sphinx's saved environment and post-processes and
checks every one of them at every build. A need's link-check warnings follow from its own links
and flags and from the type, existence and parts of the needs it links to; its field schema
findings from its own fields once post-processed (its links sorted, its dead-link flags) and the
schema. A need of a document this build did not read is, in the environment, the need the last
build checked. So, when the last build's record (``.doctrees/smets-needs-post.json``) is the one
of this environment (a token Sphinx pickles with it, renewed whenever a document is read or
removed) and of the same sphinx-needs and configuration:

* the *changed* needs are those of the documents read or removed, and the ids added or gone;
* the link check runs (sphinx-needs' own, need by need) on the changed needs, on the needs
  linking to one of them, on those whose dead links are not the ones recorded, and on those it
  had something to say about last time; any other need had nothing to say and still has not.
  Of the needs linking to a changed need, only those linking to one whose type or parts are
  not what its purged version had are checked again (:func:`link_check_set`);
* the field schema check runs on the changed needs, on those whose dead links changed (their
  flags are fields), and on those it found something in last time.

Anything this cannot vouch for checks every need, as before: no record or another one, dynamic
functions, derived fields, ``needextend``, imported or external needs, a need without a document,
type schemas, the schema's debug files, back links the schema validates, or a listener of
sphinx-needs' post-processing events that is not ours. ``SMETS_NEEDS_REUSE=off`` checks every need
too (with our passes); ``SMETS_NEEDS_POST=off`` leaves sphinx-needs' own passes and keeps no record.
``tests/test_needs_reuse.py`` compares incremental builds after seeded random edits with full
builds, warning by warning, with needs.json and ``schema_violations.json``.
"""

from __future__ import annotations

import gc
import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from .. import __version__
from ..corpus.cachedir import switched_off
from ..corpus.files import read_regular, write_atomic
from . import needs_release

RECORD = "smets-needs-post.json"
#: the largest record read back (a few MB at 10,000 requirements; anything larger is no record)
_LARGEST = 1 << 30
FORMAT = 1
#: the attribute of Sphinx's environment (pickled with it) naming the needs it holds
TOKEN = "smets_needs_token"


@dataclass
class Plan:
    """One build's post-processing: what the last build recorded, what changed, what is found."""

    needs: Any
    #: None: check every need (no usable record)
    changed: set[str] | None
    #: the type and parts of the purged documents' needs as the last build had them
    #: (:func:`_purging`; None: every need linking to a changed need is checked again)
    old_facts: dict[str, tuple[str, frozenset[str]]] | None = None
    old_checked: set[str] = field(default_factory=set)
    old_warned: set[str] = field(default_factory=set)
    old_dead: dict[str, list[str]] = field(default_factory=dict)
    #: filled by this build's passes
    dead: dict[str, list[str]] = field(default_factory=dict)
    #: whether this build's back-link pass filled :attr:`dead` (:mod:`.backlinks`)
    dead_found: bool = False
    checked: list[str] = field(default_factory=list)
    warned: list[str] = field(default_factory=list)
    validated: bool = False


@dataclass
class _Build:
    """What the read of this build touched (main process)."""

    docs: set[str] = field(default_factory=set)
    token: str | None = None
    record: dict[str, Any] | None = None
    #: the token of the environment as loaded (the needs the last build post-processed)
    old_token: str | None = None
    #: the links of the purged documents' needs before they were purged (:func:`_links_of`)
    old_links: Counter[tuple[str, str, str | None, str]] = field(default_factory=Counter)
    #: the purged documents' needs, by document (made at the first purge)
    by_doc: dict[str, list[Any]] | None = None
    #: the type and parts of each purged need (:func:`facts`)
    old_facts: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Unchanged:
    """For needs.json (:mod:`.needs_splice`): the needs the last build post-processed from the
    environment of token ``old_token`` are, after this build's post-processing, as they were but
    for those of ``suspects`` (None: any may differ); this build's needs are of ``token``."""

    old_token: str | None
    token: str
    suspects: frozenset[str] | None


#: what :func:`write_record` found for needs.json, by application (taken by :func:`unchanged_for`)
_UNCHANGED: dict[int, Unchanged] = {}


_BUILD: dict[int, _Build] = {}
#: whether :func:`_pause_collector` paused the collector
_PAUSED: list[bool] = []
#: the plan of the needs being post-processed (one build at a time in a process)
CURRENT: list[Plan] = []


def current(needs: Any) -> Plan | None:
    """This build's plan, if it is about these needs."""
    return CURRENT[0] if CURRENT and CURRENT[0].needs is needs else None


def _key(app: Sphinx) -> str:
    """sphinx-needs' release, this module's version, and every ``needs_*`` setting."""
    import sphinx_needs

    settings = {
        name: repr(app.config[name]) for name in sorted(app.config.values) if name.startswith("needs_")
    }
    text = json.dumps([sphinx_needs.__version__, __version__, FORMAT, settings], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _started(app: Sphinx) -> None:
    """``builder-inited``: a new build's record of what it reads (none left from an earlier
    application of this process that stopped before ``write-started``)."""
    _BUILD[id(app)] = _Build()


def _touched(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _BUILD.setdefault(id(app), _Build()).docs.add(docname)


def _purging(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    """``env-purge-doc``, before sphinx-needs removes the document's needs: what they link to (the
    needs whose back links can change when these needs change or go; :func:`unchanged_for`)."""
    from sphinx_needs.data import SphinxNeedsData

    build = _BUILD.setdefault(id(app), _Build())
    if build.by_doc is None:
        build.by_doc = {}
        try:
            needs: Any = SphinxNeedsData(env).get_needs_mutable()
        except RuntimeError:  # (post-processed already: no read of this build purges then)
            needs = {}
        for need in needs.values():
            build.by_doc.setdefault(str(need._source.dict_repr.get("docname")), []).append(need)
    for need in build.by_doc.pop(docname, ()):
        build.old_links.update(_links_of(need))
        build.old_facts[need._core["id"]] = facts(need)


def facts(need: Any) -> tuple[str, frozenset[str]]:
    """What the link check of a need linking to ``need`` reads of it, besides its existence
    (:func:`.needs_post._quiet`: its type, and which parts it has)."""
    return need._core["type"], frozenset(need._parts)


def _links_of(need: Any) -> Iterator[tuple[str, str, str | None, str]]:
    """Each link of ``need`` as what it adds to its target's back links: (target, link type, part,
    source). A need's back links are a function of these, from every need linking to it."""
    source = need._core["id"]
    for link_type, links in need._links.items():
        for link in links:
            yield link.id, link_type, link.part, source


def _before_read(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    _BUILD.setdefault(id(app), _Build()).docs.update(docnames)


def _record_path(app: Sphinx) -> Path:
    return Path(app.doctreedir) / RECORD


def _file_token(app: Sphinx) -> str | None:
    """The saved environment's file as it is now (before this build pickles it, if it does)."""
    try:
        stat = (Path(app.doctreedir) / "environment.pickle").stat()
    except OSError:
        return None
    return f"file:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}"


def _after_read(app: Sphinx, env: BuildEnvironment) -> None:
    """The token of the needs this environment holds: a new one, pickled with it, if a document
    was read or removed; else the one it was saved with (or, saved without one, its file's);
    the last build's record, if it has this token."""
    build = _BUILD.setdefault(id(app), _Build())
    build.record = None
    build.by_doc = None
    old = build.old_token = getattr(env, TOKEN, None) or _file_token(app)
    if build.docs:
        setattr(env, TOKEN, uuid.uuid4().hex)
    build.token = getattr(env, TOKEN, None) or old
    raw = read_regular(_record_path(app), _LARGEST)
    try:
        record = json.loads(raw) if raw is not None else None
    except ValueError:
        return
    if (
        isinstance(record, dict)
        and record.get("format") == FORMAT
        and old is not None
        and record.get("token") == old
        and record.get("key") == _key(app)
        and _well_formed(record)
    ):
        build.record = record


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _well_formed(record: dict[str, Any]) -> bool:
    """The shape :func:`write_record` writes (any other record is not used)."""
    dead = record.get("dead")
    return (
        all(_strings(record.get(name)) for name in ("ids", "checked", "warned"))
        and isinstance(dead, dict)
        and all(isinstance(key, str) and _strings(value) for key, value in dead.items())
    )


def _usable(app: Sphinx, needs: Any) -> bool:
    """Whether nothing this module cannot vouch for is in play."""
    from sphinx_needs.config import NeedsSphinxConfig
    from sphinx_needs.data import SphinxNeedsData

    data = SphinxNeedsData(app.env)
    config = NeedsSphinxConfig(app.config)
    if data.get_or_create_extends() or data.get_resolved_schemas() or config.schema_debug_active:
        return False
    schema = data.get_schema()
    if any(f.derived for f in (*schema.iter_extra_fields(), *schema.iter_link_fields())):
        return False
    ours = {"smets_spec.sphinx.eventlog", __name__}
    for event in ("needs-before-post-processing", "needs-before-sealing"):
        for listener in app.events.listeners.get(event, []):
            if getattr(listener.handler, "__module__", None) not in ours:
                return False
    for need in needs.values():
        source = need._source.dict_repr
        if need._dynamic_fields or need._modifications or not source.get("docname"):
            return False
        if source.get("is_external", True) or source.get("is_import", True):
            return False
    return True


def _plan(app: Sphinx, needs: Any) -> Plan:
    build = _BUILD.get(id(app)) or _Build()
    record = build.record
    if record is None or switched_off("SMETS_NEEDS_REUSE") or not _usable(app, needs):
        return Plan(needs=needs, changed=None)
    old_ids = record["ids"]
    docs = build.docs
    changed = {key for key, need in needs.items() if need._source.dict_repr["docname"] in docs}
    old = set(old_ids)
    changed.update(old.symmetric_difference(needs))
    return Plan(
        needs=needs,
        changed=changed,
        old_facts=None if switched_off(LINK_FACTS) else build.old_facts,
        old_checked=set(record["checked"]),
        old_warned=set(record["warned"]),
        old_dead={key: list(value) for key, value in record["dead"].items()},
    )


def before_post_processing(app: Sphinx, needs: Any) -> None:
    """``needs-before-post-processing``: this build's plan (sphinx-needs passes its needs)."""
    CURRENT[:] = [_plan(app, needs)]


#: ``SMETS_LINK_FACTS=off``: every need linking to a changed need is checked again
LINK_FACTS = "SMETS_LINK_FACTS"


def link_check_set(plan: Plan) -> set[str] | None:
    """The needs the link check must see: None for every need.

    A need that linked to a changed need is checked again when that need's type or parts
    differ from its purged version's (or it has none: an added need), as
    :attr:`Plan.old_facts` holds them. Otherwise what the check of the linking need reads of it
    is the same: a need the check had nothing to say about (:func:`.needs_post._quiet`: no
    condition, its dead links the same, its live links to accepted types) still has nothing to
    say, and one it spoke about is checked again anyway (:attr:`Plan.old_checked`). A need gone
    or added changes the dead links of the needs linking to it (:func:`_dead_changed`)."""
    if plan.changed is None:
        return None
    selected = set(plan.changed) | plan.old_checked
    needs = plan.needs
    old_facts = plan.old_facts
    for key in plan.changed:
        need = needs.get(key)
        if need is not None and (old_facts is None or old_facts.get(key) != facts(need)):
            for entries in need._backlinks.values():
                selected.update(link.id for link in entries)
    selected.update(_dead_changed(plan))
    return selected


def _dead_changed(plan: Plan) -> set[str]:
    old, new = plan.old_dead, plan.dead
    return {key for key in old.keys() | new.keys() if old.get(key) != new.get(key)}


def validation_set(plan: Plan, properties: Any, needs: Any) -> set[str] | None:
    """The needs the field schema check must see: None for every need (also when the schema
    validates back links, which a change elsewhere changes)."""
    if plan.changed is None or needs is not plan.needs:
        return None
    sample = next(iter(needs.values()), None)
    if sample is not None and any(key in properties for key in sample._backlinks_keymap):
        return None
    return set(plan.changed) | plan.old_warned | _dead_changed(plan)


def _pause_collector(app: Sphinx, builder: Any) -> None:
    """``write-started``, before sphinx-needs' post-processing and checks: the cyclic collector
    paused while they make a few hundred thousand short-lived lists and dicts (at 2,000
    requirements it took a third of their time); :func:`_resume_after_freeze` resumes it
    (``SMETS_LATE_RESUME=off``: :func:`write_record`). Nothing they make lives in a reference
    cycle that is not freed when the collector runs again."""
    if gc.isenabled():
        gc.disable()
        _PAUSED.append(True)


def _resume_collector() -> None:
    if _PAUSED:
        _PAUSED.clear()
        gc.enable()


#: ``SMETS_LATE_RESUME=off``: the collector resumed by :func:`write_record`, before the freeze
LATE_RESUME = "SMETS_LATE_RESUME"


def _resume_after_freeze(app: Sphinx, builder: Any) -> None:
    """``write-started``, after the collection and freeze that follow sphinx-needs'
    post-processing (:func:`.jobs._after_post_processing`, 900): the collector resumed.

    Resumed at :func:`write_record` (850), as before, its next young collection came at once
    (the record's first allocations) and walked every object the post-processing had made while
    it was paused: 0.09 s of CPU at 10,000 requirements, for link lists that live to the end of
    the build and are frozen out of its reach a moment later. Resumed after that freeze, it
    finds nothing young left to walk. Only when it runs is changed, not what the build makes."""
    _resume_collector()


def write_record(app: Sphinx, builder: Any) -> None:
    """``write-started``, after sphinx-needs' checks: what they found, for the next build."""
    if switched_off(LATE_RESUME):
        _resume_collector()
    plan = CURRENT[0] if CURRENT else None
    CURRENT.clear()
    build = _BUILD.pop(id(app), None)
    path = _record_path(app)
    _UNCHANGED.pop(id(app), None)
    if plan is None or not plan.validated or not plan.dead_found or build is None:
        path.unlink(missing_ok=True)
        return
    _note_unchanged(app, plan, build)
    record = {
        "format": FORMAT,
        "key": _key(app),
        "token": build.token,
        "ids": list(plan.needs),
        "checked": plan.checked,
        "warned": plan.warned,
        "dead": plan.dead,
    }
    write_atomic(path, json.dumps(record, separators=(",", ":")))


def _note_unchanged(app: Sphinx, plan: Plan, build: _Build) -> None:
    """What needs.json may take as it was (:class:`Unchanged`), when the plan knew what changed.

    A need outside the changed ones (of no document read or removed, its id neither added nor
    gone) is, before post-processing, the object the last build post-processed. Post-processing
    (everything this module vouches for: no dynamic functions, ``needextend``, derived fields,
    imports) makes of it what it made then unless its back links or its dead links changed. Its
    back links are made from the links into it (:func:`_links_of`); those of unchanged needs are
    the same, so they change only if the changed needs' links into it now are not, one for one,
    what the purged documents' needs had (:func:`_purging`: the old versions of every changed
    need). Its dead links are compared with the record's."""
    if build.token is None:
        return
    if plan.changed is None or build.old_token is None:
        _UNCHANGED[id(app)] = Unchanged(build.old_token, build.token, None)
        return
    needs = plan.needs
    new_links: Counter[tuple[str, str, str | None, str]] = Counter()
    for key in plan.changed:
        need = needs.get(key)
        if need is not None:
            new_links.update(_links_of(need))
    old_links = build.old_links
    moved = {link[0] for link in old_links.keys() | new_links.keys() if old_links[link] != new_links[link]}
    suspects = set(plan.changed) | moved | _dead_changed(plan)
    _UNCHANGED[id(app)] = Unchanged(build.old_token, build.token, frozenset(suspects))


def unchanged_for(app: Any) -> Unchanged | None:
    """This build's :class:`Unchanged`, once (None: every need may have changed)."""
    return _UNCHANGED.pop(id(app), None)


def install(app: Sphinx) -> bool:
    """Connect the record's events: on the sphinx-needs release of :mod:`.needs_release` only,
    and not with ``SMETS_NEEDS_POST=off`` (sphinx-needs' own passes, which keep no record)."""
    if not needs_release.matches() or switched_off("SMETS_NEEDS_POST"):
        return False
    app.connect("builder-inited", _started)
    app.connect("env-purge-doc", _touched)
    app.connect("env-purge-doc", _purging, priority=100)  # before sphinx-needs removes the needs (500)
    app.connect("env-before-read-docs", _before_read)
    app.connect("env-updated", _after_read, priority=1)
    app.connect("needs-before-post-processing", before_post_processing)
    app.connect("write-started", _pause_collector, priority=450)  # before sphinx-needs' (500)
    app.connect("write-started", write_record, priority=850)  # before jobs' collection (900)
    app.connect("write-started", _resume_after_freeze, priority=910)  # after it
    return True
