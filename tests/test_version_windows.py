"""Version windows: the version in force on a date, and the checks of their dates."""

from __future__ import annotations

import datetime as dt

from smets_spec.corpus.diagnostics import Location
from smets_spec.corpus.schema import Need, Version
from smets_spec.corpus.versions import check_versions, in_force, ordered, window_text


class Corpus:
    def __init__(self, *versions: Version) -> None:
        self.needs: dict[str, Need] = {v.id: v for v in versions}

    def location(self, need_id: str, field_name: str | None = None) -> Location:
        return Location(f"spec/versions.rst ({need_id}.{field_name})", 1)


def version(need_id: str, start: str | None, end: str | None, revision: str | None = "abc") -> Version:
    return Version(
        id=need_id,
        title=need_id,
        installed_from=start,
        installed_until=end,
        revision=revision,
        dates_basis="t",
    )


def test_the_version_in_force_is_the_one_whose_window_holds_the_date() -> None:
    a = version("VER_A", None, "2018-12-05")
    b = version("VER_B", "2018-12-06", None)
    draft = version("VER_DRAFT", None, None, revision=None)
    versions = ordered([draft, b, a])
    assert [v.id for v in versions] == ["VER_A", "VER_B", "VER_DRAFT"]
    assert in_force(versions, dt.date(2018, 12, 5)) is a
    assert in_force(versions, dt.date(2018, 12, 6)) is b
    assert in_force([b, draft], dt.date(2010, 1, 1)) is None  # before every window; the draft governs none
    assert window_text(a) == "installed up to 2018-12-05"
    assert window_text(b) == "installed from 2018-12-06 (open-ended)"
    assert list(check_versions(Corpus(a, b, draft))) == []


def test_overlapping_or_backward_windows_and_two_drafts_are_refused() -> None:
    found = [
        d.message
        for d in check_versions(
            Corpus(
                version("VER_A", None, "2019-01-01"),
                version("VER_B", "2018-06-01", "2018-01-01"),
                version("VER_D1", None, None, None),
                version("VER_D2", None, None, None),
            )
        )
    ]
    assert found == [
        "version 'VER_D2' has no ':revision:', and 'VER_D1' is already the working draft",
        "version 'VER_B' ends its installation window (2018-01-01) before it starts (2018-06-01)",
        "the installation windows of 'VER_A' (installed up to 2019-01-01) and 'VER_B' (installed "
        "2018-06-01 to 2018-01-01) overlap",
    ]
