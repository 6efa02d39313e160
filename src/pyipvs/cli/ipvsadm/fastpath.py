# SPDX-License-Identifier: Apache-2.0
"""``-R``'s fast path: lines in the shape ``-S -n`` writes them, straight to operations.

A restore file is mostly ``ipvsadm -S -n`` output, two shapes of line::

    -A -t 10.0.0.1:80 -s wlc [-p 300]
    -a -t 10.0.0.1:80 -r 192.168.0.1:8080 -m -w 1        (-m, -g or -i)

A line in exactly that shape (single spaces, ``-t`` or ``-u``, IPv4 addresses in plain
dotted decimal, decimal numbers without leading zeros and in range, a trailing CR or LF) is
turned into its operation here, without the popt scan and without a second look at values
the shape already guarantees. Any other line gives ``None`` and goes through the full parser
(:func:`~pyipvs.cli.ipvsadm.options.parse` then :func:`~pyipvs.cli.ipvsadm.rules.operation`),
so every error and every unusual spelling is handled there alone. For every line the fast
path takes, both give the same command, an equal operation and the same request bytes:
tests/unit/test_pyipvsadm_fastpath.py checks it over the recorded ipvsadm corpus and over
generated lines.

The value objects are built once per distinct service or real server and shared (they are
immutable), so a table that names the same real servers behind many services encodes each
of them once; the operations are made from them without the dataclass __init__ and its
checks (:func:`pyipvs.ipvs.ops.made_from_trusted`), since this module made them.
"""

from __future__ import annotations

import re
from ipaddress import IPv4Address
from socket import inet_aton

from pyipvs._cache import remember
from pyipvs.cli.ipvsadm.arguments import MAX_TIMEOUT
from pyipvs.cli.ipvsadm.options import DEFAULT_SCHEDULER, ServerSpec, ServiceSpec
from pyipvs.cli.ipvsadm.rules import real_server, virtual_service
from pyipvs.ipvs import ops
from pyipvs.ipvs.model import RealServer, VirtualService

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_V4 = rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}"
_NUMBER = r"[1-9][0-9]{0,9}"  # bounded: int() of the digits stays cheap
_END = r"\r?\n?"
_ADD_SERVICE = re.compile(
    rf"-A -([tu]) ({_V4}):({_NUMBER}) -s ([a-z][a-z0-9_]{{0,14}})(?: -p ({_NUMBER}))?{_END}"
)
_ADD_SERVER = re.compile(
    rf"-a -([tu]) ({_V4}):({_NUMBER}) -r ({_V4}):(0|{_NUMBER}) -([mgi]) -w (0|{_NUMBER}){_END}"
)
_PROTOCOL = {"t": "tcp", "u": "udp"}
_FORWARD = {"m": "masq", "g": "route", "i": "tunnel"}
_PORT_MAX = 65535
_WEIGHT_MAX = 2**31 - 1
_CACHE_LIMIT = 1 << 14

_ServiceKey = tuple[str, str, str, str, "str | None"]
_services: dict[_ServiceKey, VirtualService] = {}
_servers: dict[tuple[str, ...], RealServer] = {}


def fast_operation(line: str) -> tuple[str, ops.Operation] | None:
    """(command, operation) of a line in ``-S`` shape, or None for the full parser."""
    if line.startswith("-a "):
        return _add_server(line)
    if line.startswith("-A "):
        return _add_service(line)
    return None


def _add_service(line: str) -> tuple[str, ops.Operation] | None:
    match = _ADD_SERVICE.fullmatch(line)
    if match is None:
        return None
    protocol, address, port, scheduler, persistence = match.groups()
    vs = _services.get((protocol, address, port, scheduler, persistence))
    if vs is None:
        vs = _service(protocol, address, port, scheduler, persistence)
        if vs is None:
            return None
    return "add-service", ops.made_from_trusted(ops.AddService, vs)


def _add_server(line: str) -> tuple[str, ops.Operation] | None:
    match = _ADD_SERVER.fullmatch(line)
    if match is None:
        return None
    protocol, address, port, rs_address, rs_port, forward, weight = match.groups()
    # The parser gives an -a line's service the default scheduler: the service of an
    # "-A ... -s wlc" line is equal to it, and already made.
    vs = _services.get((protocol, address, port, "", None)) or _services.get(
        (protocol, address, port, DEFAULT_SCHEDULER, None)
    )
    if vs is None:
        vs = _service(protocol, address, port, "", None)
        if vs is None:
            return None
    if forward != "m":  # ipvsadm: direct routing and tunnels use the service's port
        rs_port = port
    key = (rs_address, rs_port, forward, weight)
    rs = _servers.get(key)
    if rs is None:
        rs = _server(*key)
        if rs is None:
            return None
    return "add-server", ops.made_from_trusted(ops.AddRealServer, vs, rs)


def _service(
    protocol: str, address: str, port: str, scheduler: str, persistence: str | None
) -> VirtualService | None:
    """The service the full parser would make of these words (None: out of range)."""
    number = int(port)
    timeout = None if persistence is None else int(persistence)
    if number > _PORT_MAX or (timeout is not None and timeout > MAX_TIMEOUT):
        return None
    spec = ServiceSpec(
        protocol=_PROTOCOL[protocol],
        address=IPv4Address(inet_aton(address)),
        port=number,
        scheduler=scheduler,
        persistence=timeout,
    )
    vs = virtual_service(spec)
    key: _ServiceKey = (protocol, address, port, scheduler, persistence)
    return remember(_services, key, vs, _CACHE_LIMIT)


def _server(address: str, port: str, forward: str, weight: str) -> RealServer | None:
    number, value = int(port), int(weight)
    if number > _PORT_MAX or value > _WEIGHT_MAX:
        return None
    packed = IPv4Address(inet_aton(address))
    spec = ServerSpec(address=packed, port=number, forward=_FORWARD[forward], weight=value)
    return remember(_servers, (address, port, forward, weight), real_server(spec), _CACHE_LIMIT)
