"""Service and real-server CRUD against the real kernel, cross-checked with the real ipvsadm:
what pyipvs creates, ``ipvsadm -S -n`` shows exactly as if ipvsadm had created it; what ipvsadm
creates, pyipvs lists exactly."""

from __future__ import annotations

import ipaddress

from ipvsadm_util import add_service_line, real_server_args, run_in, save

from pyipvs import Ipvs, RealServer, Stats, VirtualService

SERVICES = [
    VirtualService("tcp", "10.0.0.1", 80, scheduler="rr"),
    VirtualService("tcp", "10.0.0.2", 443, persistence_timeout=600, netmask="255.255.255.0"),
    VirtualService(
        "udp",
        "10.0.0.3",
        53,
        scheduler="sh",
        sched_flags={"sh-fallback", "sh-port"},
        one_packet=True,
    ),
    VirtualService("sctp", "10.0.0.4", 3868, scheduler="wrr"),
    VirtualService("udp", "10.0.0.6", 5060, scheduler="rr", persistence_timeout=60, pe_name="sip"),
    VirtualService("tcp", "2001:db8::1", 80, scheduler="lc", persistence_timeout=300, netmask=64),
    VirtualService(fwmark=42, scheduler="mh", sched_flags={"mh-port"}),
    VirtualService(fwmark=43, family="inet6", scheduler="rr"),
]
REAL_SERVERS = {
    0: [RealServer("10.1.0.1", 80, weight=3, forward="masq"), RealServer("10.1.0.2", 80)],
    1: [RealServer("10.1.0.3", 443, forward="tunnel", upper_threshold=100, lower_threshold=10)],
    3: [
        RealServer(
            "10.1.0.4",
            3868,
            forward="tunnel",
            tunnel_type="gue",
            tunnel_port=6080,
            tunnel_checksum="remcsum",
        )
    ],
    5: [RealServer("2001:db8::10", 80, forward="masq", weight=0)],
    6: [RealServer("10.1.0.5", 0, forward="tunnel", tunnel_type="gre", tunnel_checksum="csum")],
    7: [RealServer("2001:db8::11", 0)],
}


def populate_with_pyipvs(ipvs: Ipvs) -> None:
    for i, vs in enumerate(SERVICES):
        ipvs.add_service(vs)
        for rs in REAL_SERVERS.get(i, []):
            ipvs.add_real_server(vs, rs)


def populate_with_ipvsadm(netns: str) -> None:
    lines = []
    for i, vs in enumerate(SERVICES):
        lines.append(" ".join(add_service_line(vs)))
        lines += [" ".join(real_server_args(vs, rs)) for rs in REAL_SERVERS.get(i, [])]
    run_in(netns, "ipvsadm", "-R", stdin="\n".join(lines) + "\n")


def test_pyipvs_state_saves_like_ipvsadm_state(ipvs_netns: str, netns: str) -> None:
    with Ipvs(netns=ipvs_netns) as ipvs:
        populate_with_pyipvs(ipvs)
    populate_with_ipvsadm(netns)
    ours, theirs = save(ipvs_netns), save(netns)
    assert ours == theirs
    assert ours.count("-A") == len(SERVICES)


def test_ipvsadm_state_lists_exactly(ipvs_netns: str) -> None:
    populate_with_ipvsadm(ipvs_netns)
    with Ipvs(netns=ipvs_netns) as ipvs:
        table = ipvs.table()
        assert sorted(table, key=str) == sorted(SERVICES, key=str)
        for i, vs in enumerate(SERVICES):
            listed = {rs.key: rs for rs in table[vs]}
            expected = {rs.key: rs for rs in REAL_SERVERS.get(i, [])}
            assert listed == expected
            assert ipvs.real_servers(vs) == table[vs]
            got = ipvs.get_service(vs)
            # Every field, not just identity (equality ignores only stats/counters).
            assert got == vs and got.scheduler == vs.scheduler
            assert got.sched_flags == vs.sched_flags and got.netmask == vs.netmask


def test_listing_attaches_stats(ipvs_netns: str) -> None:
    with Ipvs(netns=ipvs_netns) as ipvs:
        populate_with_pyipvs(ipvs)
        for vs in ipvs.services():
            assert vs.stats == Stats()
        for rss in ipvs.table().values():
            assert all(rs.stats == Stats() for rs in rss)
    text = run_in(ipvs_netns, "ipvsadm", "-L", "-n", "--stats")
    assert "TCP  10.0.0.1:80" in text


def test_edit_service_and_real_server(ipvs_netns: str) -> None:
    vs = VirtualService("tcp", "10.0.0.1", 80, scheduler="rr")
    rs = RealServer("10.1.0.1", 80, weight=1, forward="masq")
    with Ipvs(netns=ipvs_netns) as ipvs:
        ipvs.add_service(vs)
        ipvs.add_real_server(vs, rs)
        edited = VirtualService("tcp", "10.0.0.1", 80, scheduler="wlc", persistence_timeout=30)
        ipvs.edit_service(edited)
        got = ipvs.get_service(vs)
        assert (got.scheduler, got.persistence_timeout) == ("wlc", 30)
        ipvs.edit_service(vs)  # persistence off again: the flags are given whole
        assert ipvs.get_service(vs).persistence_timeout is None
        ipvs.edit_real_server(vs, RealServer("10.1.0.1", 80, weight=7, forward="tunnel"))
        (listed,) = ipvs.real_servers(vs)
        assert (listed.weight, listed.forward) == (7, "tunnel")
    assert "-a -t 10.0.0.1:80 -r 10.1.0.1:80 -i -w 7" in save(ipvs_netns)


def test_delete_real_server_and_service(ipvs_netns: str) -> None:
    with Ipvs(netns=ipvs_netns) as ipvs:
        populate_with_pyipvs(ipvs)
        vs = SERVICES[0]
        ipvs.delete_real_server(vs, REAL_SERVERS[0][0])
        assert ipvs.real_servers(vs) == [REAL_SERVERS[0][1]]
        for service in SERVICES:
            ipvs.delete_service(service)
        assert ipvs.services() == []
    assert save(ipvs_netns) == ""


def test_mixed_family_tunnel_destination(ipvs_netns: str) -> None:
    vs = VirtualService("tcp", "10.0.0.1", 80)
    rs = RealServer("2001:db8::5", 80, forward="tunnel")
    with Ipvs(netns=ipvs_netns) as ipvs:
        ipvs.add_service(vs)
        ipvs.add_real_server(vs, rs)
        (listed,) = ipvs.real_servers(vs)
        assert listed == rs and listed.family == "inet6"
        ipvs.delete_real_server(vs, rs)
        assert ipvs.real_servers(vs) == []


def test_real_servers_of_missing_service_is_empty(ipvs_netns: str) -> None:
    with Ipvs(netns=ipvs_netns) as ipvs:
        assert ipvs.real_servers(VirtualService("tcp", "10.9.9.9", 1)) == []


def test_listed_addresses_are_ipaddress_objects(ipvs_netns: str) -> None:
    with Ipvs(netns=ipvs_netns) as ipvs:
        populate_with_pyipvs(ipvs)
        v6 = [vs for vs in ipvs.services() if vs.family == "inet6" and vs.fwmark is None]
        assert v6 and v6[0].address == ipaddress.IPv6Address("2001:db8::1")
