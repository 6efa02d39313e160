# SPDX-License-Identifier: Apache-2.0
"""Virtual addresses on an interface through rtnetlink (pyroute2), for the driver.

pyroute2 is imported when an address is first changed or listed, not with this module: it is
most of the VRRP child's import time (about 80 ms), and a starting instance needs only its
interface's index and MAC (``if_nametoindex``, ``SIOCGIFHWADDR``) before its down timer runs.
"""

from __future__ import annotations

import errno
import fcntl
import ipaddress
import socket
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyroute2 import AsyncIPRoute

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# <linux/if_addr.h>: no duplicate address detection, so an IPv6 VIP works at once (keepalived
# sets it too: the other router has just removed the address, or never had it).
IFA_F_NODAD = 0x02
# <linux/rtnetlink.h> rt_scope_t, by the names keepalived (and iproute2) take.
SCOPES = {"global": 0, "universe": 0, "site": 200, "link": 253, "host": 254, "nowhere": 255}


@dataclass(frozen=True)
class VipSpec:
    """How one virtual address is installed (keepalived's ``virtual_ipaddress`` entry):
    its prefix, interface (``None``: the instance's), broadcast, label and scope."""

    address: IPAddress
    prefixlen: int
    dev: str | None = None
    broadcast: ipaddress.IPv4Address | None = None
    label: str | None = None
    scope: int = 0
    nodad: bool = True


def vip_spec(
    text: str,
    *,
    brd: str | None = None,
    dev: str | None = None,
    scope: str | None = None,
    label: str | None = None,
    nodad: bool = True,
) -> VipSpec:
    """The spec of an entry ``IP[/MASK] [brd IP|+|-] [dev IF] [scope S] [label L]``. Without
    a mask: /32 or /128. ``brd +`` / ``brd -``: the subnet's broadcast / network address, as
    iproute2 reads them.

    :raises ValueError: a bad address, broadcast or scope (the message names it).
    """
    interface = ipaddress.ip_interface(text)
    broadcast = None
    if brd is not None and interface.version == 4:
        network = interface.network
        special = {"+": network.broadcast_address, "-": network.network_address}
        broadcast = special[brd] if brd in special else ipaddress.IPv4Address(brd)
    scope_id = 0
    if scope is not None:
        scope_id = SCOPES[scope] if scope in SCOPES else int(scope)
        if not 0 <= scope_id <= 255:
            raise ValueError(f"scope {scope!r}: expected a name or 0..255")
    return VipSpec(
        interface.ip, interface.network.prefixlen, dev, broadcast, label, scope_id, nodad
    )


def host_spec(address: IPAddress) -> VipSpec:
    """A host address (/32, /128) on the instance's interface: an address with no entry."""
    return VipSpec(address, address.max_prefixlen)


_SIOCGIFHWADDR = 0x8927  # <linux/sockios.h>


def interface_info(ifname: str) -> tuple[int, bytes]:
    """The interface's index and MAC address (all zero for an interface without one).

    :raises LookupError: no such interface.
    """
    try:
        index = socket.if_nametoindex(ifname)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            request = struct.pack("16s16x", ifname.encode())
            answer = fcntl.ioctl(sock.fileno(), _SIOCGIFHWADDR, request)
    except (OSError, ValueError, UnicodeError):
        raise LookupError(f"no interface {ifname!r}") from None
    return index, answer[18:24]  # struct ifreq: name[16], then sockaddr (family 2, data[14])


def import_rtnetlink() -> None:
    """Imports pyroute2 (the driver does it in a thread while the instance starts)."""
    import pyroute2  # noqa: F401


def netlink_error() -> type[Exception]:
    """pyroute2's ``NetlinkError`` (importing pyroute2 on first use)."""
    from pyroute2 import NetlinkError

    error: type[Exception] = NetlinkError
    return error


def open_rtnetlink() -> AsyncIPRoute:
    """An rtnetlink client (importing pyroute2 on first use)."""
    from pyroute2 import AsyncIPRoute

    return AsyncIPRoute()


async def change_vips(ipr: AsyncIPRoute, placed: Iterable[tuple[int, VipSpec]], add: bool) -> None:
    """Adds or removes addresses, each on its interface index with its prefix, broadcast,
    label and scope (keepalived's ``RTM_NEWADDR`` / ``RTM_DELADDR``); one already there, or
    already gone, is fine (keepalived does the same after a restart). *ipr*: an open
    rtnetlink client (saves opening one: a few milliseconds before the gratuitous ARPs)."""
    command = "add" if add else "del"
    harmless = (errno.EEXIST,) if add else (errno.EADDRNOTAVAIL, errno.ENOENT)
    failed = netlink_error()
    for index, spec in placed:
        try:
            await ipr.addr(command, index=index, **_attributes(spec, add))
        except failed as exc:
            if getattr(exc, "code", None) not in harmless:
                raise


def _attributes(spec: VipSpec, add: bool) -> dict[str, Any]:
    attributes: dict[str, Any] = {"address": str(spec.address), "prefixlen": spec.prefixlen}
    if spec.address.version == 4:
        if spec.broadcast is not None:
            attributes["broadcast"] = str(spec.broadcast)
        if spec.label is not None:
            attributes["label"] = spec.label
        if add:
            attributes["scope"] = spec.scope
    elif add and spec.nodad:
        attributes["flags"] = IFA_F_NODAD
    return attributes


async def addresses_on(ifname: str) -> set[IPAddress]:
    """The addresses on an interface (empty when there is no such interface)."""
    async with open_rtnetlink() as ipr:
        found = await ipr.link_lookup(ifname=ifname)
        if not found:
            return set()
        messages: list[Any] = [m async for m in await ipr.get_addr(index=int(found[0]))]
    return {ipaddress.ip_address(str(m.get("address"))) for m in messages if m.get("address")}
