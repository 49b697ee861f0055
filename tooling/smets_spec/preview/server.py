"""The preview's web server: the built site from ``<out>``, on a local address only.

Run as its own process (``python -m smets_spec.preview.server OUT PORT [HOST]``) so that the
watcher, which forks a build for every change, holds no server threads. Every HTML page gets
one ``<script src="/__smets/reload.js">`` (a file, so a strict Content-Security-Policy keeps
working); ``/__smets/state?since=N`` answers when the build generation differs from N (a long
poll, at most 20 s). A page is read under the shared build lock, so it is never served
half-written; while a build runs, a page the first stage has already written again
(:mod:`.quick`) is served from its own folder at once.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .state import gone_dir, preview_dir, read_state, shared_if_free, static_copy_dir

RELOAD_JS = (Path(__file__).parent / "reload.js").read_bytes()
TAG = b'<script src="/__smets/reload.js" defer></script>'
LONG_POLL_S = 20.0


def inject(html: bytes) -> bytes:
    """The page with the reload script before ``</head>`` (or at the end, lacking one)."""
    at = html.find(b"</head>")
    return html[:at] + TAG + html[at:] if at >= 0 else html + TAG


class Handler(SimpleHTTPRequestHandler):
    out: Path

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=str(self.out), **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: the watcher prints what matters

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/__smets/reload.js":
            self._send(RELOAD_JS, "text/javascript; charset=utf-8")
        elif url.path == "/__smets/state":
            self._state(parse_qs(url.query).get("since", ["-1"])[0])
        else:
            self._file(url.path)

    def do_HEAD(self) -> None:
        self.send_error(HTTPStatus.METHOD_NOT_ALLOWED)

    def _state(self, since: str) -> None:
        try:
            seen = int(since)
        except ValueError:
            seen = -1
        deadline = time.monotonic() + LONG_POLL_S
        state = read_state(self.out)
        while state.generation == seen and time.monotonic() < deadline:
            time.sleep(0.05)
            state = read_state(self.out)
        self._send(json.dumps(state.to_json()).encode(), "application/json")

    def _file(self, url_path: str) -> None:
        parts = [p for p in url_path.split("/") if p]
        if any(p.startswith(".") for p in parts):  # the environment, results, lock: not the site's
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        path = Path(self.translate_path(url_path))
        if path.is_dir():
            path = path / "index.html"
        status, body = self._read(path)
        if body is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        kind = self.guess_type(str(path))
        self._send(inject(body) if path.suffix == ".html" else body, kind, status)

    def _read(self, path: Path) -> tuple[HTTPStatus, bytes | None]:
        """The page when no build is writing; while one is, its preview as soon as there is one."""
        while True:
            with shared_if_free(self.out) as free:
                if free:
                    try:
                        return HTTPStatus.OK, path.read_bytes()
                    except OSError:
                        return HTTPStatus.NOT_FOUND, None
            found = self._preview(path)
            if found is not None:
                return found
            time.sleep(0.02)

    def _preview(self, path: Path) -> tuple[HTTPStatus, bytes] | None:
        """The first stage's answer for ``path`` while a build runs (quick.py), else None: the
        page drawn again, or for a requirement the save deleted, a 404 that says so.

        A preview is a whole file (written atomically beside the site), so it is read without
        waiting for the build; every other page waits, as it is being written.
        """
        if not read_state(self.out).building:
            return None
        try:
            relative = path.resolve().relative_to(self.out.resolve())
        except ValueError:
            return None
        folders = [(HTTPStatus.OK, preview_dir(self.out)), (HTTPStatus.NOT_FOUND, gone_dir(self.out))]
        if relative.parts[:1] == ("_static",):  # the last good build's, which the previews ask for
            folders.append((HTTPStatus.OK, static_copy_dir(self.out)))
        for status, folder in folders:
            try:
                return status, (folder / relative).read_bytes()
            except OSError:
                continue
        return None

    def _send(self, body: bytes, kind: str, status: HTTPStatus = HTTPStatus.OK) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


class Server(ThreadingHTTPServer):
    """Quiet when a browser goes away mid-answer (a closed tab, a reload during a long poll);
    anything else a request meets is one line on the terminal, never a traceback."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if error is None or isinstance(error, ConnectionError):
            return
        sys.stderr.write(f"smets serve: a request failed: {type(error).__name__}: {error}\n")


def make_server(out: Path, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    handler = type("BoundHandler", (Handler,), {"out": out})
    server = Server((host, port), handler)
    server.daemon_threads = True
    return server


def _stop_with_parent(server: ThreadingHTTPServer, parent: int) -> None:
    """Stop serving when the watcher is gone (killed rather than stopped with Ctrl-C)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    server.shutdown()


def main(argv: list[str]) -> int:
    out, port, host = Path(argv[0]), int(argv[1]), argv[2] if len(argv) > 2 else "127.0.0.1"
    try:
        server = make_server(out, port, host)
    except OSError as exc:
        sys.stdout.write(f"error: {exc.strerror or exc}\n")  # the watcher reports it in one line
        return 2
    sys.stdout.write(f"{server.server_address[1]}\n")  # the port, for a caller that asked for 0
    sys.stdout.flush()
    threading.Thread(target=_stop_with_parent, args=(server, os.getppid()), daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
