# SPDX-License-Identifier: Apache-2.0
"""Reload without disruption, on the whole daemon (#15): a VRRP pair of ``pyipvs-keepalived``
(lb1 with both children on a kernel with ip_vs, lb2 a VRRP-only backup) over a veth pair,
two real TCP servers behind the virtual server. SIGHUP to lb1's parent:

* one real server's weight changed: exactly one kernel operation (check.sock's counters, and
  ``ipvsadm -S -n`` differs in that one line), no VRRP transition on either router and no
  advert burst (lb1 sends no more adverts than its interval allows);
* a VIP added: lb1 holds it, lb2 takes nothing over (no transition);
* a configuration with an error: the old one is kept (table, VIPs and counters unchanged) and
  the log names ``file:line``."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from check_servers import in_netns
from daemon_netns import (
    LB1,
    LB2,
    VIP,
    DaemonProcess,
    addresses,
    link_pair,
    vrrp_config,
)
from waiting import wait_for

from pyipvs.daemon.state.server import CHECK_SOCKET, VRRP_SOCKET, read_status

SERVICE = """
virtual_server 10.77.0.100 80 {{
    delay_loop 1
    lb_algo wrr
    lb_kind NAT
    protocol TCP
    real_server 127.0.0.2 9090 {{
        weight {weight}
        TCP_CHECK {{
            connect_timeout 2
        }}
    }}
    real_server 127.0.0.3 9090 {{
        weight 2
        TCP_CHECK {{
            connect_timeout 2
        }}
    }}
}}
"""


def config(router: str, *, weight: int = 3, vips: tuple[str, ...] = (VIP,)) -> str:
    return vrrp_config(*vips, router=router) + SERVICE.format(weight=weight)


class Router(DaemonProcess):
    """``pyipvs-keepalived -n`` in *netns*, its files under *tmp/router*."""

    def __init__(self, netns: str, tmp: Path, router: str, *flags: str) -> None:
        self.netns, self.run_dir = netns, tmp / router
        self.run_dir.mkdir()
        env = {"PYIPVS_KEEPALIVED_STATUS_DIR": str(self.run_dir)}
        super().__init__(netns, self.run_dir, *flags, env=env)
        self.conf.write_text(config(router))
        self.proc: subprocess.Popen[bytes] = self.start()

    def status(self, name: str) -> dict[str, Any] | None:
        try:
            return read_status(self.run_dir / name)
        except Exception:  # not (yet) serving: the caller waits
            return None

    def instance(self) -> dict[str, Any]:
        doc = self.status(VRRP_SOCKET)
        assert doc is not None, self.log.read_text()
        found: dict[str, Any] = doc["vrrp"]["instances"]["VI_1"]
        return found

    def operations(self) -> dict[str, int]:
        doc = self.status(CHECK_SOCKET)
        assert doc is not None, self.log.read_text()
        found: dict[str, int] = doc["ipvs"]["operations"]
        return found

    def servers_up(self) -> bool:
        doc = self.status(CHECK_SOCKET)
        if doc is None or doc["checkers"] is None:
            return False
        servers = doc["checkers"]["virtual_servers"][0]["real_servers"]
        return len(servers) == 2 and all(s["up"] is True for s in servers)

    def reload(self, text: str, *, expect: str) -> str:
        """Writes *text* as the configuration, sends SIGHUP, waits for *expect* in the log
        after that point and returns the log from there."""
        start = len(self.log.read_text())
        self.conf.write_text(text)
        self.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: expect in self.log.read_text()[start:], expect, self.log)
        return self.log.read_text()[start:]

    def stop(self) -> int:
        """SIGTERM, and a kill when that does not stop it within the patience."""
        try:
            return super().stop()
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def vips(netns: str) -> set[str]:
    return addresses(netns) - {LB1, LB2}


def saved_table(netns: str) -> list[str]:
    done = subprocess.run(
        ["ip", "netns", "exec", netns, "ipvsadm", "-S", "-n"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.splitlines()


class AdvertBudget:
    """No advert burst: lb1 sends no more adverts between :meth:`start` and :meth:`check`
    than its 0.1 s interval allows in the time that passed (plus two). A bound from above
    only: a loaded machine sends fewer, never more, so this is no timing assertion."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.since, self.sent = time.monotonic(), router.instance()["adverts"]["sent"]

    def check(self) -> None:
        sent = self.router.instance()["adverts"]["sent"] - self.sent
        allowed = (time.monotonic() - self.since) / 0.1 + 2
        assert sent <= allowed, f"{sent} adverts where {allowed:.0f} at most were due"


def vrrp_view(router: Router) -> tuple[str, dict[str, int], Any]:
    found = router.instance()
    return found["state"], found["transitions"], found["last_transition"]


def test_reload_without_disruption(ipvs_netns: str, peer_netns: str, tmp_path: Path) -> None:
    link_pair(ipvs_netns, peer_netns)
    listeners = [
        in_netns(ipvs_netns, lambda a=a: socket.create_server((a, 9090)))  # type: ignore[misc]
        for a in ("127.0.0.2", "127.0.0.3")
    ]
    lb2 = Router(peer_netns, tmp_path, "lb2", "-P")
    lb1 = Router(ipvs_netns, tmp_path, "lb1")
    try:
        wait_for(lambda: lb1.servers_up(), "both real servers up on lb1", lb1.log)
        wait_for(lambda: vips(ipvs_netns) == {"10.77.0.100"}, "lb1 holds the VIP", lb1.log)
        wait_for(lambda: lb2.status(VRRP_SOCKET) is not None, "lb2's vrrp.sock", lb2.log)
        wait_for(lambda: lb2.instance()["state"] == "BACKUP", "lb2 backup", lb2.log)
        assert vrrp_view(lb1)[0] == "MASTER" and vips(peer_netns) == set()

        # One weight changed: one EditRealServer, one line of the saved table differs.
        before = (lb1.operations(), saved_table(ipvs_netns), vrrp_view(lb1), vrrp_view(lb2))
        budget = AdvertBudget(lb1)
        lb1.reload(config("lb1", weight=5), expect="Reload complete")
        wait_for(lambda: lb1.operations() != before[0], "the edit counted", lb1.log)
        after = lb1.operations()
        changed = {k: after.get(k, 0) - before[0].get(k, 0) for k in after | before[0]}
        assert {k: v for k, v in changed.items() if v} == {"EditRealServer": 1}
        table = saved_table(ipvs_netns)
        assert len(table) == len(before[1])
        diff = [(old, new) for old, new in zip(before[1], table, strict=True) if old != new]
        assert len(diff) == 1 and "-r 127.0.0.2:9090" in diff[0][1]
        assert "-w 3" in diff[0][0] and "-w 5" in diff[0][1]
        assert (vrrp_view(lb1), vrrp_view(lb2)) == before[2:]
        assert vips(ipvs_netns) == {"10.77.0.100"} and vips(peer_netns) == set()
        budget.check()

        # A VIP added on lb1: it holds it; lb2 takes nothing over.
        two = ("10.77.0.100", "10.77.0.101")
        budget = AdvertBudget(lb1)
        lb1.reload(config("lb1", weight=5, vips=two), expect="Reload complete")
        wait_for(lambda: vips(ipvs_netns) == set(two), "lb1 holds the new VIP", lb1.log)
        time.sleep(1.0)  # ten advert intervals: time for lb2 to react if it were going to
        assert (vrrp_view(lb1), vrrp_view(lb2)) == before[2:]
        assert vips(peer_netns) == set() and lb1.operations() == after
        budget.check()

        # A configuration with an error (a brace missing): the old one is kept.
        broken = config("lb1", weight=9, vips=("10.77.0.100",)).rstrip().removesuffix("}")
        refused = lb1.reload(broken, expect="Reload refused")
        assert re.search(rf"{re.escape(str(lb1.conf))}:\d+: ", refused), refused
        time.sleep(1.0)  # a child told by mistake would have applied it by now
        assert saved_table(ipvs_netns) == table and lb1.operations() == after
        assert vips(ipvs_netns) == set(two) and vips(peer_netns) == set()
        assert (vrrp_view(lb1), vrrp_view(lb2)) == before[2:]
        assert lb1.proc.poll() is None and lb2.proc.poll() is None
    finally:
        lb1.stop()
        lb2.stop()
        for listener in listeners:
            listener.close()
