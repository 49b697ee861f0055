"""`smets build` imports, beside the spec's load, what the build would import once Sphinx runs, and
leaves out what no build uses (issue 20).

* ``warm_up(theme)`` imports sphinx-needs' setup, GitPython (the change-control pages' stamp) and
  conf.py's theme: at 10,000 requirements the forked copy's load outlasts the imports, so these
  cost the build nothing there, where they cost ~0.1 s of the main process's CPU after the load.
* the conformance summary page (rendered, or compared, in every build) lists the DLMS/COSEM
  objects the spec maps without importing the reference models (only the golden unit's encoding
  needs them), and the version history imports the review's analyses only when it has a version
  to review against.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from smets_spec.commands.build import conf_theme

_PROBE = """
import json, sys
{code}
print(json.dumps(sorted(sys.modules)))
"""


def _loaded(code: str) -> set[str]:
    probe = subprocess.run([sys.executable, "-c", _PROBE.format(code=code)], check=True, capture_output=True)
    return set(json.loads(probe.stdout))


def test_the_start_up_imports_what_the_build_imports_later() -> None:
    loaded = _loaded("from smets_spec.sphinx.build import warm_up\nwarm_up('furo')")
    for present in ("sphinx_needs.needs", "git", "furo", "smets_spec.sphinx.site"):
        assert present in loaded, present


def test_no_theme_or_a_name_that_is_no_module_imports_no_theme() -> None:
    code = "from smets_spec.sphinx.build import warm_up\nwarm_up()\nwarm_up('classic')\nwarm_up('os; x')"
    loaded = _loaded(code)
    assert "furo" not in loaded
    assert "git" in loaded


def test_the_pages_of_every_build_leave_out_the_reference_models_and_the_review() -> None:
    code = (
        "from smets_spec.sphinx.build import warm_up\nwarm_up('furo')\n"
        "import smets_spec.conformance.wirepage, smets_spec.change.changelog"
    )
    loaded = _loaded(code)
    assert "smets_spec.conformance.cosem" in loaded
    for absent in (
        "smets_spec.reference.bridge",
        "smets_spec.reference.devices",
        "smets_spec.reference.meter",
        "smets_spec.change.review",
    ):
        assert absent not in loaded, absent


def test_the_golden_unit_s_encoding_still_finds_the_reference_values() -> None:
    from smets_spec.conformance import cosem
    from smets_spec.reference.bridge import Quantity, Switches

    energy = cosem.MappedObject("PO_X", 3, "1-0:1.8.0.255", (2,), "DAT_X", "kWh", ("ES_01",))
    assert cosem.state(energy, Quantity(1.5, "kWh")) == {
        "value": 1500,
        "type": "uint32",
        "scaler": 0,
        "unit": 30,
    }
    table = cosem.MappedObject("PO_Y", 20, "0-0:13.0.0.255", (5,), "DAT_Y", "", ())
    assert cosem.state(table, Switches("T", ())) == {"name": "T", "switches": []}
    with pytest.raises(LookupError, match="no COSEM encoding of Quantity for class 7"):
        cosem.state(
            cosem.MappedObject("PO_Z", 7, "0-0:99.98.0.255", (2,), "DAT_Z", "", ()), Quantity(1, "kWh")
        )


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ('project = "x"\nhtml_theme = "furo"\n', "furo"),
        ("html_theme = 'sphinx_rtd_theme'  # a comment\n", "sphinx_rtd_theme"),
        ('project = "x"\n', None),
        ("html_theme = THEME\n", None),
        ("html_theme = (\n", None),
    ],
)
def test_conf_theme(tmp_path: Path, text: str, theme: str | None) -> None:
    conf = tmp_path / "conf.py"
    conf.write_text(text)
    assert conf_theme(conf) == theme


def test_conf_theme_of_no_conf(tmp_path: Path) -> None:
    assert conf_theme(tmp_path / "conf.py") is None
