# SPDX-License-Identifier: Apache-2.0
"""The C library's number and address parsing, as ipvsadm relies on it.

ipvsadm validates numbers with ``strtol`` (whole word, base 10), netmasks with ``atoi``, IPv4
addresses with ``inet_aton`` (which also accepts ``10.2`` and ``0x0a000002``) and falls back to
``gethostbyname`` / ``getservbyname``. Python's ``socket`` functions call the same libc
routines, so the results match byte for byte.
"""

from __future__ import annotations

import _socket as socket  # the C module: socket.py costs milliseconds at start-up
import re

_STRTOL_WORD = re.compile(r"[ \t\n\v\f\r]*([+-]?[0-9]+)")
_ATOI_PREFIX = re.compile(r"[ \t\n\v\f\r]*([+-]?[0-9]*)")
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


def strtol_whole(text: str) -> int | None:
    """``strtol(text, &end, 10)`` when it consumes the whole word without overflow, else None."""
    match = _STRTOL_WORD.fullmatch(text)
    if match is None:
        return None
    value = int(match.group(1))
    return value if _LONG_MIN <= value <= _LONG_MAX else None


def string_to_number(text: str, low: int, high: int) -> int | None:
    """ipvsadm's ``string_to_number``: a whole decimal word within ``[low, high]``."""
    value = strtol_whole(text)
    return value if value is not None and low <= value <= high else None


def atoi(text: str) -> int:
    """``atoi``: the leading decimal digits (0 when there are none), as a C int."""
    digits = _ATOI_PREFIX.match(text)
    number = digits.group(1) if digits else ""
    if number in ("", "+", "-"):
        return 0
    return (int(number) + 2**31) % 2**32 - 2**31


def inet_aton(text: str) -> bytes | None:
    """libc ``inet_aton``: the packed IPv4 address, or None."""
    if not text or "\x00" in text:
        return None
    try:
        return socket.inet_aton(text)
    except (OSError, ValueError):
        return None


def inet_pton6(text: str) -> bytes | None:
    """``inet_pton(AF_INET6, ...)``: the packed IPv6 address, or None."""
    try:
        return socket.inet_pton(socket.AF_INET6, text)
    except (OSError, ValueError):
        return None


def inet_pton4(text: str) -> bytes | None:
    """``inet_pton(AF_INET, ...)`` (strict dotted quad): the packed address, or None."""
    try:
        return socket.inet_pton(socket.AF_INET, text)
    except (OSError, ValueError):
        return None


def gethostbyname4(name: str) -> bytes | None:
    """``gethostbyname`` (IPv4 only, like ipvsadm's ``host_to_addr``), or None."""
    try:
        return socket.inet_aton(socket.gethostbyname(name))
    except (OSError, UnicodeError, ValueError):
        return None


def getservbyname(name: str, proto: str) -> int | None:
    """``getservbyname(name, proto)``: the port, or None."""
    try:
        return socket.getservbyname(name, proto)
    except (OSError, UnicodeError, ValueError):
        return None
