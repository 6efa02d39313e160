# SPDX-License-Identifier: Apache-2.0
"""From keepalived.conf to the VRRP process's plans: the refusals keepalived does not make
(each with file:line), the mapping of keywords, and what a reload may apply in place."""

from __future__ import annotations

import argparse
import dataclasses
import ipaddress
from pathlib import Path

import pytest

from pyipvs.config import read_config
from pyipvs.daemon.child import EXIT_CONFIG
from pyipvs.daemon.vrrp.build import InstancePlan, plan_instances, vrrp_refusals
from pyipvs.daemon.vrrp.main import vrrp_child
from pyipvs.errors import PyipvsValueError
from pyipvs.vrrp import AddVips, RemoveVips, SendGratuitous, Startup, VrrpConfig, VrrpInstance

INSTANCE = """vrrp_instance {name} {{
    interface eth0
    virtual_router_id {vrid}
    priority 100
    advert_int 0.5
    version 3
{extra}    virtual_ipaddress {{
        {vips}
    }}
}}
"""


def conf(tmp_path: Path, *instances: str) -> str:
    path = tmp_path / "keepalived.conf"
    path.write_text("".join(instances))
    return str(path)


def instance(name: str = "VI_1", vrid: int = 51, extra: str = "", vips: str = "10.0.0.5") -> str:
    return INSTANCE.format(name=name, vrid=vrid, extra=extra, vips=vips)


def refusals(path: str) -> list[str]:
    return [str(d) for d in vrrp_refusals(read_config(path), path, "lb1")]


def no_lookup(interface: str, family: int) -> ipaddress.IPv4Address:
    raise AssertionError(f"looked up {interface} / {family}")


def test_a_sound_configuration_has_no_refusal(tmp_path: Path) -> None:
    path = conf(tmp_path, instance(), instance("VI_2", 52))
    assert refusals(path) == []


def test_an_empty_unicast_peer_block_is_refused_at_its_line(tmp_path: Path) -> None:
    path = conf(tmp_path, instance(extra="    unicast_peer {\n    }\n"))
    assert refusals(path) == [
        f"{path}:7: (VI_1) unicast_peer block is empty: refusing to fall back to multicast"
    ]


def test_mixed_families_in_one_instance_are_refused(tmp_path: Path) -> None:
    path = conf(tmp_path, instance(vips="10.0.0.5\n        2001:db8::5"))
    found = refusals(path)
    assert len(found) == 1
    assert found[0].startswith(f"{path}:9: ")
    assert "address family must match" in found[0]


def test_a_unicast_peer_of_the_other_family_is_refused(tmp_path: Path) -> None:
    extra = "    unicast_src_ip 10.0.0.2\n    unicast_peer {\n        2001:db8::3\n    }\n"
    path = conf(tmp_path, instance(extra=extra))
    assert refusals(path) == [
        f"{path}:8: (VI_1) unicast peer 2001:db8::3 is not IPv4 like the virtual addresses"
    ]


def test_a_vrid_clash_on_one_interface_is_refused_at_the_second_instance(tmp_path: Path) -> None:
    unicast = "    unicast_src_ip 10.0.0.2\n    unicast_peer {\n        10.0.0.3\n    }\n"
    path = conf(tmp_path, instance(), instance("VI_2", 51, extra=unicast))
    assert refusals(path) == [
        f"{path}:11: (VI_2) VRID 51 on interface eth0 is already used by VI_1 (IPv4): they"
        " would take each other's adverts"
    ]


def test_the_same_vrid_in_the_other_family_is_no_clash(tmp_path: Path) -> None:
    path = conf(tmp_path, instance(), instance("VI_6", 51, vips="2001:db8::5"))
    assert refusals(path) == []


def test_the_child_exits_config_on_a_refusal_without_touching_the_network(
    tmp_path: Path,
) -> None:
    path = conf(tmp_path, instance(extra="    unicast_peer {\n    }\n"))
    pid = tmp_path / "vrrp.pid"
    args = argparse.Namespace(use_file=path, config_id="lb1", vrrp_pid=str(pid))
    assert vrrp_child(args) == EXIT_CONFIG
    assert not pid.exists()


def test_keywords_map_onto_the_state_machine_and_driver(tmp_path: Path) -> None:
    extra = (
        "    nopreempt\n    unicast_src_ip 10.0.0.2\n    unicast_peer {\n        10.0.0.3\n"
        "    }\n    garp_master_repeat 2\n"
    )
    plans = plan_instances(read_config(conf(tmp_path, instance(extra=extra))).config, no_lookup)
    plan = plans["VI_1"]
    assert (plan.interface, plan.unicast_peers, plan.garp_repeat) == (
        "eth0",
        (ipaddress.ip_address("10.0.0.3"),),
        2,
    )
    c = plan.config
    assert (c.vrid, c.priority, c.version, c.advert_interval, c.preempt) == (51, 100, 3, 0.5, False)
    assert c.addresses == (ipaddress.ip_address("10.0.0.5"),)
    assert c.primary_address == ipaddress.ip_address("10.0.0.2")


def test_the_interface_address_is_looked_up_when_none_is_named(tmp_path: Path) -> None:
    asked: list[tuple[str, int]] = []

    def lookup(interface: str, family: int) -> ipaddress.IPv6Address:
        asked.append((interface, family))
        return ipaddress.IPv6Address("fe80::2")

    config = read_config(conf(tmp_path, instance(vips="2001:db8::5"))).config
    plan = plan_instances(config, lookup)["VI_1"]
    assert asked == [("eth0", 6)]
    assert plan.config.primary_address == ipaddress.ip_address("fe80::2")


def test_a_missing_interface_address_names_the_instance(tmp_path: Path) -> None:
    def lookup(interface: str, family: int) -> ipaddress.IPv4Address:
        raise LookupError(f"no IPv4 address on interface {interface}")

    config = read_config(conf(tmp_path, instance())).config
    with pytest.raises(PyipvsValueError, match=r"\(VI_1\) no IPv4 address on interface eth0"):
        plan_instances(config, lookup)


def _plan(**changes: object) -> InstancePlan:
    config = VrrpConfig(vrid=51, priority=100, addresses=("10.0.0.5",), primary_address="10.0.0.2")
    plan = InstancePlan("VI_1", "eth0", config)
    config_changes = {k: v for k, v in changes.items() if k in ("addresses", "priority")}
    return dataclasses.replace(plan, config=dataclasses.replace(config, **config_changes))


def test_a_plan_differing_in_addresses_only_is_applied_in_place() -> None:
    assert _plan().same_but_addresses(_plan(addresses=("10.0.0.5", "10.0.0.6")))
    assert not _plan().same_but_addresses(_plan(priority=150))


def test_a_master_installs_added_addresses_without_a_transition() -> None:
    config = VrrpConfig(vrid=51, priority=255, addresses=("10.0.0.5",), primary_address="10.0.0.2")
    vr = VrrpInstance(config)
    vr.handle(Startup(), 0.0)
    sent, transitions = vr.counters.adverts_sent, dict(vr.counters.transitions)
    actions = vr.update_addresses(["10.0.0.6"])
    six, five = ipaddress.ip_address("10.0.0.6"), ipaddress.ip_address("10.0.0.5")
    assert actions == [RemoveVips((five,)), AddVips((six,)), SendGratuitous((six,))]
    assert vr.state == "MASTER"
    assert (vr.counters.adverts_sent, vr.counters.transitions) == (sent, transitions)
    assert vr.config.addresses == (six,)


def test_a_backup_only_remembers_new_addresses() -> None:
    config = VrrpConfig(vrid=51, priority=100, addresses=("10.0.0.5",), primary_address="10.0.0.2")
    vr = VrrpInstance(config)
    vr.handle(Startup(), 0.0)
    assert vr.update_addresses(["10.0.0.5", "10.0.0.6"]) == []
    assert len(vr.config.addresses) == 2
