"""The IPVS value objects: validation naming the argument, normalisation, equality."""

from __future__ import annotations

import dataclasses
import ipaddress

import pytest

from pyipvs.errors import PyipvsValueError
from pyipvs.ipvs import ops
from pyipvs.ipvs.model import RealServer, Stats, SyncDaemon, Timeouts, VirtualService


def test_service_normalises_address_family_and_netmask() -> None:
    vs = VirtualService("tcp", "10.0.0.1", 80)
    assert vs.address == ipaddress.IPv4Address("10.0.0.1")
    assert vs.family == "inet"
    assert vs.netmask == ipaddress.IPv4Address("255.255.255.255")
    assert vs.scheduler == "wlc" and not vs.persistent
    assert vs.key == ("inet", "tcp", ipaddress.IPv4Address("10.0.0.1"), 80, None)


def test_ipv6_service_uses_a_prefix_length() -> None:
    vs = VirtualService("udp", "2001:db8::1", 53, netmask=64)
    assert vs.family == "inet6" and vs.netmask == 64
    assert VirtualService("udp", "2001:db8::1", 53).netmask == 128


def test_ipv4_netmask_accepts_strings_and_prefixes() -> None:
    a = VirtualService("tcp", "10.0.0.1", 80, netmask="255.255.255.0")
    b = VirtualService("tcp", "10.0.0.1", 80, netmask=24)
    assert a.netmask == b.netmask == ipaddress.IPv4Address("255.255.255.0")


def test_fwmark_service_defaults_to_inet() -> None:
    vs = VirtualService(fwmark=42)
    assert vs.family == "inet" and vs.protocol is None and vs.address is None
    assert VirtualService(fwmark=42, family="inet6").netmask == 128
    assert str(VirtualService(fwmark=43, family="inet6")) == "FWM 43 IPv6"


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"protocol": "icmp", "address": "10.0.0.1", "port": 1}, "protocol"),
        ({"protocol": "tcp", "address": "nope", "port": 1}, "address"),
        ({"protocol": "tcp", "address": "10.0.0.1", "port": 70000}, "port"),
        ({"protocol": "tcp", "address": "10.0.0.1"}, "port"),
        ({"fwmark": 0}, "fwmark"),
        ({"fwmark": 2**32}, "fwmark"),
        ({"fwmark": 1, "protocol": "tcp"}, "protocol"),
        ({"protocol": "tcp", "address": "10.0.0.1", "port": 1, "family": "inet6"}, "family"),
        ({"protocol": "tcp", "address": "10.0.0.1", "port": 1, "scheduler": "x" * 16}, "scheduler"),
        ({"protocol": "tcp", "address": "10.0.0.1", "port": 1, "scheduler": ""}, "scheduler"),
        ({"protocol": "tcp", "address": "::1", "port": 1, "netmask": 0}, "netmask"),
        ({"protocol": "tcp", "address": "::1", "port": 1, "netmask": 129}, "netmask"),
        ({"protocol": "tcp", "address": "10.0.0.1", "port": 1, "netmask": "1.2.3.4"}, "netmask"),
        ({"fwmark": 1, "persistence_timeout": 0}, "persistence_timeout"),
        ({"fwmark": 1, "sched_flags": {"bogus"}}, "sched_flags"),
        ({"fwmark": 1, "sched_flags": "sh-port"}, "sched_flags"),
        ({"fwmark": 1, "one_packet": 1}, "one_packet"),
        ({"fwmark": 1, "pe_name": ""}, "pe_name"),
    ],
)
def test_bad_service_arguments_are_named(kwargs: dict[str, object], argument: str) -> None:
    with pytest.raises(PyipvsValueError, match=f"^{argument}:"):
        VirtualService(**kwargs)  # type: ignore[arg-type]


def test_stats_do_not_take_part_in_equality() -> None:
    a = VirtualService("tcp", "10.0.0.1", 80)
    b = VirtualService("tcp", "10.0.0.1", 80, stats=Stats(connections=5))
    assert a == b and hash(a) == hash(b)
    assert dataclasses.replace(a, scheduler="rr") != a


def test_sched_flags_become_a_frozenset() -> None:
    vs = VirtualService("tcp", "10.0.0.1", 80, scheduler="sh", sched_flags=["sh-port"])
    assert vs.sched_flags == frozenset({"sh-port"})


def test_sched_flags_are_named_as_the_scheduler_names_them() -> None:
    """One kernel bit, three names: a service lists back equal to the one added."""
    wlc = VirtualService("tcp", "10.0.0.1", 80, scheduler="wlc", sched_flags=["sh-port"])
    assert wlc.sched_flags == frozenset({"flag-2"})
    assert wlc == VirtualService("tcp", "10.0.0.1", 80, scheduler="wlc", sched_flags=["flag-2"])
    mh = VirtualService(fwmark=1, scheduler="mh", sched_flags=["flag-1", "sh-port", "flag-3"])
    assert mh.sched_flags == frozenset({"mh-fallback", "mh-port", "flag-3"})
    sh = VirtualService(fwmark=1, scheduler="sh", sched_flags=["mh-fallback"])
    assert sh.sched_flags == frozenset({"sh-fallback"})


def test_real_server_defaults_and_counters() -> None:
    rs = RealServer("10.1.0.1", 80)
    assert (rs.forward, rs.weight, rs.family, rs.tunnel_type) == ("route", 1, "inet", "ipip")
    assert rs == RealServer("10.1.0.1", 80, active_connections=7)
    assert rs.key == ("inet", ipaddress.IPv4Address("10.1.0.1"), 80)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"address": "x"}, "address"),
        ({"address": "10.0.0.1", "port": -1}, "port"),
        ({"address": "10.0.0.1", "weight": 2**31}, "weight"),
        ({"address": "10.0.0.1", "weight": -1}, "weight"),
        ({"address": "10.0.0.1", "forward": "nat"}, "forward"),
        ({"address": "10.0.0.1", "upper_threshold": 2**31}, "upper_threshold"),
        ({"address": "10.0.0.1", "lower_threshold": -1}, "lower_threshold"),
        ({"address": "10.0.0.1", "tunnel_type": "vxlan"}, "tunnel_type"),
        ({"address": "10.0.0.1", "tunnel_port": 65536}, "tunnel_port"),
        ({"address": "10.0.0.1", "tunnel_checksum": "on"}, "tunnel_checksum"),
        ({"address": "10.0.0.1", "family": "inet6"}, "family"),
    ],
)
def test_bad_real_server_arguments_are_named(kwargs: dict[str, object], argument: str) -> None:
    with pytest.raises(PyipvsValueError, match=f"^{argument}:"):
        RealServer(**kwargs)  # type: ignore[arg-type]


def test_timeouts_and_daemons_validate() -> None:
    assert Timeouts(900, 120, 300).tcp == 900
    with pytest.raises(PyipvsValueError, match=r"^udp:"):
        Timeouts(1, 1, -1)
    daemon = SyncDaemon("master", "eth0", 5, mcast_group="224.0.0.81")
    assert daemon.mcast_group == ipaddress.IPv4Address("224.0.0.81")
    for kwargs, argument in [
        ({"state": "both", "interface": "eth0"}, "state"),
        ({"state": "master", "interface": ""}, "interface"),
        ({"state": "master", "interface": "eth0", "syncid": 256}, "syncid"),
        ({"state": "master", "interface": "eth0", "mcast_group": "10.0.0.1"}, "mcast_group"),
        ({"state": "master", "interface": "eth0", "mcast_ttl": 0}, "mcast_ttl"),
    ]:
        with pytest.raises(PyipvsValueError, match=f"^{argument}:"):
            SyncDaemon(**kwargs)  # type: ignore[arg-type]


def test_operations_check_their_arguments() -> None:
    vs = VirtualService("tcp", "10.0.0.1", 80)
    assert ops.AddRealServer(vs, RealServer("10.1.0.1")).vs is vs
    with pytest.raises(PyipvsValueError, match=r"^rs:"):
        ops.AddRealServer(vs, "10.1.0.1")  # type: ignore[arg-type]
    result = ops.OperationResult(0, ops.Flush())
    assert result.ok
