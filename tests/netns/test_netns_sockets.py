"""Netlink sockets created inside other network namespaces (host kernel, root)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from pyipvs import Ipvs, IpvsUnavailable
from pyipvs._bindings import netlink


def _current_netns() -> str:
    return os.readlink("/proc/thread-self/ns/net")


def test_socket_in_netns_leaves_the_thread_where_it_was(netns: str) -> None:
    before = _current_netns()
    fd = netlink.open_netns(netns)
    try:
        sock = netlink.NetlinkSocket(netns_fd=fd)
    finally:
        os.close(fd)
    try:
        assert netlink.resolve_family(sock, "nlctrl").id == 0x10
    finally:
        sock.close()
    assert _current_netns() == before


def test_netns_by_name_and_by_path_reach_the_kernel(netns: str) -> None:
    ip_vs = Path("/proc/net/ip_vs").exists()
    for target in (netns, f"/run/netns/{netns}"):
        if ip_vs:
            with Ipvs(netns=target) as ipvs:
                assert ipvs.info().conn_table_size > 0
        else:
            # This host's kernel has no ip_vs: the family lookup inside the namespace says so.
            with pytest.raises(IpvsUnavailable, match=r"modprobe ip_vs"):
                Ipvs(netns=target)


def test_many_handles_do_not_leak_descriptors(netns: str) -> None:
    fds_before = len(os.listdir("/proc/self/fd"))
    for _ in range(200):
        with contextlib.suppress(IpvsUnavailable):
            Ipvs(netns=netns).close()
    assert len(os.listdir("/proc/self/fd")) == fds_before
