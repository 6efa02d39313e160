# SPDX-License-Identifier: Apache-2.0
"""The virtual MAC interface of ``use_vmac``: a macvlan on the instance's interface carrying the
virtual router MAC (RFC 5798 section 7.3: 00-00-5E-00-01-{VRID} for IPv4), so the VIPs keep
one MAC whichever router holds them and clients' ARP caches need no update on failover.

What keepalived 2.2.7 does, and this module does too (``vrrp_vmac.c``, ``vrrp_if_config.c``
``set_interface_parameters``; seen in a namespace with ``ip -d link`` and ``/proc/sys``):

* a macvlan in **private** mode named ``vrrp.VRID`` (or the name given to ``use_vmac``; also
  for IPv6), with the virtual router MAC, up while the instance runs (also in BACKUP: it
  holds no address then, so it answers nothing);
* IPv4: on it ``arp_ignore=1``, ``accept_local=1``, ``rp_filter=0``,
  ``promote_secondaries=1``, and ``disable_ipv6=1`` (no link-local address of its own: two
  routers' VMACs would derive the same one); on the base interface ``arp_ignore=1`` and
  ``arp_filter=1`` (it must not answer ARP for the VIPs with its own MAC), restored here when
  the last VMAC made on it goes;
* IPv6: no address generation on it (``addrgenmode none``) and the base interface's
  link-local address copied onto it, ``nodad`` and deprecated (preferred lifetime 0): the
  advert source (RFC 5798 section 5.1.2.2) is then an address of the interface they leave
  from, and one that differs between the routers; no IPv4 sysctls;
* the macvlan deleted when the instance stops.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pyipvs.vrrp.vips import IFA_F_NODAD, netlink_error

if TYPE_CHECKING:
    from pyroute2 import AsyncIPRoute

log = logging.getLogger("pyipvs.vrrp")
_CONF = Path("/proc/sys/net")
INFINITY_LIFE_TIME = 0xFFFFFFFF  # <linux/if_addr.h>
VMAC_SYSCTLS = {"arp_ignore": 1, "accept_local": 1, "rp_filter": 0, "promote_secondaries": 1}
BASE_SYSCTLS = {"arp_ignore": 1, "arp_filter": 1}
# base interface -> (VMACs made on it, its values before the first)
_bases: dict[str, tuple[int, dict[str, int]]] = {}


@dataclass(frozen=True)
class Vmac:
    """A VMAC: its name, the interface it sits on, the instance's VRID and family, and
    whether adverts leave from the base interface (``vmac_xmit_base``)."""

    name: str
    base: str
    vrid: int
    family: int = 4
    xmit_base: bool = False
    #: IPv6: the base interface's link-local address, copied onto the VMAC
    link_local: ipaddress.IPv6Address | None = None

    @property
    def mac(self) -> str:
        """The virtual router MAC (RFC 5798 section 7.3; RFC 3768 section 7.3 for v2)."""
        return f"00:00:5e:00:0{1 if self.family == 4 else 2}:{self.vrid:02x}"


def default_name(vrid: int, prefix: str = "vrrp") -> str:
    """keepalived's default VMAC name: ``PREFIX.VRID`` (``vmac_prefix``, default ``vrrp``),
    for IPv4 and IPv6 alike (seen with keepalived 2.2.7: ``vrrp.52`` for an IPv6 instance,
    ``vx.51`` with ``vmac_prefix vx``)."""
    return f"{prefix}.{vrid}"


def _sysctl(family: str, ifname: str, key: str, value: int | None = None) -> int:
    path = _CONF / family / "conf" / ifname / key
    if value is not None:
        path.write_text(f"{value}\n")
    return int(path.read_text().split()[0])


async def create(ipr: AsyncIPRoute, vmac: Vmac) -> None:
    """Creates the macvlan, sets the sysctls, brings it up. One left by a predecessor is
    kept when it is this VMAC (a macvlan with the MAC on the base interface: a respawned
    child resuming as master keeps the addresses on it), else deleted first.

    :raises LookupError: no base interface.
    :raises OSError: the kernel refused (no macvlan support, a name in use by another kind).
    """
    found = await ipr.link_lookup(ifname=vmac.base)
    if not found:
        raise LookupError(f"no interface {vmac.base!r} for the VMAC")
    base = int(found[0])
    kept = await _is_ours(ipr, vmac, base)
    if not kept:
        await _delete_link(ipr, vmac.name)
        await ipr.link(
            "add",
            ifname=vmac.name,
            kind="macvlan",
            link=base,
            macvlan_mode="private",
            address=vmac.mac,
        )
    index = int((await ipr.link_lookup(ifname=vmac.name))[0])
    if vmac.family == 4:
        _sysctl("ipv6", vmac.name, "disable_ipv6", 1)
        for key, value in VMAC_SYSCTLS.items():
            _sysctl("ipv4", vmac.name, key, value)
        _hold_base(vmac.base)
    else:
        _sysctl("ipv6", vmac.name, "addr_gen_mode", 1)  # none
    await ipr.link("set", index=index, state="up")
    if vmac.family == 6 and vmac.link_local is not None:
        await ipr.addr(
            "add",
            index=index,
            address=str(vmac.link_local),
            prefixlen=64,
            flags=IFA_F_NODAD,
            preferred=0,
            valid=INFINITY_LIFE_TIME,
        )
    log.info("%s VMAC interface %s", "Kept the" if kept else "Success creating", vmac.name)


async def delete(ipr: AsyncIPRoute, vmac: Vmac) -> None:
    """Deletes the macvlan; the base interface's sysctls come back with the last one."""
    await _delete_link(ipr, vmac.name)
    if vmac.family == 4:
        _release_base(vmac.base)
    log.info("Success removing VMAC interface %s", vmac.name)


async def _is_ours(ipr: AsyncIPRoute, vmac: Vmac, base: int) -> bool:
    found = await ipr.link_lookup(ifname=vmac.name)
    if not found:
        return False
    messages = [m async for m in await ipr.get_links(int(found[0]))]
    return any(
        m.get("address") == vmac.mac
        and m.get("link") == base
        and m.get_nested("IFLA_LINKINFO", "IFLA_INFO_KIND") == "macvlan"
        for m in messages
    )


async def _delete_link(ipr: AsyncIPRoute, name: str) -> None:
    found = await ipr.link_lookup(ifname=name)
    if found:
        try:
            await ipr.link("del", index=int(found[0]))
        except netlink_error() as exc:
            log.error("cannot delete interface %s: %s", name, exc)


def _hold_base(base: str) -> None:
    count, before = _bases.get(base, (0, {}))
    if count == 0:
        before = {key: _sysctl("ipv4", base, key) for key in BASE_SYSCTLS}
        for key, value in BASE_SYSCTLS.items():
            _sysctl("ipv4", base, key, value)
    _bases[base] = (count + 1, before)


def _release_base(base: str) -> None:
    count, before = _bases.get(base, (0, {}))
    if count <= 1:
        _bases.pop(base, None)
        for key, value in before.items():
            with contextlib.suppress(OSError):  # the interface is gone
                _sysctl("ipv4", base, key, value)
    else:
        _bases[base] = (count - 1, before)
