"""The Sphinx extension: the only package that imports sphinx or docutils.

Add ``"smets_spec.sphinx"`` to ``extensions`` in conf.py. It loads sphinx-needs,
configures it from :mod:`smets_spec.corpus.schema`, validates the corpus with the
engine's own checks (reported as Sphinx warnings with file and line), and adds
the directives that render analysis results. A front end: may import every floor below;
nothing else in the package imports it, except ``smets build`` which runs it.
"""

# smets-rename: keep (this module defines the clause numbers GS.08 <-> ids GS_08)
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

from .. import __version__
from ..corpus.ids import options_with_ids, roles_with_ids
from ..corpus.needsconfig import needs_settings
from ..corpus.schema import NEED_TYPES
from .envpickle import install as compact_env_pickle
from .state import register as register_state

#: every link field of every need type
LINK_FIELDS = frozenset(name for model in NEED_TYPES for name in model.links())


def apply_needs_settings(app: Sphinx, config: Config) -> None:
    """Set the sphinx-needs configuration derived from the schema."""
    raw = getattr(config, "_raw_config", {})
    for name, value in needs_settings().items():
        if name in raw and name not in {"needs_build_json"}:
            raise ConfigError(
                f"conf.py sets {name}, but the need types, fields and links come from "
                f"smets_spec.corpus.schema; remove {name} from conf.py [smets.config]"
            )
        setattr(config, name, value)


def check_source_folder(app: Sphinx, config: Config) -> None:
    """Stop at once, with the command to use, when the source folder has no root document.

    The usual slip is ``sphinx-build . OUT`` from the repository root, whose sources are
    in ``spec/``; without this check Sphinx would scan the whole repository first.
    """
    srcdir = Path(app.srcdir)
    suffixes = list(config.source_suffix) if isinstance(config.source_suffix, dict) else [".rst"]
    if any((srcdir / f"{config.root_doc}{suffix}").is_file() for suffix in suffixes):
        return
    hint = ""
    if (srcdir / "spec" / f"{config.root_doc}.rst").is_file():
        hint = (
            f"; this is the repository root: build with `sphinx-build -c {srcdir} {srcdir / 'spec'} OUT` "
            "or `smets build`"
        )
    # a ConfigError would come with Sphinx's "please report this" traceback: one line is enough
    sys.stderr.write(
        f"error: {srcdir} has no {config.root_doc}.rst, so it is not a spec folder{hint} [smets.config]\n"
    )
    raise SystemExit(2)


def clause_numbers_as_ids(app: Sphinx, docname: str, source: list[str]) -> None:
    """Let authors write what the SMETS prints: ``:need:`GS.08``` and ``:refines: GS.08``.

    sphinx-needs reads ``GS.08`` as part ``08`` of need ``GS``; the need id is ``GS_08``
    (see :mod:`smets_spec.corpus.ids`). Roles keep the clause as their title; link options
    get the id, as the fast reader's :data:`~smets_spec.corpus.schema.Links` does. Line
    numbers are unchanged. sphinx-needs itself is not patched.
    """
    source[0] = options_with_ids(roles_with_ids(source[0]), LINK_FIELDS)


def setup(app: Sphinx) -> dict[str, Any]:
    compact_env_pickle()  # Sphinx's saved environment: needs pickled compactly, unpickled fast
    from . import envparts

    app.connect("build-finished", envparts.settle, priority=1000)  # the environment saved beside the build
    from . import backlinks, needs_generate, needs_json, needs_post, needs_purge, needs_reuse, needs_sort

    needs_json.install(app)
    backlinks.install()
    needs_purge.install(app)  # sphinx-needs' remove_doc from a docname index (on sphinx-needs 9.1.0 only)
    needs_generate.install()  # sphinx-needs' copy of each default without copy.deepcopy (9.1.0 only)
    needs_sort.install()  # sphinx-needs' sort of each link list, none for lists of 0-1 links (9.1.0 only)
    needs_post.install()  # sphinx-needs' link checks, constraints, schema check: less per need (9.1.0)
    app.setup_extension("sphinx_needs")
    needs_reuse.install(app)  # the link and schema checks again only where a result can change (9.1.0)
    app.connect("config-inited", check_source_folder, priority=1)
    app.connect("config-inited", apply_needs_settings, priority=5)
    app.connect("source-read", clause_numbers_as_ids)
    register_state(app)
    from .navtree import register as register_navtree

    register_navtree(app)
    from .jobs import register as register_jobs

    register_jobs(app)
    from .promptjoin import install as install_prompt_join

    install_prompt_join()  # Sphinx's forked tasks taken as soon as one finishes, not at its next look
    from .rawtext import register as register_rawtext

    register_rawtext(app)  # each raw HTML node's text held once in its doctree
    from .rawsplice import register as register_rawsplice

    register_rawsplice(app)  # a page's large raw HTML written straight into its file
    from .neednodes import register as register_neednodes

    register_neednodes(app)  # sphinx-needs' copies of the need nodes released once nothing reads them
    from .directives import register as register_directives

    register_directives(app)
    from .conformance import register as register_conformance

    register_conformance(app)
    from .search import register as register_search

    register_search(app)
    from .guide import register as register_guide

    register_guide(app)
    from .safety import register as register_safety

    register_safety(app)
    from .consumer import register as register_consumer

    register_consumer(app)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
