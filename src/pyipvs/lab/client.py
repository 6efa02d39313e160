# SPDX-License-Identifier: Apache-2.0
"""HTTP requests through the VIP, made from inside the client namespace.

The lab runs in its own namespace; the requests must leave from the client's. ``python -m
pyipvs.lab.client`` runs there (``ip netns exec client``) and answers one JSON line per request
line: ``{"source": "10.0.0.101", "timeout": 0.5}`` in, ``{"ok": true, "body": "rs1 is up",
"seconds": 0.004}`` or ``{"ok": false, "error": "timed out", ...}`` out.
:class:`ClientAgent` is the lab's side of that pipe."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import time
from dataclasses import dataclass

from pyipvs.lab.topology import CLIENT, CLIENT_ADDRESS, VIP


@dataclass(frozen=True)
class Answer:
    ok: bool
    body: str
    error: str
    seconds: float

    @property
    def server(self) -> str:
        """Who answered: ``rs1``, ``rs2``, ``sorry`` or ``-`` when nobody did."""
        if not self.ok:
            return "-"
        return "sorry" if self.body.startswith("sorry") else self.body.split()[0]


def get(source: str, timeout: float) -> Answer:
    """GET http://10.0.0.5/ from ``source``, one connection, as a browser's first visit."""
    start = time.monotonic()
    connection = http.client.HTTPConnection(VIP, 80, timeout=timeout, source_address=(source, 0))
    try:
        connection.request("GET", "/", headers={"Connection": "close"})
        response = connection.getresponse()
        body = response.read().decode(errors="replace").strip()
        ok, error = response.status == 200, "" if response.status == 200 else str(response.status)
    except OSError as exc:
        ok, body, error = False, "", str(exc) or type(exc).__name__
    finally:
        connection.close()
    return Answer(ok, body, error, time.monotonic() - start)


def serve() -> int:
    for line in sys.stdin:
        request = json.loads(line)
        answer = get(request["source"], request["timeout"])
        print(json.dumps(answer.__dict__), flush=True)
    return 0


class ClientAgent:
    """The request maker in the client namespace, one process for the whole run."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            ["ip", "netns", "exec", CLIENT, sys.executable, "-m", "pyipvs.lab.client"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def get(self, source: str = CLIENT_ADDRESS, timeout: float = 1.0) -> Answer:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps({"source": source, "timeout": timeout}) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the client agent stopped")
        return Answer(**json.loads(line))

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(serve())
