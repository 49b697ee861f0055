"""Command line of the wire front end: ``serve`` and ``client`` (see :mod:`smets_dlms.protocol`)."""

from __future__ import annotations

import argparse
import signal
import sys

from . import client, server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="smets-dlms", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve objects whose values the core gives")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--interface", choices=sorted(server.INTERFACES), default="wrapper")
    serve.add_argument("--password", help="require low-level authentication with this password")
    talk = sub.add_parser("client", help="associate with a device and read what the core asks")
    talk.add_argument("--host", required=True)
    talk.add_argument("--port", type=int, required=True)
    talk.add_argument("--interface", choices=sorted(client.INTERFACES), default="wrapper")
    talk.add_argument("--client-address", type=int, default=16)
    talk.add_argument("--server-address", type=int, default=1)
    talk.add_argument("--authentication", choices=sorted(client.AUTHENTICATION), default="none")
    talk.add_argument("--password", default="")
    talk.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args(argv)
    # Ctrl-C in a terminal reaches the whole process group: the core stops this process itself
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if args.command == "serve":
        return server.serve(args.host, args.port, args.interface, args.password)
    settings = {
        "client_address": args.client_address,
        "server_address": args.server_address,
        "authentication": args.authentication,
        "password": args.password,
        "interface": args.interface,
    }
    return client.run(args.host, args.port, settings, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
