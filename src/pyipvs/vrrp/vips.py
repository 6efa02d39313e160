# SPDX-License-Identifier: Apache-2.0
"""Virtual addresses on an interface through rtnetlink (pyroute2), for the driver."""

from __future__ import annotations

import errno
import ipaddress
from typing import Any

from pyroute2 import AsyncIPRoute, NetlinkError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# <linux/if_addr.h>: no duplicate address detection, so an IPv6 VIP works at once (keepalived
# sets it too: the other router has just removed the address, or never had it).
IFA_F_NODAD = 0x02


async def interface_info(ifname: str) -> tuple[int, bytes]:
    """The interface's index and MAC address.

    :raises LookupError: no such interface.
    """
    async with AsyncIPRoute() as ipr:
        found = await ipr.link_lookup(ifname=ifname)
        if not found:
            raise LookupError(f"no interface {ifname!r}")
        index = int(found[0])
        links: list[Any] = [link async for link in await ipr.get_links(index=index)]
    mac = str(links[0].get("address") or "00:00:00:00:00:00")
    return index, bytes.fromhex(mac.replace(":", ""))


async def change_vips(index: int, addresses: tuple[IPAddress, ...], add: bool) -> None:
    """Adds or removes host addresses (/32, /128); one already there, or already gone, is
    fine (keepalived does the same after a restart)."""
    command = "add" if add else "del"
    harmless = (errno.EEXIST,) if add else (errno.EADDRNOTAVAIL, errno.ENOENT)
    async with AsyncIPRoute() as ipr:
        for address in addresses:
            extra = {"prefixlen": 32} if address.version == 4 else {"prefixlen": 128}
            if add and address.version == 6:
                extra["flags"] = IFA_F_NODAD
            try:
                await ipr.addr(command, index=index, address=str(address), **extra)
            except NetlinkError as exc:
                if exc.code not in harmless:
                    raise


async def addresses_on(ifname: str) -> set[IPAddress]:
    """The addresses on an interface (empty when there is no such interface)."""
    async with AsyncIPRoute() as ipr:
        found = await ipr.link_lookup(ifname=ifname)
        if not found:
            return set()
        messages: list[Any] = [m async for m in await ipr.get_addr(index=int(found[0]))]
    return {ipaddress.ip_address(str(m.get("address"))) for m in messages if m.get("address")}
