"""Every scheduler x {tcp, udp, sctp, fwmark} x {IPv4, IPv6} x forwarding method: pyipvs creates
it, lists it back exactly, and ipvsadm -S -n shows the same as when ipvsadm creates it."""

from __future__ import annotations

import os
import platform

import pytest
from ipvsadm_util import add_service_line, real_server_args, run_in, save

from pyipvs import Ipvs, RealServer, UnknownScheduler, VirtualService
from pyipvs.ipvs.model import SCHEDULERS

KINDS = ["tcp", "udp", "sctp", "fwmark"]
FAMILIES = ["inet", "inet6"]
FORWARDS = ["masq", "route", "tunnel"]


def scheduler_available(name: str) -> bool:
    """Whether this kernel has the scheduler (built in or as a module)."""
    if name == "none":
        return True
    moddir = f"/lib/modules/{platform.release()}/kernel/net/netfilter/ipvs"
    if any(f.startswith(f"ip_vs_{name}.ko") for f in os.listdir(moddir)):
        return True
    with open(f"/lib/modules/{platform.release()}/modules.builtin") as f:
        return f"ip_vs_{name}.ko" in f.read()


def combos() -> list[tuple[VirtualService, RealServer]]:
    out = []
    port = 1000
    for kind in KINDS:
        for family in FAMILIES:
            for fwd in FORWARDS:
                port += 1
                if kind == "fwmark":
                    vs = VirtualService(fwmark=port, family=family)
                    rs_port = 0
                else:
                    host = "10.0.0.1" if family == "inet" else "2001:db8::1"
                    vs = VirtualService(kind, host, port)
                    rs_port = port
                rs_host = "10.1.0.1" if family == "inet" else "2001:db8:1::1"
                out.append((vs, RealServer(rs_host, rs_port, forward=fwd, weight=2)))
    return out


def with_scheduler(vs: VirtualService, scheduler: str) -> VirtualService:
    import dataclasses

    return dataclasses.replace(vs, scheduler=scheduler)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_scheduler_matrix(ipvs_netns: str, peer_netns: str, scheduler: str) -> None:
    pairs = [(with_scheduler(vs, scheduler), rs) for vs, rs in combos()]
    with Ipvs(netns=ipvs_netns) as ipvs:
        if not scheduler_available(scheduler):
            # e.g. twos on Debian's 6.1 (CONFIG_IP_VS_TWOS is not set)
            with pytest.raises(UnknownScheduler):
                ipvs.add_service(pairs[0][0])
            return
        for vs, rs in pairs:
            ipvs.add_service(vs)
            ipvs.add_real_server(vs, rs)
        table = ipvs.table()
    assert table == {vs: [rs] for vs, rs in pairs}
    for vs, _ in pairs:
        listed = next(v for v in table if v == vs)
        assert listed.scheduler == scheduler
    for (_, rs), listed_rs in zip(pairs, [table[vs][0] for vs, _ in pairs], strict=True):
        assert (listed_rs.forward, listed_rs.weight, listed_rs.port) == (rs.forward, 2, rs.port)
    lines = []
    for vs, rs in pairs:
        lines.append(" ".join(add_service_line(vs)))
        lines.append(" ".join(real_server_args(vs, rs)))
    run_in(peer_netns, "ipvsadm", "-R", stdin="\n".join(lines) + "\n")
    assert save(ipvs_netns) == save(peer_netns)


def test_bypass_and_local_forwarding_round_trip(ipvs_netns: str) -> None:
    vs = VirtualService("tcp", "10.0.0.1", 80)
    with Ipvs(netns=ipvs_netns) as ipvs:
        ipvs.add_service(vs)
        ipvs.add_real_server(vs, RealServer("10.1.0.1", 80, forward="bypass"))
        ipvs.add_real_server(vs, RealServer("127.0.0.1", 80, forward="local"))
        forwards = {rs.address.exploded: rs.forward for rs in ipvs.real_servers(vs)}
    assert forwards == {"10.1.0.1": "bypass", "127.0.0.1": "local"}
