# SPDX-License-Identifier: Apache-2.0
"""PING_CHECK: one ICMP (or ICMPv6) echo; up on the matching echo reply (RFC 792, RFC 4443).

An unprivileged ping socket (``SOCK_DGRAM``/``IPPROTO_ICMP``) is used when
``net.ipv4.ping_group_range`` lets us; otherwise, as root, a raw socket. On a ping socket the
kernel picks the identifier and fills the checksum; on a raw one we do both.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
import struct
from dataclasses import dataclass

from pyipvs.check.connect import Target, make_socket
from pyipvs.check.result import ProbeResult, failed
from pyipvs.check.verdicts import ping_verdict

_ECHO_REQUEST: dict[int, int] = {socket.AF_INET: 8, socket.AF_INET6: 128}
_ECHO_REPLY: dict[int, int] = {socket.AF_INET: 0, socket.AF_INET6: 129}
_SEQUENCE = itertools.count(1)
_IDENT = os.getpid() & 0xFFFF


def internet_checksum(data: bytes) -> int:
    """RFC 1071 ones' complement sum."""
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def echo_request(
    family: int, sequence: int, payload: bytes = b"pyipvs-check", ident: int = 0
) -> bytes:
    """An echo request. The checksum is filled for ICMPv4 (a raw socket needs it; a ping
    socket recomputes it); for ICMPv6 the kernel always computes it (RFC 3542 §3.1)."""
    kind = _ECHO_REQUEST[family]
    header = struct.pack("!BBHHH", kind, 0, 0, ident, sequence & 0xFFFF)
    if family == socket.AF_INET:
        checksum = internet_checksum(header + payload)
        header = struct.pack("!BBHHH", kind, 0, checksum, ident, sequence & 0xFFFF)
    return header + payload


def is_echo_reply(family: int, packet: bytes, sequence: int) -> bool:
    if len(packet) < 8:
        return False
    kind, _code, _sum, _ident, seq = struct.unpack("!BBHHH", packet[:8])
    return bool(kind == _ECHO_REPLY[family] and seq == sequence & 0xFFFF)


def _open(target: Target) -> tuple[socket.socket, bool]:
    """(socket, raw): a ping socket if allowed, else a raw one."""
    family = target.family
    proto = socket.IPPROTO_ICMP if family == socket.AF_INET else socket.IPPROTO_ICMPV6
    try:
        return make_socket(target, socket.SOCK_DGRAM, proto), False
    except PermissionError:
        return make_socket(target, socket.SOCK_RAW, proto), True


@dataclass(frozen=True)
class PingProbe:
    target: Target
    kind = "PING_CHECK"

    async def run(self) -> ProbeResult:
        try:
            sock, raw = _open(self.target)
        except OSError as exc:
            return failed(f"no ping socket: {exc.strerror or exc}")
        loop = asyncio.get_running_loop()
        sequence = next(_SEQUENCE)
        family = self.target.family
        try:
            sock.connect((self.target.address, 0))  # no handshake: immediate
            await loop.sock_sendall(sock, echo_request(family, sequence, ident=_IDENT))
            replied = await asyncio.wait_for(
                self._reply(sock, sequence, raw), self.target.connect_timeout
            )
            return ping_verdict(replied)
        except (TimeoutError, OSError):
            return ping_verdict(False)
        finally:
            sock.close()

    async def _reply(self, sock: socket.socket, sequence: int, raw: bool) -> bool:
        loop = asyncio.get_running_loop()
        family = self.target.family
        while True:
            packet = await loop.sock_recv(sock, 2048)
            if raw and family == socket.AF_INET:  # a raw IPv4 socket hands us the IP header
                packet = packet[(packet[0] & 0x0F) * 4 :] if packet else packet
                if packet[4:6] != struct.pack("!H", _IDENT):
                    continue
            if is_echo_reply(family, packet, sequence):
                return True
