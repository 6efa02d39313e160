# SPDX-License-Identifier: Apache-2.0
"""BIRD 2 as the speaker: a generated include file and the control socket.

The daemon never speaks BGP. It writes the addresses to announce as the routes of two static
protocols (``<protocol>4``, ``<protocol>6``) into a file that the operator's ``bird.conf``
includes, then asks BIRD to ``configure`` over its control socket; BIRD diffs the static
routes and sends the BGP updates. A BIRD started later reads the same file, so a restarted
speaker announces what the file says without waiting for us.

The control socket speaks birdc's protocol (BIRD's user guide, "Remote control"): every reply
line starts with a four-digit code followed by ``-`` when more lines follow or a space on the
last line; a line starting with a space continues the previous code. 0xxx is success, 1xxx
and 2xxx are table rows and headings, 8xxx a run-time error and 9xxx a parse error.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: How long one command may take, connection and greeting included.
COMMAND_TIMEOUT = 5.0
_READ_LIMIT = 1 << 20
HEADER = (
    "# Written by pyipvs-keepalived (pyipvs_bgp): the addresses of the virtual servers that\n"
    "# have quorum on this director. Rewritten at every change: do not edit.\n"
)


class SpeakerError(Exception):
    """The speaker cannot be reached, or refused what it was asked."""


@dataclass(frozen=True)
class Reply:
    """One answer of the control socket: the code of its last line and every line's text."""

    code: int
    lines: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.code < 8000

    @property
    def text(self) -> str:
        return " / ".join(line for line in self.lines if line)


class ReplyReader:
    """Lines in, a :class:`Reply` out once its last line has come (no IO)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.code = 0

    def feed(self, line: str) -> Reply | None:
        line = line.rstrip("\r\n")
        if line.startswith(" ") or line.startswith("+"):  # continuation of the last code
            self.lines.append(line[1:])
            return None
        if len(line) < 5 or not line[:4].isdigit() or line[4] not in " -":
            raise SpeakerError(f"not a BIRD control-socket line: {line[:80]!r}")
        self.code = int(line[:4])
        self.lines.append(line[5:])
        if line[4] == "-":
            return None
        reply = Reply(self.code, tuple(self.lines))
        self.lines = []
        return reply


async def command(path: str, text: str, timeout: float = COMMAND_TIMEOUT) -> Reply:
    """Sends one command on a fresh connection; :class:`SpeakerError` when the socket cannot
    be reached, times out or closes early. The reply may be an error (``reply.ok`` False)."""
    try:
        return await asyncio.wait_for(_exchange(path, text), timeout)
    except asyncio.TimeoutError:  # the builtin's alias only from Python 3.11
        raise SpeakerError(f"{path}: no answer within {timeout:g} s") from None
    except OSError as exc:
        raise SpeakerError(f"{path}: {exc.strerror or exc}") from None


async def _exchange(path: str, text: str) -> Reply:
    reader, writer = await asyncio.open_unix_connection(path, limit=_READ_LIMIT)
    try:
        greeting = await _read_reply(reader, path)  # "0001 BIRD 2.0.12 ready."
        if greeting.code != 1:
            raise SpeakerError(f"{path}: unexpected greeting {greeting.text!r}")
        writer.write(text.encode() + b"\n")
        await writer.drain()
        return await _read_reply(reader, path)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def _read_reply(reader: asyncio.StreamReader, path: str) -> Reply:
    parser = ReplyReader()
    while True:
        raw = await reader.readline()
        if not raw:
            raise SpeakerError(f"{path}: the speaker closed the control connection")
        reply = parser.feed(raw.decode(errors="replace"))
        if reply is not None:
            return reply


def protocol_names(protocol: str) -> tuple[str, str]:
    """The two static protocols' names: IPv4 routes in the first, IPv6 in the second."""
    return f"{protocol}4", f"{protocol}6"


def bfd_name(protocol: str) -> str:
    """The BFD protocol's name, when the block asks for BFD."""
    return f"{protocol}_bfd"


def render_bfd(protocol: str, bfd: tuple[float, int]) -> str:
    """A ``protocol bfd`` serving every BGP session that says ``bfd on``: BIRD's BGP asks
    the BFD protocol for a session to its neighbour, and closes the BGP session when BFD
    declares the neighbour down (BIRD's user guide, "BFD"). The same interval both ways:
    our transmit rate, and the rate we ask of the router. RFC 5880 6.8.7: a side sends at
    the slower of its own desired rate and the other's required one; 6.8.4: the router
    declares us down after our multiplier times that interval without a packet."""
    interval, multiplier = bfd
    micros = max(1, round(interval * 1_000_000))
    timers = f"min rx interval {micros} us; min tx interval {micros} us; multiplier {multiplier};"
    return (
        f"protocol bfd {bfd_name(protocol)} {{\n"
        f'    interface "*" {{ {timers} }};\n'
        f"    multihop {{ {timers} }};\n"
        "}\n"
    )


def render_include(
    protocol: str, networks: Iterable[IPNetwork], bfd: tuple[float, int] | None = None
) -> str:
    """The include file's text: both protocols always exist (the operator's filters may name
    them), each with its host routes in address order; then the BFD protocol, if asked."""
    ordered = sorted(set(networks), key=lambda n: (n.version, n.network_address))
    v4_name, v6_name = protocol_names(protocol)
    parts = [HEADER]
    for name, version in ((v4_name, 4), (v6_name, 6)):
        parts.append(f"protocol static {name} {{\n    ipv{version};\n")
        parts.extend(f"    route {n} blackhole;\n" for n in ordered if n.version == version)
        parts.append("}\n")
    if bfd is not None:
        parts.append(render_bfd(protocol, bfd))
    return "".join(parts)


def write_include(path: str, text: str) -> bool:
    """Replaces the file at once (a speaker reading it sees the old or the new text, never a
    half); False when the file already says *text*."""
    try:
        with open(path, encoding="utf-8") as current:
            if current.read() == text:
                return False
    except OSError:
        pass
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(temporary, 0o644)  # BIRD may run as its own user
    os.replace(temporary, path)
    return True


class BirdSpeaker:
    """What the announcer asks of BIRD: publish a set of host routes, and say who it is."""

    name = "bird"

    def __init__(
        self,
        control_socket: str,
        include_file: str,
        protocol: str,
        bfd: tuple[float, int] | None = None,
    ) -> None:
        self.control_socket = control_socket
        self.include_file = include_file
        self.protocol = protocol
        self.bfd = bfd

    def write(self, networks: Iterable[IPNetwork]) -> None:
        """The routes into the include file (also read by a BIRD that starts later)."""
        try:
            write_include(self.include_file, render_include(self.protocol, networks, self.bfd))
        except OSError as exc:
            raise SpeakerError(f"cannot write {self.include_file}: {exc}") from None

    async def publish(self, networks: Iterable[IPNetwork]) -> None:
        """Writes the routes and has BIRD read them; :class:`SpeakerError` if it did not."""
        self.write(networks)
        reply = await command(self.control_socket, "configure")
        # 0003 Reconfigured, 0004 in progress, 0018 confirmed, 0019 nothing to do (BIRD 2.0)
        if not reply.ok:
            raise SpeakerError(f"BIRD refused configure: {reply.code} {reply.text}")
        await self._check_included()

    async def _check_included(self) -> None:
        """A ``bird.conf`` that does not include the file takes ``configure`` without a word
        and announces nothing: our protocol must exist once BIRD has read it."""
        name = protocol_names(self.protocol)[0]
        reply = await command(self.control_socket, f'show protocols "{name}"')
        if not (reply.ok and any(line.split()[:1] == [name] for line in reply.lines)):
            raise SpeakerError(
                f"BIRD has no protocol {name}: does its configuration include "
                f"{self.include_file}? ({reply.text})"
            )

    async def identity(self) -> str:
        """BIRD's version and start time (``show status``): a change means it restarted."""
        reply = await command(self.control_socket, "show status")
        if not reply.ok:
            raise SpeakerError(f"BIRD refused show status: {reply.code} {reply.text}")
        facts = [line for line in reply.lines if line.startswith(("BIRD ", "Last reboot"))]
        return " ".join(facts) or reply.text
