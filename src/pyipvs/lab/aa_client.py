# SPDX-License-Identifier: Apache-2.0
"""The active-active lab's client: a process in the client namespace, driven by JSON lines.

Each line on stdin is one command, each answer one line on stdout:

* ``{"op": "open", "n": N}``: N long-lived connections to the virtual address, answered with
  their local ports;
* ``{"op": "exchange", "text": T, "timeout": S}``: one line sent on every open connection and
  its echo awaited, answered with ``{port: true/false}``;
* ``{"op": "requests", "seconds": S, "threads": N}``: short connections (connect, one line,
  its echo, close) from N threads for S seconds, answered with the counts.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from typing import Any

VIP, PORT = "10.0.0.5", 80


def exchange(conn: socket.socket, text: str) -> bool:
    try:
        conn.sendall(text.encode() + b"\n")
        got = b""
        while not got.endswith(b"\n"):
            chunk = conn.recv(4096)
            if not chunk:
                return False
            got += chunk
        return got.decode() == text + "\n"
    except OSError:
        return False


def requests(seconds: float, threads: int) -> dict[str, int]:
    deadline = time.monotonic() + seconds
    totals = {"ok": 0, "errors": 0}
    lock = threading.Lock()

    def worker() -> None:
        ok = errors = 0
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((VIP, PORT), timeout=5) as conn:
                    ok, errors = (ok + 1, errors) if exchange(conn, "x") else (ok, errors + 1)
            except OSError:
                errors += 1
        with lock:
            totals["ok"] += ok
            totals["errors"] += errors

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return totals


def serve() -> int:
    conns: dict[int, socket.socket] = {}
    for line in sys.stdin:
        command: dict[str, Any] = json.loads(line)
        answer: object
        if command["op"] == "open":
            for _ in range(command["n"]):
                conn = socket.create_connection((VIP, PORT), timeout=8)
                conns[conn.getsockname()[1]] = conn
            answer = sorted(conns)
        elif command["op"] == "exchange":
            for conn in conns.values():
                conn.settimeout(command.get("timeout", 5))
            answer = {
                port: exchange(conn, f"{port} {command['text']}") for port, conn in conns.items()
            }
        else:
            answer = requests(command["seconds"], command["threads"])
        print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(serve())
