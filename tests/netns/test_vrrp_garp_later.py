# SPDX-License-Identifier: Apache-2.0
"""``garp_master_delay`` and ``garp_master_refresh``: after its first burst a master sends a
second one after the delay and then one every refresh interval, on the VIP's own interface;
``pyipvs-keepalived -P`` and keepalived 2.2.7 in the same namespace both do."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from test_vrrp_vip_dev import GATEWAY_VIP, daemon, listener, router, run, stop

__all__ = ["router"]  # the fixture, re-used

PATIENCE = 30.0  # a bound on waiting, never a timing assertion
CONFIG = """
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 52
    priority 100
    advert_int 1
    garp_master_repeat 1
    garp_master_delay 1
    garp_master_refresh 1
    garp_master_refresh_repeat 2
    virtual_ipaddress {
        10.0.0.5
        192.168.0.1 dev eth1
    }
}
"""
WANTED = 1 + 1 + 2 * 2  # the first burst, the delayed one, two refreshes of 2


def garps_for(sock: socket.socket, address: str, mac: str, wanted: int) -> int:
    """Counts gratuitous ARPs for *address* from *mac* until *wanted* came (or patience ran
    out)."""
    seen, deadline = 0, time.monotonic() + PATIENCE
    while seen < wanted and time.monotonic() < deadline:
        try:
            frame = sock.recv(2048)
        except TimeoutError:
            continue
        if len(frame) >= 42 and socket.inet_ntoa(frame[28:32]) == address:
            seen += frame[22:28].hex(":") == mac
    return seen


@pytest.mark.parametrize("kind", ["pyipvs", "keepalived"])
def test_a_master_repeats_its_garps_on_the_vip_interface(
    router: tuple[str, str], tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lb, lan = router
    eth1_mac = run(lb, "cat /sys/class/net/eth1/address").strip()
    monkeypatch.setattr("test_vrrp_vip_dev.CONFIG", CONFIG)
    back = listener(lan, "b0")
    proc, log = daemon(kind, lb, tmp_path)
    try:
        seen = garps_for(back, GATEWAY_VIP, eth1_mac, WANTED)
    finally:
        stop(proc)
        back.close()
    assert seen == WANTED, log.read_text()
