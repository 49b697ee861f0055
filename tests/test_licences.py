"""Every installed distribution's licence, per extra, against the rules of docs/licensing.md."""

from __future__ import annotations

import ast
from importlib.metadata import distributions, metadata
from pathlib import Path

import pytest

from licences import ALLOWED, GPL_ALLOWED, Kind, canonical, classify_text, closure, licence_of

ROOT = Path(__file__).resolve().parent.parent
TOOLING = ROOT / "tooling"
PROJECT = "smets-spec"


def test_every_installed_distribution_has_a_known_licence() -> None:
    unknown = []
    for dist in distributions():
        found = licence_of(dist)
        if found.kind is Kind.UNKNOWN:
            unknown.append(f"{found.name}: {found.raw!r} ({found.reason})")
    assert unknown == [], (
        "licence not recognised; read it and add it to LICENCES/_ALIASES or OVERRIDES in tests/licences.py, "
        "with the reason: " + "; ".join(unknown)
    )


def test_nothing_installed_is_source_available() -> None:
    bad = [f"{d.metadata['Name']}" for d in distributions() if licence_of(d).kind is Kind.FORBIDDEN]
    assert bad == [], f"source-available licences are never allowed: {bad}"


def _extras() -> list[str]:
    return ["", *sorted(metadata(PROJECT).get_all("Provides-Extra") or [])]


def test_the_extras_are_the_ones_the_rules_know() -> None:
    assert set(_extras()) <= set(ALLOWED), f"an extra without licence rules: {set(_extras()) - set(ALLOWED)}"
    assert {"dlms", "zigbee"} <= set(_extras())


@pytest.mark.parametrize("extra", list(ALLOWED), ids=lambda e: e or "core")
def test_each_extra_brings_in_only_allowed_licences(extra: str) -> None:
    core = set(closure(PROJECT, "")) if extra else set()
    problems = []
    for name, dist in sorted(closure(PROJECT, extra).items()):
        if extra and name in core:
            continue  # checked under the core's rules
        found = licence_of(dist)
        gpl = GPL_ALLOWED.get(name)
        if found.kind in (Kind.GPL2_ONLY, Kind.GPL3):
            if gpl is None or found.kind is not gpl[1]:
                problems.append(f"{name} is {found.kind} ({found.raw}) and not on the GPL allow-list")
            elif extra not in (gpl[0], "test"):
                problems.append(
                    f"{name} ({found.kind}) may come only with the '{gpl[0]}' extra, not '{extra}'"
                )
            continue
        if found.kind not in ALLOWED[extra]:
            problems.append(
                f"{name}: {found.kind} ({found.raw}, from {found.reason}) not allowed in '{extra or 'core'}'"
            )
    assert problems == []


def test_the_catalogue_libraries_are_tested_installed() -> None:
    """The test extra installs both catalogue libraries, so the checks run for real in CI."""
    names = set(closure(PROJECT, "test"))
    assert {"gurux-dlms", "zigpy"} <= names


def test_the_zigbee_extra_brings_no_gpl2_only_code_and_the_dlms_extra_no_gpl3() -> None:
    for extra, banned in (("zigbee", Kind.GPL2_ONLY), ("dlms", Kind.GPL3)):
        kinds = {n: licence_of(d).kind for n, d in closure(PROJECT, extra).items()}
        assert [n for n, k in kinds.items() if k is banned] == [], extra


def _imports(folder: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        names = found.setdefault(str(path.relative_to(TOOLING)), set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    ("package", "banned"),
    [
        (
            "smets_spec",
            {
                "gurux_dlms",
                "gurux_net",
                "gurux_common",
                "gurux_serial",
                "zigpy",
                "smets_dlms_catalogue",
                "smets_zigbee_catalogue",
            },
        ),
        ("smets_dlms_catalogue", {"smets_spec", "zigpy", "smets_zigbee_catalogue"}),
        (
            "smets_zigbee_catalogue",
            {"smets_spec", "gurux_dlms", "gurux_net", "gurux_common", "smets_dlms_catalogue"},
        ),
    ],
)
def test_gpl_code_stays_in_its_own_process(package: str, banned: set[str]) -> None:
    """The Apache-2.0 core never imports GPL code (even lazily); the helpers never import the core."""
    bad = {f: sorted(n & banned) for f, n in _imports(TOOLING / package).items() if n & banned}
    assert bad == {}


def test_each_helper_file_states_its_licence() -> None:
    for package, spdx in (
        ("smets_dlms_catalogue", "GPL-2.0-only"),
        ("smets_zigbee_catalogue", "GPL-3.0-or-later"),
    ):
        for path in (TOOLING / package).glob("*.py"):
            assert path.read_text(encoding="utf-8").startswith(f"# SPDX-License-Identifier: {spdx}"), path


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Apache-2.0 AND MIT", Kind.PERMISSIVE),
        ("Apache-2.0 OR BSD-3-Clause", Kind.PERMISSIVE),
        ("MIT AND GPL-3.0-only", Kind.GPL3),
        ("GPLv2", Kind.GPL2_ONLY),
        ("LGPL-3.0-only", Kind.WEAK),
        ("BUSL-1.1", Kind.FORBIDDEN),
        ("Some Custom Licence", Kind.UNKNOWN),
    ],
)
def test_licence_strings_map_to_their_class(text: str, kind: Kind) -> None:
    assert classify_text(text) is kind


def test_canonical_names() -> None:
    assert canonical("gurux_dlms") == "gurux-dlms"
