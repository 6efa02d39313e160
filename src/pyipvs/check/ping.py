# SPDX-License-Identifier: Apache-2.0
"""PING_CHECK: one ICMP (or ICMPv6) echo over an unprivileged ping socket
(``SOCK_DGRAM``/``IPPROTO_ICMP``; needs the group in ``net.ipv4.ping_group_range``, or root).
The kernel picks the identifier; we match the reply's sequence number (RFC 792)."""

from __future__ import annotations

import asyncio
import itertools
import socket
import struct
from dataclasses import dataclass

from pyipvs.check.connect import Target, make_socket
from pyipvs.check.result import ProbeResult, failed
from pyipvs.check.verdicts import ping_verdict

_ECHO_REQUEST: dict[int, int] = {socket.AF_INET: 8, socket.AF_INET6: 128}
_ECHO_REPLY: dict[int, int] = {socket.AF_INET: 0, socket.AF_INET6: 129}
_SEQUENCE = itertools.count(1)


def echo_request(family: int, sequence: int, payload: bytes = b"pyipvs-check") -> bytes:
    """An echo request; the checksum is left 0 for the kernel to fill on ping sockets."""
    return struct.pack("!BBHHH", _ECHO_REQUEST[family], 0, 0, 0, sequence & 0xFFFF) + payload


def is_echo_reply(family: int, packet: bytes, sequence: int) -> bool:
    if len(packet) < 8:
        return False
    kind, _code, _sum, _ident, seq = struct.unpack("!BBHHH", packet[:8])
    return bool(kind == _ECHO_REPLY[family] and seq == sequence & 0xFFFF)


@dataclass(frozen=True)
class PingProbe:
    target: Target
    kind = "PING_CHECK"

    async def run(self) -> ProbeResult:
        family = self.target.family
        proto = socket.IPPROTO_ICMP if family == socket.AF_INET else socket.IPPROTO_ICMPV6
        try:
            sock = make_socket(self.target, socket.SOCK_DGRAM, proto)
        except OSError as exc:
            return failed(f"no ping socket: {exc.strerror or exc}")
        loop = asyncio.get_running_loop()
        sequence = next(_SEQUENCE)
        try:
            await loop.sock_connect(sock, (self.target.address, 0))
            await loop.sock_sendall(sock, echo_request(family, sequence))
            replied = await asyncio.wait_for(
                self._reply(sock, sequence), self.target.connect_timeout
            )
            return ping_verdict(replied)
        except (TimeoutError, OSError):
            return ping_verdict(False)
        finally:
            sock.close()

    async def _reply(self, sock: socket.socket, sequence: int) -> bool:
        loop = asyncio.get_running_loop()
        while True:
            packet = await loop.sock_recv(sock, 2048)
            if is_echo_reply(self.target.family, packet, sequence):
                return True
