# SPDX-License-Identifier: Apache-2.0
"""The lab of benchmarks/daemon_detection.py: a load balancer namespace and one namespace per
real server (a veth pair each), real TCP and HTTP servers in them, and the three ways a real
server fails there:

* ``refused``: its listener is closed, so a connect is answered by a reset;
* ``silent``: a blackhole route in the real server's namespace drops every reply to the load
  balancer, so a connect gets no answer at all (a machine gone dark);
* ``stalled``: the HTTP server accepts and reads the request but never answers it.

The servers run on threads of the benchmark that entered the real server's namespace only to
make their listening socket (setns(2) is per thread).
"""

from __future__ import annotations

import ctypes
import http.server
import os
import socketserver
import subprocess
import threading
import uuid
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
_CLONE_NEWNET = 0x40000000
PORT = 80


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True)


def in_netns(netns: str, function: Callable[[], T]) -> T:
    """*function*'s result, called on a thread that entered *netns*."""
    outcome: dict[str, object] = {}

    def body() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(f"/run/netns/{netns}", os.O_RDONLY)
        try:
            if libc.setns(fd, _CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns")
            outcome["value"] = function()
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            os.close(fd)

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


class Closing(socketserver.BaseRequestHandler):
    """TCP: accept, then close (all TCP_CHECK wants)."""

    def handle(self) -> None:
        pass


class Page(http.server.BaseHTTPRequestHandler):
    """HTTP: 200 and a short page, or nothing while the server is stalled."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        released: threading.Event = self.server.released  # type: ignore[attr-defined]
        if not released.is_set():
            released.wait(30)
            return
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], http: bool) -> None:
        super().__init__(address, Page if http else Closing)
        self.released = threading.Event()
        self.released.set()


class RealServer:
    """One real server: its namespace, its address, the load balancer's address on that link,
    and its server (TCP or HTTP), which can be made to fail and brought back."""

    def __init__(self, lb: str, index: int, http: bool) -> None:
        self.netns = f"{lb}-rs{index}"
        self.address, self.peer = f"10.79.{index}.2", f"10.79.{index}.1"
        self.http = http
        ip("netns", "add", self.netns)
        ip("-n", lb, "link", "add", f"rs{index}", "type", "veth", "peer", "name", "eth0",
           "netns", self.netns)  # fmt: skip
        ip("-n", lb, "addr", "add", f"{self.peer}/24", "dev", f"rs{index}")
        ip("-n", self.netns, "addr", "add", f"{self.address}/24", "dev", "eth0")
        for netns, link in ((lb, f"rs{index}"), (self.netns, "eth0"), (self.netns, "lo")):
            ip("-n", netns, "link", "set", link, "up")
        self.server: Server | None = None
        self.start()

    def start(self) -> None:
        server = in_netns(self.netns, lambda: Server((self.address, PORT), self.http))
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        self.server = server

    def fail(self, how: str) -> None:
        if how == "refused" and self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        elif how == "silent":
            ip("-n", self.netns, "route", "add", "blackhole", f"{self.peer}/32")
        elif how == "stalled" and self.server is not None:
            self.server.released.clear()

    def restore(self, how: str) -> None:
        if how == "refused":
            self.start()
        elif how == "silent":
            ip("-n", self.netns, "route", "del", "blackhole", f"{self.peer}/32")
        elif how == "stalled" and self.server is not None:
            self.server.released.set()

    def close(self) -> None:
        if self.server is not None:
            self.server.released.set()
            self.server.shutdown()
            self.server.server_close()
        subprocess.run(["ip", "netns", "delete", self.netns], check=False)


def lb_netns() -> str:
    name = f"pyipvs-det-{uuid.uuid4().hex[:6]}"
    ip("netns", "add", name)
    ip("-n", name, "link", "set", "lo", "up")
    return name
