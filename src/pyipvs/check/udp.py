# SPDX-License-Identifier: Apache-2.0
"""UDP_CHECK: send ``payload`` (random bytes when none) on a connected UDP socket; an ICMP port
unreachable is down. With ``require_reply`` the server must answer within
``connect_timeout`` with a reply that starts with ``reply`` (hex in the configuration)."""

from __future__ import annotations

import asyncio
import os
import socket
from dataclasses import dataclass

from pyipvs.check.connect import Target, make_socket
from pyipvs.check.result import ProbeResult
from pyipvs.check.verdicts import udp_verdict

_MAX_REPLY = 65535


@dataclass(frozen=True)
class UdpProbe:
    target: Target
    payload: bytes | None = None
    require_reply: bool = False
    reply: bytes | None = None
    min_reply_length: int | None = None
    max_reply_length: int | None = None
    kind = "UDP_CHECK"

    async def run(self) -> ProbeResult:
        loop = asyncio.get_running_loop()
        reply: bytes | None = None
        unreachable = False
        sock = make_socket(self.target, socket.SOCK_DGRAM)
        try:
            sock.connect((self.target.address, self.target.port))  # UDP: immediate
            await loop.sock_sendall(sock, self.payload or os.urandom(16))
            reply = await asyncio.wait_for(
                loop.sock_recv(sock, _MAX_REPLY), self.target.connect_timeout
            )
        except ConnectionRefusedError:  # the ICMP port unreachable, reported on the socket
            unreachable = True
        except (TimeoutError, OSError):
            reply = None
        finally:
            sock.close()
        return udp_verdict(
            reply,
            unreachable=unreachable,
            require_reply=self.require_reply,
            expected=self.reply,
            min_length=self.min_reply_length,
            max_length=self.max_reply_length,
        )
