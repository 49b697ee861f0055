"""A manufacturer's plain sphinx-needs project links to our requirements, as docs/interchange.md says.

The project is written here from scratch: its conf.py is the block docs/interchange.md gives
(so the documentation cannot drift from what works), it reads the needs.json and
smets-needs.toml of our site (built once per session), and it is built with sphinx-needs' own
release and ``-W``, in a fresh process that imports nothing of our package.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest

from smets_spec.corpus.load import Corpus
from smets_spec.corpus.schema import Status

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "interchange.md"
SITE = "https://smets.example.org"

INDEX = """\
Acme meter
==========

The valve driver closes the valve as :need:`GS_08` asks.

.. prodreq:: Valve driver
   :id: PR_VALVE
   :satisfies: GS_08, GS_05

   The valve driver closes within 2 s.

.. needtable::
   :filter: type == "req" and section == "GS" and "DEV_GSME" in mandatory_for and status == "proposed"
   :columns: clause, id, title, status
   :sort: clause

.. needflow::
   :filter: type == "req" and section == "GS" and status == "proposed"
"""


def documented_conf() -> str:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("<!-- consumer-conf -->", 1)[1]
    match = re.search(r"```python\n(.*?)```", block, flags=re.S)
    assert match, "docs/interchange.md lost its conf.py block"
    return match[1]


@pytest.fixture(scope="module")
def consumer(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    if shutil.which("dot") is None:
        pytest.skip("needflow with graphviz needs the `dot` program (Debian graphviz; .ci/run installs it)")
    root = tmp_path_factory.mktemp("consumer")
    shutil.copy(built_site / "needs.json", root / "smets-needs.json")
    shutil.copy(built_site / "smets-needs.toml", root / "smets-needs.toml")
    (root / "conf.py").write_text('project = "Acme meter"\n' + documented_conf(), encoding="utf-8")
    (root / "index.rst").write_text(INDEX, encoding="utf-8")
    code = "import sys, sphinx.cmd.build; sys.exit(sphinx.cmd.build.main(sys.argv[1:]))"
    result = subprocess.run(
        [sys.executable, "-I", "-c", code, "-W", "-q", "-b", "html", str(root), str(root / "_build")],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    # -W makes every Sphinx warning an error; what may remain on stderr is Python's own
    # deprecation notices from inside sphinx-needs (RemovedInSphinx10Warning), not Sphinx warnings
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if re.search(r"WARNING:|ERROR:", line)] == []
    return root, (root / "_build" / "index.html").read_text(encoding="utf-8")


def test_the_consumer_reads_no_code_of_ours() -> None:
    conf = documented_conf()
    assert "smets_spec" not in conf and "import tomllib" in conf
    import sphinx_needs

    assert sphinx_needs.__version__.startswith("9.1")


def test_a_role_links_to_our_requirement_page(consumer: tuple[Path, str]) -> None:
    _, html = consumer
    role = r'<p>The valve driver closes the valve as <a [^>]*href="([^"]+)"[^>]*>([^<]+)</a>'
    roles = re.findall(role, html)
    assert roles == [(f"{SITE}/req/GS_08.html", "GS_08")]


def test_own_need_links_to_ours(consumer: tuple[Path, str]) -> None:
    _, html = consumer
    card = html[html.index('id="PR_VALVE"') :]
    card = card[: card.index("</table>")]
    assert re.findall(r'href="([^"]+)"', card).count(f"{SITE}/req/GS_08.html") == 1
    assert f"{SITE}/req/GS_05.html" in card


def test_needtable_filters_by_type_section_device_status(consumer: tuple[Path, str], corpus: Corpus) -> None:
    _, html = consumer
    expected = sorted(
        r.clause or ""
        for r in corpus.requirements
        if r.section is not None
        and r.section.value == "GS"
        and "DEV_GSME" in r.mandatory_for
        and r.status is Status.PROPOSED
    )
    assert len(expected) >= 5
    clauses = [unescape(c) for c in re.findall(r'<td class="needs_clause"><p>([^<]*)</p>', html)]
    assert clauses == expected
    ids = re.findall(r'<td class="needs_id[^"]*"><p><a [^>]*href="([^"]+)"', html)
    assert ids == [f"{SITE}/req/{c.replace('.', '_')}.html" for c in expected]


def test_needflow_draws_the_filtered_needs(consumer: tuple[Path, str], corpus: Corpus) -> None:
    root, html = consumer
    assert "PlantUML is not available" not in html
    # graphviz draws a picture with an image map: one clickable area per need, to our pages
    maps = list((root / "_build" / "_images").glob("needflow-*.map"))
    assert len(maps) == 1 and 'usemap="#needflow"' in html
    areas = re.findall(r'<area [^>]*href="([^"]+)"[^>]*title="([^"]+)"', maps[0].read_text(encoding="utf-8"))
    assert all(href == f"{SITE}/req/{title}.html" for href, title in areas)
    shown = {title for _, title in areas}
    wanted = {
        r.id
        for r in corpus.requirements
        if r.section is not None and r.section.value == "GS" and r.status is Status.PROPOSED
    }
    assert shown == wanted


def test_the_site_page_gives_the_documented_configuration(built_site: Path) -> None:
    html = (built_site / "reference" / "interchange.html").read_text(encoding="utf-8")
    shown = unescape(re.sub(r"<[^>]+>", "", html))
    assert all(line.strip() in shown for line in documented_conf().splitlines() if line.strip())
    assert 'href="interchange.html"' in (built_site / "reference" / "schema.html").read_text(encoding="utf-8")


def test_old_requirement_addresses_redirect_and_pages_show_the_clause(built_site: Path) -> None:
    old = (built_site / "req" / "GS.08.html").read_text(encoding="utf-8")  # clause address
    assert '<meta http-equiv="refresh" content="0; url=GS_08.html">' in old
    page = (built_site / "req" / "GS_08.html").read_text(encoding="utf-8")
    assert re.search(r"<h1>GS\.08 Fifteen-year battery life", page)  # the clause heads the page
    assert "<dt>Clause</dt><dd>GS.08</dd><dt>Need id</dt><dd><code>GS_08</code></dd>" in page


def test_a_user_may_type_the_clause_number(capsys: pytest.CaptureFixture[str]) -> None:
    from clitools import smets

    by_clause = smets(capsys, ROOT, "trace", "GS.08", "--json")  # the clause as printed
    by_id = smets(capsys, ROOT, "trace", "GS_08", "--json")
    assert by_clause.code == 0 and by_clause.out == by_id.out
    assert '"id": "GS_08"' in by_clause.out


def test_a_project_with_no_types_of_its_own_needs_only_needs_from_toml(
    built_site: Path, corpus: Corpus, tmp_path: Path
) -> None:
    shutil.copy(built_site / "needs.json", tmp_path / "smets-needs.json")
    shutil.copy(built_site / "smets-needs.toml", tmp_path / "smets-needs.toml")
    (tmp_path / "conf.py").write_text(
        'extensions = ["sphinx_needs"]\nneeds_from_toml = "smets-needs.toml"\n'
        f'needs_external_needs = [{{"base_url": "{SITE}", "json_path": "smets-needs.json"}}]\n',
        encoding="utf-8",
    )
    (tmp_path / "index.rst").write_text(
        "Plain\n=====\n\nSee :need:`GS_08`.\n\n"
        '.. needtable::\n   :filter: section == "GS"\n   :columns: clause\n',
        encoding="utf-8",
    )
    code = "import sys, sphinx.cmd.build; sys.exit(sphinx.cmd.build.main(sys.argv[1:]))"
    result = subprocess.run(
        [sys.executable, "-I", "-c", code, "-W", "-q", "-b", "html", str(tmp_path), str(tmp_path / "_build")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "_build" / "index.html").read_text(encoding="utf-8")
    assert f'href="{SITE}/sections/gs.html#GS_08"' in html  # without target_url: the card on its section page
    gs = [r for r in corpus.requirements if r.section is not None and r.section.value == "GS"]
    assert html.count('<td class="needs_clause">') == len(gs) > 0
