# SPDX-License-Identifier: Apache-2.0
"""The lab's web servers: one fixed page on port 80 (``python -m pyipvs.lab.webserver BODY``).

rs1 and rs2 answer ``rs1 is up`` / ``rs2 is up``; the load balancers' sorry server answers
``sorry, all real servers are down (lb2)``. The body names who answered, which is how the lab
measures the traffic split from the client side."""

from __future__ import annotations

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = 80


def page(body: str) -> type[BaseHTTPRequestHandler]:
    data = f"{body}\n".encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the lab counts answers on the client side

    return Page


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m pyipvs.lab.webserver BODY", file=sys.stderr)
        return 2
    ThreadingHTTPServer.allow_reuse_address = True
    with ThreadingHTTPServer(("0.0.0.0", PORT), page(args[0])) as server:
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
