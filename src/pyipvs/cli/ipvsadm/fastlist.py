# SPDX-License-Identifier: Apache-2.0
"""``-L -n``'s fast path: the real-server lines of the plain listing, made from C records.

A listing of 10,000 services with 4 real servers each has 40,000 real-server lines; making a
:class:`~pyipvs.RealServer` of each only to print five of its fields costs more than the
kernel's dump of them. For the plain numeric listing (``-L -n``, with ``--nosort`` or not, and
no other format option) the lines are made from the unpacked records of
:meth:`pyipvs.Ipvs.table_records` instead, in the order and spelling of
:mod:`~pyipvs.cli.ipvsadm.format` (services stay value objects and use its
:func:`~pyipvs.cli.ipvsadm.format.service_line`). tests/unit/test_pyipvsadm_fastlist.py
compares the two over generated tables; the kernel tier compares both with ipvsadm.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Any

from pyipvs._bindings.ipvs_requests import AF_INET6, FWD
from pyipvs._cache import remember
from pyipvs.cli.ipvsadm.format import (
    FORWARD_NAMES,
    SERVER_NAME_WIDTH,
    Format,
    in_listing_order,
    service_line,
    title,
)
from pyipvs.cli.ipvsadm.names import ANYNAME_BUFFER
from pyipvs.cli.ipvsadm.sort import AF_INET, sort_like_ipvsadm
from pyipvs.ipvs.model import VirtualService

Record = tuple[Any, ...]  # an unpacked struct pyipvs_ipvs_dest (pyipvs._bindings.ipvs_requests)
_FORWARD_LABEL = {number: FORWARD_NAMES.get(name, "Route") for name, number in FWD.items()}
_PREFIXES: dict[Record, str] = {}  # a line up to its counters, per configuration


def applies(fmt: Format) -> bool:
    """Whether fmt is the plain numeric listing this module makes."""
    plain = Format(numeric=True, nosort=fmt.nosort, exact=fmt.exact)
    return fmt == plain


def listing(table: Sequence[tuple[VirtualService, list[Record]]], fmt: Format, header: str) -> str:
    """The whole listing, as :func:`pyipvs.cli.ipvsadm.format.listing` writes it."""
    out = [header, title(fmt)]
    for vs, records in in_listing_order(table, fmt):
        out.append(service_line(vs, fmt))
        ordered = records if fmt.nosort else sort_like_ipvsadm(records, _words)
        for t in ordered:
            key = t[:10]
            prefix = _PREFIXES.get(key) or _prefix(key)
            out.append(prefix + "%-10d %-10d\n" % (t[10], t[11]))  # noqa: UP031 (ipvsadm's)
    return "".join(out)


def _prefix(key: Record) -> str:
    """``  -> address:port  Forward Weight `` of a record (its first ten fields)."""
    af, addr, port, fwd, weight = key[:5]
    if af == AF_INET6:
        name = f"[{socket.inet_ntop(socket.AF_INET6, addr)}]:{port}"[: ANYNAME_BUFFER - 1]
    else:
        name = f"{socket.inet_ntoa(addr[:4])}:{port}"[: ANYNAME_BUFFER - 1][:SERVER_NAME_WIDTH]
    label = _FORWARD_LABEL.get(fwd & 7, "Route")
    text = "  -> %-28s %-7s %-6d " % (name, label, weight)  # noqa: UP031 (ipvsadm's format)
    return remember(_PREFIXES, key, text, 1 << 14)


def _words(t: Record) -> tuple[int, ...]:
    """ipvsadm's comparison words of a real server: family, address as u32s, port."""
    addr = t[1]
    if t[0] == AF_INET6:
        words = [int.from_bytes(addr[i : i + 4], "big") for i in range(0, 16, 4)]
        return (AF_INET6, *words, t[2])
    return (AF_INET, int.from_bytes(addr[:4], "big"), 0, 0, 0, t[2])
