"""The duplicates page and the requirement-page panel, in the real site and across an incremental build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from clitools import sourcedir, write
from htmltools import StubLinker
from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.duplicates.page import duplicates_page, duplicates_panel
from smets_spec.duplicates.suppress import fingerprint

LINKER = StubLinker()


def test_page_lists_findings_and_requirement_pages_link_to_them(built_site: Path) -> None:
    page = (built_site / "quality" / "duplicates.html").read_text(encoding="utf-8")
    assert 'id="smets-dups-conflict-op-02-ih-02"' in page and 'id="smets-dups-conflict-op-02-ds-05"' in page
    assert "<strong>UTC</strong>" in page and "<strong>local</strong>" in page
    # the UTC / local time conflicts are recorded as known and open: still shown; the rest reviewed
    assert "Possible conflicts (2)" in page and "Parallel variants (information)" not in page
    assert "Terminology (" in page and "Reviewed and suppressed (28)" in page
    assert '<h2>Possible conflicts (2)<a class="headerlink" href="#possible-conflicts-2"' in page  # a heading
    assert 'href="#possible-conflicts-2"' in page and 'href="#op-and-ih"' in page
    assert 'class="smets-ref" href="../req/IH_02.html"' in page and "admonition error" not in page
    assert "(<code>spec/reviews/duplicates.toml</code>). Differing words are in bold.</p>" in page
    op02 = (built_site / "req" / "OP_02.html").read_text(encoding="utf-8")
    assert "Duplicates, overlaps and conflicts" in op02
    assert '(<a href="../quality/duplicates.html#smets-dups-conflict-op-02-ih-02">details</a>)' in op02
    assert (
        'conflict with <a class="smets-ref" href="IH_02.html" '
        'title="IHD information for gas and electricity">' in op02
    )
    hidden = (built_site / "req" / "HA_15.html").read_text(encoding="utf-8")
    assert "smets-dups-" not in hidden  # no finding, no panel


def _build(root: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "smets_spec.cli", "--root", str(root), "build", "--out-dir", root / "out"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


REQS = """
Timing
======

.. req:: Timestamps in UTC
   :id: OP_02
   :status: proposed
   :section: OP
   :impact: firmware
   :mandatory_for: DEV_ESME

   The smart metering system shall use UTC for all timing functions and timestamps.

.. req:: Local time on the display
   :id: DS_05
   :status: proposed
   :section: DS
   :impact: firmware
   :mandatory_for: DEV_IHD

   The smart metering system shall display local time unambiguously.
"""


def test_editing_only_the_review_file_updates_the_page_and_the_panel(tmp_path: Path) -> None:
    root = sourcedir(tmp_path, "mini")
    write(root, "spec/timing.rst", REQS)
    write(root, "spec/duplicates.rst", "Duplicates\n==========\n\n.. smets-duplicates::\n")
    write(root, "spec/reviews/duplicates.toml", "# reviews\n")
    for page in ("sections/op", "sections/ds", "sections/pc", "sections/sp", "trace/verification"):
        if not (root / "spec" / f"{page}.rst").exists():  # pages the requirement pages link to
            write(root, f"spec/{page}.rst", f":orphan:\n\n{page}\n{'=' * len(page)}\n")
    _build(root)
    out = root / "out"
    assert "smets-dups-conflict-op-02-ds-05" in (out / "duplicates.html").read_text(encoding="utf-8")
    assert "smets-dups-conflict-op-02-ds-05" in (out / "req" / "DS_05.html").read_text(encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "smets_spec.cli", "--root", str(root), "dups", "--accept", "OP_02,DS_05",
         "--reason", "the display converts UTC", "--reviewer", "test"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    _build(root)  # same output folder and environment: an incremental build
    page = (out / "duplicates.html").read_text(encoding="utf-8")
    assert 'id="smets-dups-conflict-op-02-ds-05"' not in page and "the display converts UTC" in page
    assert "smets-dups-conflict-op-02-ds-05" not in (out / "req" / "DS_05.html").read_text(encoding="utf-8")


def test_page_is_headings_around_html_blocks(corpus: Corpus) -> None:
    text = duplicates_page(corpus, [], LINKER)
    assert "\nPossible conflicts (2)\n----------------------\n" in text and "\nOP and IH\n~~~~~~~~~\n" in text
    block = next(b for b in text.split(".. raw:: html") if 'id="smets-dups-conflict-op-02-ds-05"' in b)
    assert block.lstrip().startswith(
        '<div class="smets-dups-finding" id="smets-dups-conflict-op-02-ds-05"><p><strong>OP_02 and DS_05'
        "</strong>: conflict, score 1.00 (cosine 0.20, containment 0.00, pattern 0.00, core 0.00). "
        "OP_02 puts all times on UTC; DS_05 requires local time (time basis differs: UTC vs local time)</p>"
    )
    assert (
        '<tr><td><a class="smets-ref" href="need:OP_02" title="UTC for all timing functions and timestamps">'
        'OP_02 <span class="smets-title">UTC for all timing functions and timestamps</span></a></td><td>The '
        "smart metering system shall use <strong>UTC</strong> for all timing functions/date &amp; timestamps."
        "</td></tr>"
    ) in block
    assert "\nTerminology (" in text and '<table class="smets-list smets-dups-terms">' in text
    suppressed = text.split("Reviewed and suppressed (28)\n" + "-" * 28 + "\n", 1)[1]
    assert suppressed.startswith('\n.. raw:: html\n\n   <ul><li><a class="smets-ref" href="need:')
    assert '<li><a class="smets-ref" href="need:HA_01"' in suppressed
    assert (
        ", parallel: HAN and WAN are separate interfaces and each needs open standards: parallel by design"
        in suppressed
    )
    assert (
        "(reviewed by duplicates helper (issue 4), for the maintainers to confirm; fingerprints" in suppressed
    )


def test_panel_links_the_other_need_and_the_finding_block(corpus: Corpus) -> None:
    html = duplicates_panel(corpus, "OP_02", LINKER)
    assert html.startswith('<ul class="smets-dups-panel"><li>conflict with <a class="smets-ref" href="need:')
    assert (
        'href="need:IH_02" title="IHD information for gas and electricity">IH_02 <span class="smets-title">'
        "IHD information for gas and electricity</span></a> (score 1.00): OP_02 puts all times on UTC; IH_02 "
        'requires local time (time basis differs: UTC vs local time) (<a href="doc:quality/duplicates'
        '#smets-dups-conflict-op-02-ih-02">details</a>)</li>'
    ) in html
    assert 'href="doc:quality/duplicates#smets-dups-conflict-op-02-ds-05">details</a>' in html
    assert duplicates_panel(corpus, "HA_15", LINKER) == ""


def _pair_project(tmp_path: Path, review: str) -> Corpus:
    root = sourcedir(tmp_path, "mini")
    write(root, "spec/timing.rst", REQS)
    write(root, "spec/reviews/duplicates.toml", review)
    return load_spec(root / "spec", relative_to=root)


def test_stale_review_is_shown_escaped_on_the_block(tmp_path: Path) -> None:
    review = (
        '[[suppress]]\npair = ["OP_02", "DS_05"]\nclass = "conflict"\n'
        'reason = "<b>UTC</b> & local\\nsecond line"\n'
        f'reviewer = "x"\nfingerprints = ["000000000000", "{fingerprint(REQS.split("   ")[-1])}"]\n'
    )
    corpus = _pair_project(tmp_path, review)
    text = duplicates_page(corpus, [], LINKER)
    assert (
        "<p><em>Reviewed (&lt;b&gt;UTC&lt;/b&gt; &amp; local<br>second line), but the text of OP_02 "
        "changed since.</em></p>"
    ) in text
    assert "<b>UTC</b>" not in text and 'id="smets-dups-conflict-op-02-ds-05"' in text
    panel = duplicates_panel(corpus, "DS_05", LINKER)
    assert 'href="need:OP_02"' in panel and "#smets-dups-conflict-op-02-ds-05" in panel


def test_unreadable_review_file_shows_an_error_box(tmp_path: Path) -> None:
    corpus = _pair_project(tmp_path, "[[suppress]\n")
    text = duplicates_page(corpus, [], LINKER)
    assert text.startswith(
        '.. raw:: html\n\n   <div class="admonition error"><p class="admonition-title">Error</p><p>The '
        "review file cannot be read; <code>smets dups</code> shows the same errors:</p><ul><li><code>"
    )
    assert "reviews/duplicates.toml" in text.split("</ul></div>", 1)[0]
