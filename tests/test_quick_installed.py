"""The installed distributions in the page texts' context key named from their metadata folders
(``SMETS_QUICK_INSTALLED``, issue 20: 0.04 s of the main process's CPU in every build): the same
distributions and versions as their metadata says."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest

from smets_spec.sphinx import pagetexts


def _named(folder: str) -> tuple[str, str]:
    """A listed folder's distribution name (normalised) and version."""
    stem, _, version = folder.partition("=")
    name, _, named_version = stem.rsplit(".", 1)[0].partition("-")
    return re.sub(r"[-_.]+", "_", name).lower(), version or named_version


def test_the_folders_name_every_installed_distribution_and_its_version() -> None:
    folders = pagetexts.installed_folders()
    listed = {_named(folder) for folder in folders}
    known = {
        (re.sub(r"[-_.]+", "_", d.metadata["Name"]).lower(), d.version) for d in metadata.distributions()
    }
    assert listed == known
    assert ("sphinx", metadata.version("sphinx")) in listed and len(listed) > 20


def test_a_folder_without_a_version_gets_its_metadatas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "made_here.egg-info").mkdir()
    (tmp_path / "made_here.egg-info" / "PKG-INFO").write_text(
        "Name: made-here\nVersion: 2.5\n", encoding="utf-8"
    )
    (tmp_path / "Other-1.0.dist-info").mkdir()
    (tmp_path / "not-metadata").mkdir()
    monkeypatch.setattr("sys.path", [str(tmp_path), str(tmp_path / "missing"), str(tmp_path)])
    assert pagetexts.installed_folders() == ["Other-1.0.dist-info", "made_here.egg-info=2.5"]


def test_switched_off_the_metadata_names_them(monkeypatch: pytest.MonkeyPatch) -> None:
    pagetexts._installed.cache_clear()
    try:
        monkeypatch.setenv(pagetexts.QUICK_INSTALLED, "off")
        off = pagetexts._installed()
        pagetexts._installed.cache_clear()
        monkeypatch.delenv(pagetexts.QUICK_INSTALLED)
        on = pagetexts._installed()
    finally:
        pagetexts._installed.cache_clear()
    assert f"Sphinx={metadata.version('sphinx')}" in off.split("\n")
    assert f"sphinx-{metadata.version('sphinx')}.dist-info" in on.split("\n")
    assert on != off


def test_the_switch_is_documented() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    assert f"{pagetexts.QUICK_INSTALLED}=off" in text
