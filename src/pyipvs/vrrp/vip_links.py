# SPDX-License-Identifier: Apache-2.0
"""The interfaces an instance's virtual addresses live on, for the driver.

keepalived puts each ``virtual_ipaddress`` entry on its own ``dev`` (default: the instance's
interface) and sends its gratuitous ARP / unsolicited NA there (RFC 5798 section 6.4.1: the
neighbours that must learn the new master's MAC are those of the address's link). This keeps,
per interface, its index, MAC and one ``AF_PACKET`` socket, opened on first use.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pyipvs.vrrp.garp import gratuitous_arp, unsolicited_na
from pyipvs.vrrp.vips import (
    IPAddress,
    VipSpec,
    change_vips,
    host_spec,
    interface_info,
    netlink_error,
)

if TYPE_CHECKING:
    from pyroute2 import AsyncIPRoute

log = logging.getLogger("pyipvs.vrrp")


@dataclass
class _Link:
    index: int
    mac: bytes
    sock: socket.socket


def link_local(ifname: str) -> ipaddress.IPv6Address | None:
    """The interface's IPv6 link-local address (the source of its NAs), if it has one."""
    for line in Path("/proc/net/if_inet6").read_text().splitlines():
        words = line.split()
        # address, index, prefix length, scope (0x20: link), flags, name
        if len(words) == 6 and words[5] == ifname and int(words[3], 16) == 0x20:
            return ipaddress.IPv6Address(bytes.fromhex(words[0]))
    return None


class VipLinks:
    """Where each virtual address goes.

    :param interface: the instance's interface (an address with no ``dev``).
    :param specs: each address's spec; an address without one is a host address on
        *interface*.
    """

    def __init__(self, interface: str, specs: Iterable[VipSpec] = ()) -> None:
        self.interface = interface
        self.specs: dict[IPAddress, VipSpec] = {s.address: s for s in specs}
        self._links: dict[str, _Link] = {}

    def update(self, specs: Iterable[VipSpec]) -> None:
        """New specs (a reload); those of addresses no longer configured are kept, so the
        removal of such an address finds its interface."""
        self.specs.update({s.address: s for s in specs})

    def spec(self, address: IPAddress) -> VipSpec:
        return self.specs.get(address) or host_spec(address)

    def dev(self, address: IPAddress) -> str:
        return self.spec(address).dev or self.interface

    async def open(self, interface: str) -> tuple[int, bytes]:
        """The interface's index and MAC (its socket opened on first use).

        :raises LookupError: no such interface.
        """
        link = self._links.get(interface)
        if link is None:
            index, mac = interface_info(interface)
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            sock.bind((interface, 0))
            link = self._links[interface] = _Link(index, mac, sock)
        return link.index, link.mac

    def close(self) -> None:
        for link in self._links.values():
            link.sock.close()
        self._links.clear()

    async def change(self, ipr: AsyncIPRoute, addresses: Iterable[IPAddress], add: bool) -> None:
        """Adds or removes the addresses, each on its interface; an address whose interface
        does not exist is logged and skipped (keepalived reports it and goes on)."""
        placed: list[tuple[int, VipSpec]] = []
        for address in addresses:
            try:
                index, _ = await self.open(self.dev(address))
            except LookupError as exc:
                log.error("virtual address %s: %s", address, exc)
                continue
            placed.append((index, self.spec(address)))
        failed = netlink_error()
        for one in placed:  # one refused address (EINVAL: a scope the kernel rejects) only
            try:
                await change_vips(ipr, (one,), add)
            except failed as exc:
                log.error("virtual address %s: %s", one[1].address, exc)

    def send_gratuitous(
        self, addresses: Iterable[IPAddress], primary: IPAddress, repeat: int
    ) -> None:
        """Gratuitous ARPs / unsolicited NAs, each on its address's interface, *repeat*
        rounds. Only interfaces already opened (by :meth:`change`) are used."""
        frames: list[tuple[socket.socket, bytes]] = []
        for address in addresses:
            dev = self.dev(address)
            link = self._links.get(dev)
            if link is None:
                continue
            if address.version == 4:
                frames.append((link.sock, gratuitous_arp(link.mac, address)))
                continue
            own = dev == self.interface and primary.version == 6
            source = primary if own else link_local(dev)
            if isinstance(source, ipaddress.IPv6Address) and isinstance(
                address, ipaddress.IPv6Address
            ):
                frames.append((link.sock, unsolicited_na(link.mac, source, address)))
        for _ in range(repeat):
            for sock, frame in frames:
                sock.send(frame)
