"""furo's navigation tree derived per folder (sphinx/navtree.py): the same pages as furo draws them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from smets_spec.sphinx.navtree import _marked, _parse

ROOT = Path(__file__).resolve().parent.parent


def _sphinx(out: Path, *extra: str) -> None:
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-c", str(ROOT), str(ROOT / "spec"), str(out)]
    done = subprocess.run([*cmd, *extra], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_page_is_byte_for_byte_what_furo_draws(tmp_path: Path) -> None:
    plain, cached = tmp_path / "furo", tmp_path / "derived"
    _sphinx(plain, "-D", "smets_nav_cache=0")
    # the same conformance results in both (their time of run is on the pages)
    (cached / ".smets").mkdir(parents=True)
    shutil.copy(plain / ".smets" / "conformance.json", cached / ".smets" / "conformance.json")
    _sphinx(cached)
    pages = sorted(p.relative_to(plain) for p in plain.rglob("*.html"))
    assert len(pages) > 250 and sorted(p.relative_to(cached) for p in cached.rglob("*.html")) == pages
    differ = [str(p) for p in pages if (plain / p).read_bytes() != (cached / p).read_bytes()]
    assert differ == []
    marked = (cached / "changes" / "suspects.html").read_text(encoding="utf-8")
    assert (
        '<li class="toctree-l2 current current-page"><a class="current reference internal" href="#">'
        in marked
    )


TREE = (
    '<ul>\n<li class="toctree-l1 has-children"><a class="reference internal" href="index.html">Top</a>'
    '<input aria-label="Toggle navigation of Top" class="toctree-checkbox" id="toctree-checkbox-1" '
    'name="toctree-checkbox-1" role="switch" type="checkbox"/><label for="toctree-checkbox-1"></label><ul>\n'
    '<li class="toctree-l2"><a class="reference internal" href="a.html">A</a></li>\n'
    '<li class="toctree-l2"><a class="reference internal" href="b.html">B</a></li>\n'
    "</ul>\n</li>\n</ul>\n"
)


def test_a_page_is_marked_as_furo_marks_it() -> None:
    folder = _parse("x/_probe", TREE)
    assert folder is not None
    got = _marked(folder, "b.html")
    assert got == (
        '<ul class="current">\n<li class="toctree-l1 current has-children">'
        '<a class="reference internal" href="index.html">Top</a>'
        '<input aria-label="Toggle navigation of Top" checked="" class="toctree-checkbox" '
        'id="toctree-checkbox-1" name="toctree-checkbox-1" role="switch" type="checkbox"/>'
        '<label for="toctree-checkbox-1"></label><ul class="current">\n'
        '<li class="toctree-l2"><a class="reference internal" href="a.html">A</a></li>\n'
        '<li class="toctree-l2 current current-page">'
        '<a class="current reference internal" href="#">B</a></li>\n'
        "</ul>\n</li>\n</ul>\n"
    )
    assert _marked(folder, "elsewhere.html") == TREE  # in no toctree: nothing marked


def test_what_is_not_of_the_simple_form_is_left_to_furo() -> None:
    twice = _parse("_probe", TREE.replace('href="a.html"', 'href="b.html"'))
    assert twice is not None and _marked(twice, "b.html") is None
    anchored = _parse("_probe", TREE.replace('href="a.html"', 'href="b.html#part"'))
    assert anchored is not None and _marked(anchored, "b.html") is None
    odd_class = _parse("_probe", TREE.replace('<li class="toctree-l2">', '<li class="toctree-l2 mine">'))
    assert odd_class is not None and _marked(odd_class, "b.html") is None
    assert _parse("_probe", TREE.replace("</ul>\n</li>", "</li>")) is None  # not well formed
