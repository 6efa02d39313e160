# SPDX-License-Identifier: Apache-2.0
"""A ``virtual_ipaddress`` entry's spec: mask, ``brd`` (an address, ``+``, ``-``), ``scope``,
``dev`` and ``label``, as keepalived and iproute2 read them."""

from __future__ import annotations

import ipaddress

import pytest

from pyipvs.vrrp.vips import VipSpec, host_spec, vip_spec


def test_no_mask_is_a_host_address() -> None:
    assert vip_spec("192.168.0.1", dev="eth1") == VipSpec(
        ipaddress.IPv4Address("192.168.0.1"), 32, "eth1"
    )
    assert vip_spec("2001:db8::1").prefixlen == 128
    assert host_spec(ipaddress.IPv6Address("2001:db8::1")) == vip_spec("2001:db8::1")


@pytest.mark.parametrize(
    ("brd", "expected"),
    [("+", "10.0.1.255"), ("-", "10.0.1.0"), ("10.0.1.127", "10.0.1.127")],
)
def test_broadcast(brd: str, expected: str) -> None:
    spec = vip_spec("10.0.1.6/24", brd=brd, label="eth0:web")
    assert (spec.broadcast, spec.label) == (ipaddress.IPv4Address(expected), "eth0:web")


def test_scope_by_name_or_number() -> None:
    assert [vip_spec("10.0.1.6/24", scope=s).scope for s in ("site", "link", "host", "7")] == [
        200,
        253,
        254,
        7,
    ]
    assert vip_spec("10.0.1.6/24").scope == 0


@pytest.mark.parametrize("scope", ["moon", "300"])
def test_bad_scope(scope: str) -> None:
    with pytest.raises((KeyError, ValueError)):
        vip_spec("10.0.1.6/24", scope=scope)
