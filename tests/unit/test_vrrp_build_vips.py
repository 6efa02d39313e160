# SPDX-License-Identifier: Apache-2.0
"""The plan of an instance carries each ``virtual_ipaddress`` entry's spec (``dev``, prefix,
``brd``, ``label``, ``scope``, ``-nodad``); a reload that moves a kept address to another
``dev`` restarts the instance rather than applying addresses in place."""

from __future__ import annotations

import dataclasses
import ipaddress
from pathlib import Path

from pyipvs.config import read_config
from pyipvs.daemon.vrrp.build import InstancePlan, plan_instances
from pyipvs.vrrp.vips import vip_spec

CONF = """vrrp_instance VI_1 {{
    interface eth0
    virtual_router_id 51
    virtual_ipaddress {{
{vips}
    }}
}}
"""


def plan(tmp_path: Path, vips: str) -> InstancePlan:
    path = tmp_path / "keepalived.conf"
    path.write_text(CONF.format(vips=vips))
    config = read_config(str(path)).config
    return plan_instances(config, lambda _i, _f: ipaddress.IPv4Address("10.0.0.3"))["VI_1"]


def test_the_seed_shape_puts_the_gateway_vip_on_its_dev(tmp_path: Path) -> None:
    vips = "        10.0.0.5\n        192.168.0.1 dev eth1\n        10.0.1.6/24 brd + label eth0:w"
    assert plan(tmp_path, vips).vips == (
        vip_spec("10.0.0.5"),
        vip_spec("192.168.0.1", dev="eth1"),
        vip_spec("10.0.1.6/24", brd="+", label="eth0:w"),
    )


def test_nodad_is_kept() -> None:
    assert not vip_spec("2001:db8::1", nodad=False).nodad


def test_a_kept_address_on_another_dev_is_not_an_in_place_change(tmp_path: Path) -> None:
    before = plan(tmp_path, "        192.168.0.1")
    moved = plan(tmp_path, "        192.168.0.1 dev eth1")
    added = plan(tmp_path, "        192.168.0.1\n        192.168.0.7 dev eth1")
    assert not before.same_but_addresses(moved)
    assert before.same_but_addresses(added)
    assert dataclasses.replace(before, vips=()).same_but_addresses(before)


def test_excluded_addresses_are_installed_not_advertised(tmp_path: Path) -> None:
    path = tmp_path / "keepalived.conf"
    text = CONF.format(vips="        10.0.0.5").replace(
        "}\n}", "}\n    virtual_ipaddress_excluded {\n        2001:db8::9/64 dev eth1\n    }\n}"
    )
    path.write_text(text)
    config = read_config(str(path)).config
    p = plan_instances(config, lambda _i, _f: ipaddress.IPv4Address("10.0.0.3"))["VI_1"]
    assert p.config.addresses == (ipaddress.IPv4Address("10.0.0.5"),)
    assert p.excluded == (ipaddress.IPv6Address("2001:db8::9"),)
    assert p.vips[1] == vip_spec("2001:db8::9/64", dev="eth1")
