"""Ipvs handle behaviour that needs no ip_vs: a missing family, bad namespaces."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

import pyipvs
from pyipvs import Ipvs, IpvsUnavailable
from pyipvs._bindings import netlink


class _MissingFamilyIpvs(Ipvs):
    family_name = "PYIPVS_NO_SUCH"


def test_missing_family_raises_ipvs_unavailable_with_the_fix() -> None:
    with pytest.raises(IpvsUnavailable) as info:
        _MissingFamilyIpvs()
    assert info.value.errno == errno.ENOENT
    assert "modprobe ip_vs" in str(info.value)
    assert isinstance(info.value, pyipvs.PyipvsError) and isinstance(info.value, OSError)


@pytest.mark.skipif(Path("/proc/net/ip_vs").exists(), reason="host kernel has ip_vs loaded")
def test_this_host_without_ip_vs_raises_ipvs_unavailable() -> None:
    with pytest.raises(IpvsUnavailable, match=r"modprobe ip_vs"):
        Ipvs().info()


def test_nlctrl_family_resolves() -> None:
    # nlctrl is always registered: proves the netlink core end to end without privileges.
    sock = netlink.NetlinkSocket()
    try:
        family = netlink.resolve_family(sock, "nlctrl")
    finally:
        sock.close()
    assert family.id == 0x10 and family.name == "nlctrl"
    assert any(op.id == 3 for op in family.ops)  # CTRL_CMD_GETFAMILY


def test_unknown_netns_name_is_a_value_error() -> None:
    with pytest.raises(pyipvs.PyipvsValueError, match="netns"):
        Ipvs(netns="pyipvs-no-such-namespace")


def test_info_info_version_string() -> None:
    assert pyipvs.IpvsInfo(0x010201, 4096).version == "1.2.1"
