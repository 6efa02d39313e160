# SPDX-License-Identifier: Apache-2.0
"""``virtual_routes`` / ``virtual_rules``: the lines read (and those refused, with file:line),
and the state machine's AddRoutes / RemoveRoutes in keepalived's order around the addresses;
``use_vmac`` / ``vmac_xmit_base`` as planned, and refused where not built."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from pyipvs.config import read_config
from pyipvs.daemon.vrrp.build import (
    plan_instances,
    plan_static_addresses,
    plan_statics,
    vrrp_refusals,
)
from pyipvs.errors import PyipvsValueError
from pyipvs.vrrp import (
    MASTER_DOWN_TIMER,
    AddRoutes,
    AddVips,
    AdvertReceived,
    InterfaceDown,
    RemoveRoutes,
    RemoveVips,
    SendAdvert,
    SendGratuitous,
    Shutdown,
    Startup,
    TimerExpired,
    VrrpConfig,
    VrrpInstance,
    VrrpPacket,
)
from pyipvs.vrrp.records import to_record
from pyipvs.vrrp.routes import (
    RTPROT_KEEPALIVED,
    RouteRefused,
    RouteSpec,
    RuleSpec,
    parse_route,
    parse_rule,
)

VIP = ipaddress.ip_address("10.0.0.5")
OWN = ipaddress.ip_address("10.0.0.2")
ROUTE = parse_route(("10.20.0.0/16", "via", "10.0.0.254", "dev", "eth0"))
RULE = parse_rule(("from", "10.0.0.5", "table", "100", "priority", "100"), 16384)


def net(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text)


# ===== reading lines =====


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "10.20.0.0/16 via 10.0.0.254 dev eth0",
            RouteSpec(net("10.20.0.0/16"), gateway=ipaddress.ip_address("10.0.0.254"), dev="eth0"),
        ),
        (
            "src 10.0.0.5 to 10.21.0.0/16 gw 10.0.0.254",
            RouteSpec(
                net("10.21.0.0/16"),
                src=VIP,
                gateway=ipaddress.ip_address("10.0.0.254"),
            ),
        ),
        (
            "10.22.0.0/16 dev eth0 metric 7 table 100 scope link protocol static",
            RouteSpec(net("10.22.0.0/16"), dev="eth0", table=100, metric=7, scope=253, protocol=4),
        ),
        ("blackhole 10.23.0.0/16", RouteSpec(net("10.23.0.0/16"), kind="blackhole")),
        (
            "unreachable 10.24.0.0/16 table main priority 3",
            RouteSpec(net("10.24.0.0/16"), kind="unreachable", metric=3),
        ),
        (
            "default via 10.0.0.254 table 101",
            RouteSpec(net("0.0.0.0/0"), gateway=ipaddress.ip_address("10.0.0.254"), table=101),
        ),
        (
            "default via 2001:db8::1",
            RouteSpec(net("::/0"), gateway=ipaddress.ip_address("2001:db8::1")),
        ),
        (
            "10.9.9.9 dev eth0 onlink no_track",
            RouteSpec(net("10.9.9.9/32"), dev="eth0", onlink=True),
        ),
    ],
)
def test_routes_read(line: str, expected: RouteSpec) -> None:
    assert parse_route(tuple(line.split())) == expected
    assert expected.protocol in (RTPROT_KEEPALIVED, 4)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "from 10.0.0.5 table 100 priority 100",
            RuleSpec(4, 100, 100, src=net("10.0.0.5/32")),
        ),
        (
            "to 10.30.0.0/16 table 101 preference 101",
            RuleSpec(4, 101, 101, dst=net("10.30.0.0/16")),
        ),
        (
            "not from all iif eth0 oif eth1 fwmark 7/0xff table main priority 5 no_track",
            RuleSpec(
                4, 254, 5, iif="eth0", oif="eth1", fwmark=7, fwmask=255, invert=True, protocol=None
            ),
        ),
        ("from 2001:db8::/64 table 7", RuleSpec(6, 7, 16000, src=net("2001:db8::/64"))),
    ],
)
def test_rules_read(line: str, expected: RuleSpec) -> None:
    assert parse_rule(tuple(line.split()), 16000) == expected


@pytest.mark.parametrize(
    ("line", "word"),
    [
        ("10.1.0.0/16 via 10.0.0.1 proto static", "'proto'"),  # keepalived: "unknown route keyword"
        ("10.1.0.0/16 nexthop via 10.0.0.1", "'nexthop'"),
        ("10.1.0.0/16 via 10.0.0.1 or 10.0.0.2", "'or'"),
        ("10.1.0.0/16 dev eth0 mtu 1400", "'mtu'"),
        ("10.1.0.0/16 dev eth0 track_group G", "'track_group'"),
        ("10.1.0.0/16 10.2.0.0/16", "'10.2.0.0/16'"),
        ("10.1.0.0/16 via 2001:db8::1", "address family"),
        ("10.1.0.0/16 table nosuchtable", "unknown table"),
        ("10.1.0.0/16 scope 300", "out of range"),
        ("via 10.0.0.1", "without a destination"),
        ("bogus via 10.0.0.1", "invalid address"),
        ("blackhole", "without a destination"),
    ],
)
def test_routes_refused(line: str, word: str) -> None:
    with pytest.raises(RouteRefused, match=word):
        parse_route(tuple(line.split()))


@pytest.mark.parametrize(
    ("line", "word"),
    [
        ("from 10.0.0.5 table 100 pref 100", "'pref'"),  # keepalived: "Unknown rule option"
        ("from 10.0.0.5 table 100 prio 100", "'prio'"),
        ("from 10.0.0.5 goto 40", "'goto'"),
        ("from 10.0.0.5 priority 4", "without a table"),
        ("from 10.0.0.0/8 to 2001:db8::/64 table 1", "mixes"),
        ("from bogus table 1", "invalid address"),
        ("fwmark x table 1", "invalid fwmark"),
        ("from", "needs a value"),
    ],
)
def test_rules_refused(line: str, word: str) -> None:
    with pytest.raises(RouteRefused, match=word):
        parse_rule(tuple(line.split()), 16384)


# ===== the state machine =====


def instance(routes: tuple[RouteSpec | RuleSpec, ...] = (ROUTE, RULE)) -> VrrpInstance:
    return VrrpInstance(VrrpConfig(51, 100, (VIP,), OWN, routes=routes))


def to_master(inst: VrrpInstance) -> list[object]:
    inst.handle(Startup(), 0.0)
    return list(inst.handle(TimerExpired(MASTER_DOWN_TIMER), inst.deadlines[MASTER_DOWN_TIMER]))


def kinds(actions: list[object]) -> list[str]:
    keep = (SendAdvert, AddVips, RemoveVips, AddRoutes, RemoveRoutes, SendGratuitous)
    return [type(a).__name__ for a in actions if isinstance(a, keep)]


def test_becoming_master_adds_routes_after_the_addresses_before_the_announcements() -> None:
    actions = to_master(instance())
    assert kinds(actions) == ["SendAdvert", "AddVips", "AddRoutes", "SendGratuitous"]
    assert AddRoutes((ROUTE, RULE)) in actions


@pytest.mark.parametrize(
    ("leave", "expected"),
    [
        (lambda i: i.handle(Shutdown(), 20.0), ["SendAdvert", "RemoveRoutes", "RemoveVips"]),
        (lambda i: i.handle(InterfaceDown(), 20.0), ["SendAdvert", "RemoveRoutes", "RemoveVips"]),
        (
            lambda i: i.handle(
                AdvertReceived(
                    VrrpPacket(3, 51, 200, (VIP,), 1.0), ipaddress.ip_address("10.0.0.9")
                ),
                20.0,
            ),
            ["RemoveRoutes", "RemoveVips"],
        ),
    ],
    ids=["shutdown", "fault", "higher_priority"],
)
def test_leaving_master_removes_routes_before_the_addresses(
    leave: object, expected: list[str]
) -> None:
    inst = instance()
    to_master(inst)
    actions = leave(inst)  # type: ignore[operator]
    assert kinds(actions) == expected
    assert RemoveRoutes((ROUTE, RULE)) in actions


def test_starting_as_backup_removes_leftover_routes_as_keepalived_does() -> None:
    actions = instance().handle(Startup(), 0.0)
    assert kinds(actions) == ["RemoveRoutes"]


def test_backup_shutdown_and_owner_startup_do_not_remove_routes() -> None:
    inst = instance()
    inst.handle(Startup(), 0.0)
    assert kinds(inst.handle(Shutdown(), 1.0)) == []
    owner = VrrpInstance(VrrpConfig(51, 255, (VIP,), OWN, routes=(ROUTE,)))
    assert kinds(owner.handle(Startup(), 0.0)) == [
        "SendAdvert",
        "AddVips",
        "AddRoutes",
        "SendGratuitous",
    ]


def test_no_routes_no_route_actions() -> None:
    inst = instance(routes=())
    actions = to_master(inst) + inst.handle(Shutdown(), 20.0)
    assert not [a for a in actions if isinstance(a, AddRoutes | RemoveRoutes)]


def test_update_routes_applies_only_the_difference_on_a_master() -> None:
    other = parse_route(("blackhole", "10.99.0.0/16"))
    backup = instance()
    backup.handle(Startup(), 0.0)
    assert backup.update_routes((ROUTE, other)) == []
    master = instance()
    to_master(master)
    assert master.update_routes((ROUTE, RULE)) == []
    assert master.update_routes((ROUTE, other)) == [RemoveRoutes((RULE,)), AddRoutes((other,))]
    assert master.config.routes == (ROUTE, other)


def test_route_actions_as_records() -> None:
    record = to_record(AddRoutes((ROUTE, RULE)))
    assert record == {
        "type": "AddRoutes",
        "routes": ["10.20.0.0/16 via 10.0.0.254 dev eth0", "100: from 10.0.0.5/32 lookup 100"],
    }


# ===== from a keepalived.conf =====

CONF = """static_rules {{
    from 10.40.0.0/16 table 100
}}
vrrp_instance VI_1 {{
    interface eth0
    virtual_router_id 51
    priority 100
    unicast_src_ip 10.0.0.2
    virtual_ipaddress {{
        10.0.0.5
    }}
    virtual_routes {{
        10.20.0.0/16 via 10.0.0.254 dev eth0
{route}    }}
    virtual_rules {{
        from 10.0.0.5 table 100
{rule}    }}
}}
"""


def write(tmp_path: Path, route: str = "", rule: str = "") -> str:
    path = tmp_path / "keepalived.conf"
    path.write_text(CONF.format(route=route, rule=rule))
    return str(path)


def test_plans_carry_the_routes_and_keepalived_preferences(tmp_path: Path) -> None:
    config = read_config(write(tmp_path)).config
    plan = plan_instances(config, lambda *_: OWN)["VI_1"]
    assert plan.config.routes == (
        ROUTE,
        RuleSpec(4, 100, 16383, src=net("10.0.0.5/32")),  # the static rule took 16384
    )
    assert plan_statics(config) == (RuleSpec(4, 100, 16384, src=net("10.40.0.0/16")),)


def test_unsupported_lines_are_refused_at_their_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        route="        10.21.0.0/16 via 10.0.0.254 proto static\n",
        rule="        from 10.0.0.6 table 100 pref 7\n",
    )
    refused = [str(d) for d in vrrp_refusals(read_config(path), path, None)]
    assert f"{path}:14: virtual_routes: route option 'proto' is not supported by pyipvs" in refused
    assert f"{path}:18: virtual_rules: rule option 'pref' is not supported by pyipvs" in refused
    with pytest.raises(PyipvsValueError, match=r"\(VI_1\) virtual_routes"):
        plan_instances(read_config(path).config, lambda *_: OWN)


def test_unsupported_static_lines_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "keepalived.conf"
    path.write_text("static_routes {\n    10.1.0.0/16 nexthop via 10.0.0.1\n}\n")
    refused = [str(d) for d in vrrp_refusals(read_config(str(path)), str(path), None)]
    assert refused == [
        f"{path}:2: static_routes: route option 'nexthop' is not supported by pyipvs"
    ]


# ===== use_vmac =====

VMAC_CONF = """vrrp_instance VI_1 {{
    interface eth0
    virtual_router_id 77
    priority 100
    unicast_src_ip {own}
{vmac}    virtual_ipaddress {{
        {vip}
    }}
}}
"""


def vmac_conf(tmp_path: Path, vmac: str, vip: str = "10.0.0.5", own: str = "10.0.0.2") -> str:
    path = tmp_path / "keepalived.conf"
    path.write_text(VMAC_CONF.format(vmac=vmac, vip=vip, own=own))
    return str(path)


@pytest.mark.parametrize(
    ("lines", "name", "xmit_base"),
    [
        ("    use_vmac\n", "vrrp.77", False),
        ("    use_vmac vrrp_front\n    vmac_xmit_base\n", "vrrp_front", True),
    ],
)
def test_use_vmac_plans_the_macvlan(tmp_path: Path, lines: str, name: str, xmit_base: bool) -> None:
    path = vmac_conf(tmp_path, lines)
    assert [str(d) for d in vrrp_refusals(read_config(path), path, None)] == []
    vmac = plan_instances(read_config(path).config, lambda *_: OWN)["VI_1"].vmac
    assert vmac is not None
    assert (vmac.name, vmac.base, vmac.xmit_base) == (name, "eth0", xmit_base)
    assert vmac.mac == "00:00:5e:00:01:4d"  # RFC 5798 section 7.3, VRID 77


def test_an_ipv6_vmac_carries_the_link_local_address(tmp_path: Path) -> None:
    path = vmac_conf(tmp_path, "    use_vmac\n", vip="2001:db8::5", own="fe80::2")
    assert [str(d) for d in vrrp_refusals(read_config(path), path, None)] == []
    vmac = plan_instances(read_config(path).config, lambda *_: OWN)["VI_1"].vmac
    assert vmac is not None
    assert (vmac.name, vmac.mac) == ("vrrp.77", "00:00:5e:00:02:4d")  # keepalived: vrrp.52
    assert vmac.link_local == ipaddress.ip_address("fe80::2")


def test_vmac_prefix_names_the_default_vmac(tmp_path: Path) -> None:
    path = Path(vmac_conf(tmp_path, "    use_vmac\n"))
    path.write_text("global_defs {\n    vmac_prefix vx\n}\n" + path.read_text())
    vmac = plan_instances(read_config(str(path)).config, lambda *_: OWN)["VI_1"].vmac
    assert vmac is not None and vmac.name == "vx.77"  # keepalived 2.2.7: vx.51 for VRID 51


def test_no_use_vmac_no_macvlan(tmp_path: Path) -> None:
    path = vmac_conf(tmp_path, "")
    assert plan_instances(read_config(path).config, lambda *_: OWN)["VI_1"].vmac is None


@pytest.mark.parametrize(
    ("lines", "vip", "own", "what"),
    [
        (
            "    use_vmac vrrp.77 00:00:5e:00:01:99\n",
            "10.0.0.5",
            "10.0.0.2",
            "a MAC address of its own",
        ),
    ],
    ids=["own-mac"],
)
def test_use_vmac_refused_where_not_built(
    tmp_path: Path, lines: str, vip: str, own: str, what: str
) -> None:
    path = vmac_conf(tmp_path, lines, vip, own)
    refused = [str(d) for d in vrrp_refusals(read_config(path), path, None)]
    assert f"{path}:6: (VI_1) use_vmac for {what} is not supported by pyipvs" in refused, refused


@pytest.mark.parametrize(
    ("lines", "line", "message"),
    [
        ("    use_ipvlan\n", 6, "use_ipvlan"),
        ("    use_vmac_addr\n", 6, "use_vmac_addr"),
        ("    vmac_xmit_base_ipvlan\n", 6, "vmac_xmit_base_ipvlan"),
    ],
)
def test_other_vmac_options_refused(tmp_path: Path, lines: str, line: int, message: str) -> None:
    path = vmac_conf(tmp_path, lines)
    refused = [str(d) for d in vrrp_refusals(read_config(path), path, None)]
    assert f"{path}:{line}: (VI_1) {message} is not supported by pyipvs" in refused, refused


def test_use_vmac_on_a_virtual_address_refused(tmp_path: Path) -> None:
    path = vmac_conf(tmp_path, "", vip="10.0.0.5 dev eth1 use_vmac")
    refused = [str(d) for d in vrrp_refusals(read_config(path), path, None)]
    assert refused == [f"{path}:7: (VI_1) use_vmac on a virtual address is not supported by pyipvs"]


def test_config_check_reports_rule_options_keepalived_does_not_know() -> None:
    """keepalived 2.2.7 -t: "Unknown rule option prio" (and pref), the rule skipped, and the
    count-down not used by it (the next rule without a preference gets 16384)."""
    path = Path(__file__).resolve().parent.parent / "data/keepalived/warn_rule_unknown_option.conf"
    result = read_config(str(path))
    messages = [f"{d.line}: {d.message}" for d in result.diagnostics]
    assert "12: Unknown rule option prio" in messages
    assert "13: Unknown rule option pref" in messages
    assert any(
        m.startswith("14: Rule has no preference specified - setting to 16384") for m in messages
    )
    assert result.config.vrrp_instances[0].virtual_rules == (("from", "10.9.0.7", "table", "100"),)


def test_static_addresses_planned_on_their_dev_or_eth0(tmp_path: Path) -> None:
    path = tmp_path / "keepalived.conf"
    path.write_text("static_ipaddress {\n    10.7.0.1/24 dev eth1 label eth1:a\n    10.7.0.2\n}\n")
    specs = plan_static_addresses(read_config(str(path)).config)
    assert [(str(s.address), s.prefixlen, s.dev, s.label) for s in specs] == [
        ("10.7.0.1", 24, "eth1", "eth1:a"),
        ("10.7.0.2", 32, "eth0", None),  # keepalived 2.2.7 put it on eth0
    ]
