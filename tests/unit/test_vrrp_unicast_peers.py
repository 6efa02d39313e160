# SPDX-License-Identifier: Apache-2.0
"""keepalived's unicast checks: ``check_unicast_src`` (the advert's source must be a peer), a
peer's ``min_ttl`` / ``max_ttl``, and ``unicast_ttl``: the config words, keepalived 2.2.7's
messages and lines, and what the driver's plan and check make of them."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from test_vrrp_build import conf, instance, no_lookup

from pyipvs.config import parse_config, read_config
from pyipvs.daemon.vrrp.build import plan_instances
from pyipvs.vrrp.unicast_peers import PeerCheck

PEER = ipaddress.ip_address("10.0.0.3")
OTHER = ipaddress.ip_address("10.0.0.4")
UNICAST = "    unicast_src_ip 10.0.0.2\n    unicast_peer {{\n        10.0.0.3{ttl}\n    }}\n"


def test_without_the_check_anything_is_taken() -> None:
    assert PeerCheck({PEER: (0, 255)}, False).reject(OTHER, 3) is None


def test_with_it_only_a_peer_in_its_ttl_range() -> None:
    check = PeerCheck({PEER: (250, 255)}, True)
    assert check.reject(PEER, 255) is None
    assert check.reject(PEER, -1) is None  # no TTL reported: not checked, as keepalived
    assert check.reject(OTHER, 255) == (
        "unicast_src",
        "unicast source address 10.0.0.4 not a unicast peer",
    )
    assert check.reject(PEER, 64) == ("unicast_ttl", "TTL/HL 64 not in range 250 - 255")


def test_no_peers_means_no_check() -> None:
    assert PeerCheck({}, True).check is False


@pytest.mark.parametrize(("extra", "check", "ttls"), [
    (UNICAST.format(ttl=""), False, ((PEER, 0, 255),)),
    (UNICAST.format(ttl="") + "    check_unicast_src\n", True, ((PEER, 0, 255),)),
    (UNICAST.format(ttl=" min_ttl 250"), True, ((PEER, 250, 255),)),
    (UNICAST.format(ttl=" max_ttl 64"), True, ((PEER, 0, 64),)),
])  # fmt: skip
def test_the_plan(tmp_path: Path, extra: str, check: bool, ttls: tuple[object, ...]) -> None:
    plan = plan_instances(read_config(conf(tmp_path, instance(extra=extra))).config, no_lookup)
    assert (plan["VI_1"].check_unicast_src, plan["VI_1"].peer_ttls) == (check, ttls)
    assert plan["VI_1"].unicast_ttl == 255


def test_the_global_switch_turns_the_check_on(tmp_path: Path) -> None:
    text = "global_defs {\n    vrrp_check_unicast_src\n}\n" + instance(extra=UNICAST.format(ttl=""))
    plan = plan_instances(read_config(conf(tmp_path, text)).config, no_lookup)
    assert plan["VI_1"].check_unicast_src is True


def test_unicast_ttl_reaches_the_plan(tmp_path: Path) -> None:
    extra = UNICAST.format(ttl="") + "    unicast_ttl 64\n"
    plan = plan_instances(read_config(conf(tmp_path, instance(extra=extra))).config, no_lookup)
    assert plan["VI_1"].unicast_ttl == 64


VI = (
    "vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n{body}\n"
    " virtual_ipaddress {{\n  10.0.0.5\n }}\n}}\n"
)


def diagnostics(body: str) -> list[tuple[int, str]]:
    return [(d.line, d.message) for d in parse_config(VI.format(body=body), name="t").diagnostics]


def test_a_ttl_out_of_range_is_reported_at_its_line() -> None:
    found = diagnostics(" unicast_peer {\n  10.0.0.3\n }\n unicast_ttl 300")
    assert (7, "(VI_1): TTL '300' not valid - must be between 0 & 255") in found


def test_unicast_ttl_without_peers_is_reported_at_its_line_and_reset() -> None:
    result = parse_config(VI.format(body=" unicast_ttl 64"), name="t")
    assert [(d.line, d.message) for d in result.diagnostics] == [
        (4, "(VI_1): Cannot use unicast_ttl without unicast peers - resetting")
    ]
    assert result.config.vrrp_instances[0].unicast_ttl is None
