# SPDX-License-Identifier: Apache-2.0
"""SMTP_CHECK: connect, expect a 220 greeting, send ``HELO helo_name``, expect 250, send
``QUIT`` (check_smtp.c; RFC 5321 §4.3.2)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from pyipvs.check.connect import Target, connect_tcp, failure_reason
from pyipvs.check.result import ProbeResult, failed
from pyipvs.check.verdicts import smtp_reply_code, smtp_verdict

_MAX_REPLY_LINES = 64


async def read_reply(reader: asyncio.StreamReader, timeout: float) -> int | None:
    lines: list[bytes] = []
    while len(lines) < _MAX_REPLY_LINES:
        line = await asyncio.wait_for(reader.readline(), timeout)
        if not line:
            return None
        lines.append(line.rstrip(b"\r\n"))
        if line[3:4] != b"-":
            return smtp_reply_code(lines)
    return None


@dataclass(frozen=True)
class SmtpProbe:
    target: Target
    helo_name: str = "localhost"
    kind = "SMTP_CHECK"

    async def run(self) -> ProbeResult:
        try:
            sock = await connect_tcp(self.target)
        except (OSError, TimeoutError) as exc:
            return failed(failure_reason(exc))
        reader, writer = await asyncio.open_connection(sock=sock)
        timeout = self.target.connect_timeout
        try:
            greeting = await read_reply(reader, timeout)
            if greeting != 220:
                return smtp_verdict(greeting or 0, None)
            writer.write(f"HELO {self.helo_name}\r\n".encode("ascii", "replace"))
            helo = await read_reply(reader, timeout)
            if helo == 250:
                writer.write(b"QUIT\r\n")
            return smtp_verdict(greeting, helo)
        except (OSError, TimeoutError) as exc:
            return failed(failure_reason(exc))
        finally:
            writer.close()
