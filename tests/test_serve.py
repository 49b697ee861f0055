"""`smets serve`: the live preview, driven as an author would, over HTTP.

It builds, serves the site on 127.0.0.1, reloads the open page after an edit (the page shows
the edit), shows a validation error with its file and line while serving the last good
pages, never serves the build's own files, and stops cleanly on Ctrl-C.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from clitools import sourcedir
from smets_spec.preview.server import TAG, inject


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, ""


def _wait_for(predicate: object, seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def _state(base: str, since: int = -1) -> dict[str, object]:
    return json.loads(_get(f"{base}__smets/state?since={since}")[1])  # type: ignore[no-any-return]


@pytest.fixture
def served(tmp_path: Path):  # type: ignore[no-untyped-def]
    root = sourcedir(tmp_path, "mini")
    proc = subprocess.Popen(
        [sys.executable, "-m", "smets_spec.cli", "--root", str(root), "serve", "--port", "0", "-j", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        found = re.match(r"smets serve: (http://127\.0\.0\.1:\d+/) ", line)
        if found:
            break
    else:
        pytest.fail("".join(lines))
    yield root, found[1], proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_an_edit_shows_on_the_served_page(served) -> None:  # type: ignore[no-untyped-def]
    root, base, proc = served
    status, page = _get(f"{base}req/PC_01.html")
    assert status == 200 and "Switch between prepayment and credit" in page
    assert page.count(TAG.decode()) == 1
    assert _get(f"{base}__smets/reload.js")[1].startswith("// smets serve")
    assert _get(f"{base}.doctrees/environment.pickle")[0] == 404
    assert _get(f"{base}.smets/serve.json")[0] == 404
    # the styles and scripts of the good build, kept aside for the previews of the next one
    assert (root / "_build" / "html" / ".smets" / "static-last" / "_static" / "smets.css").is_file()
    generation = int(_state(base)["generation"])  # type: ignore[call-overload]

    source = root / "spec" / "requirements.rst"
    text = source.read_text(encoding="utf-8")
    edited = text.replace("Switch between prepayment and credit", "Switch payment modes")
    source.write_text(edited, encoding="utf-8")
    state = _state(base, generation)  # the long poll answers when the build is done
    _wait_for(lambda: _state(base)["generation"] != generation)
    assert _state(base)["ok"] is True, state
    page = _get(f"{base}req/PC_01.html")[1]  # the first stage's preview, or the built page
    assert "Switch payment modes" in page and "Switch between prepayment and credit" not in page
    _wait_for(lambda: _state(base)["building"] is False)  # the build that follows the preview is over
    page = _get(f"{base}req/PC_01.html")[1]
    assert "Switch payment modes" in page and "Switch between prepayment and credit" not in page

    generation = int(_state(base)["generation"])  # type: ignore[call-overload]
    conf = root / "conf.py"
    conf.write_text(conf.read_text(encoding="utf-8") + "\n# touched\n", encoding="utf-8")
    _wait_for(lambda: _state(base)["generation"] != generation and _state(base)["building"] is False)

    source.write_text(edited.replace(":depends_on: PC_01", ":depends_on: PC_99"), encoding="utf-8")
    _wait_for(lambda: _state(base)["ok"] is False)
    problems = _state(base)["problems"]
    assert any(
        p["file"] == "spec/requirements.rst" and p["line"] == 21 and "PC_99" in p["message"]
        for p in problems  # type: ignore[attr-defined]
    ), problems
    assert "Switch payment modes" in _get(f"{base}req/PC_01.html")[1]  # the last good build, whole

    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 0
    assert proc.stdout is not None
    said = proc.stdout.read()
    assert "smets serve: stopped" in said
    # the title and text edit was shown by the first stage before its build was over
    assert "smets serve: preview of PC_01 while the site builds" in said
    # the edit was built by the standby made ready after the first build; conf.py's change was
    # built by a fresh copy (the standby had read the old conf.py); the failing edit by the
    # standby made ready after that build, which validated the spec and stopped
    built = re.findall(r"smets serve: (built in [\d.]+ s(?: \(warm standby\))?|the build failed)", said)
    assert [b.endswith("(warm standby)") for b in built[:2]] == [True, False], built
    assert built[2] == "the build failed", built


def test_sigterm_stops_it_as_ctrl_c_does(served) -> None:  # type: ignore[no-untyped-def]
    """A service manager, a container stop or `kill` sends SIGTERM (a background job ignores Ctrl-C)."""
    _, base, proc = served
    assert _get(f"{base}req/PC_01.html")[0] == 200
    proc.terminate()
    assert proc.wait(timeout=20) == 0
    assert proc.stdout is not None
    assert "smets serve: stopped" in proc.stdout.read()
    with pytest.raises(OSError):  # the server process went with it
        urllib.request.urlopen(f"{base}req/PC_01.html", timeout=5)


def test_the_reload_script_goes_in_the_head() -> None:
    assert inject(b"<html><head><title>x</title></head><body></body></html>") == (
        b"<html><head><title>x</title>" + TAG + b"</head><body></body></html>"
    )
    assert inject(b"<p>fragment</p>") == b"<p>fragment</p>" + TAG


def test_a_taken_port_is_one_line_and_exit_2(tmp_path: Path) -> None:
    import socket

    root = sourcedir(tmp_path, "mini")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "smets_spec.cli", "--root", str(root), "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 2
    assert result.stderr == f"smets serve: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    assert "Traceback" not in result.stdout


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_the_server_and_the_standby_end_with_a_killed_watcher(served) -> None:  # type: ignore[no-untyped-def]
    proc = served[2]
    _wait_for(lambda: len(_children(proc.pid)) >= 2, 60)  # the server, and the standby made ready
    children = _children(proc.pid)
    proc.kill()
    proc.wait()
    _wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in children), 30)
