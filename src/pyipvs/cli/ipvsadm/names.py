# SPDX-License-Identifier: Apache-2.0
"""Addresses and ports as ipvsadm prints them: numeric, or resolved the way ipvsadm resolves.

Without ``-n`` ipvsadm asks ``gethostbyaddr`` for each address and ``getservbyport`` for each
port (with the service's protocol), falling back to the number; Python's ``socket`` functions
call the same libc routines. Results are cached per process (ipvsadm asks again each time; the
answers are the same, only slower).
"""

from __future__ import annotations

import socket
from functools import lru_cache
from ipaddress import IPv4Address, IPv6Address

from pyipvs._cache import remember

ANYNAME_BUFFER = 60  # ipvsadm formats "addr:port" into a 60-byte buffer


_IPV4_TEXT: dict[int, str] = {}  # listings name the same real servers many times


def numeric_address(address: IPv4Address | IPv6Address) -> str:
    """``inet_ntop`` (libc's spelling of IPv6, e.g. ``::ffff:1.2.3.4``)."""
    if address.version == 6:
        return socket.inet_ntop(socket.AF_INET6, address.packed)
    number = int(address)
    text = _IPV4_TEXT.get(number)
    if text is None:
        text = remember(_IPV4_TEXT, number, str(address), 1 << 16)
    return text


@lru_cache(maxsize=4096)
def address_name(address: IPv4Address | IPv6Address) -> str:
    """``gethostbyaddr``'s name for ``address``, or the numeric form."""
    try:
        return socket.gethostbyaddr(numeric_address(address))[0]
    except (OSError, UnicodeError):
        return numeric_address(address)


@lru_cache(maxsize=4096)
def port_name(port: int, protocol: str) -> str:
    """``getservbyport``'s name for ``port``/``protocol``, or the number."""
    try:
        return socket.getservbyport(port, protocol)
    except (OSError, OverflowError):
        return str(port)


def address_port(
    address: IPv4Address | IPv6Address, port: int, protocol: str, numeric: bool
) -> str:
    """ipvsadm's ``addrport_to_anyname``: ``a.b.c.d:port`` or ``[v6]:port``."""
    host = numeric_address(address) if numeric else address_name(address)
    service = str(port) if numeric else port_name(port, protocol)
    text = f"[{host}]:{service}" if address.version == 6 else f"{host}:{service}"
    return text[: ANYNAME_BUFFER - 1]
