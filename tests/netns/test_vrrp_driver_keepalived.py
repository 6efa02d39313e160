# SPDX-License-Identifier: Apache-2.0
"""Interop: our driver and the real keepalived 2.2.7 (``keepalived -P``) on one bridge: v2 and
v3, IPv4 and IPv6, multicast and unicast peers: the elections agree, preemption works both
ways, neither side drops the other's packets (keepalived logs nothing about a bad advert, our
codec counts no drop)."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_vrrp_driver import (
    CASES,
    VIP,
    VIP6,
    WAIT,
    Lan,
    Lines,
    Router,
    client_sees,
    config,
    has_vip,
    lan,
    wait_until,
)

__all__ = ["lan"]  # the fixture, re-used

KEEPALIVED_CONF = """
global_defs {{
    router_id {router_id}
    vrrp_garp_master_delay 0
}}
vrrp_instance VI_1 {{
    state BACKUP
    interface eth0
    virtual_router_id 77
    priority {priority}
    advert_int {interval}
    version {version}
{unicast}    virtual_ipaddress {{
        {vip}
    }}
}}
"""
UNICAST = """    unicast_src_ip {src}
    unicast_peer {{
        {peer}
    }}
"""
BAD_PACKET = re.compile(r"invalid|bad |wrong|mismatch|checksum|discard", re.IGNORECASE)


class Keepalived:
    def __init__(
        self, lan: Lan, name: str, priority: int, version: int, family: int, unicast: bool
    ) -> None:
        if not shutil.which("keepalived"):
            pytest.fail("keepalived 2.2.7 is needed (scripts/bootstrap.sh installs it)")
        self.dir = Path(tempfile.mkdtemp(prefix="pyipvs-vrrp-ka-"))
        interval = 1 if version == 2 else 0.1
        own, peer = addresses(family)[::-1] if name == "lb2" else addresses(family)
        conf = KEEPALIVED_CONF.format(
            router_id=name,
            priority=priority,
            interval=interval,
            version=version,
            vip=f"{VIP6}/128" if family == 6 else f"{VIP}/32",
            unicast=UNICAST.format(src=own, peer=peer) if unicast else "",
        )
        (self.dir / "keepalived.conf").write_text(conf)
        command = ["ip", "netns", "exec", lan.ns(name), "keepalived", "-n", "-l", "-D", "-G",
                   "-P", "-f", str(self.dir / "keepalived.conf"),
                   "-p", str(self.dir / "k.pid"), "-r", str(self.dir / "v.pid")]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines = Lines(self.process)
        self.log: list[str] = []  # everything, also what forget() dropped from self.lines

    def wait_for(self, state: str) -> None:
        marker = f"Entering {state} STATE"
        self.lines.until(lambda line: marker in line, f"keepalived {state}")

    def forget(self) -> None:
        self.log.extend(self.lines.seen)
        self.lines.seen.clear()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=WAIT)
        self.forget()
        self.log.extend(self.lines.rest(2.0))
        shutil.rmtree(self.dir, ignore_errors=True)

    def bad_packet_lines(self) -> list[str]:
        self.forget()
        # "received lower priority advert ... discarding" is preemption at work, not an error.
        return [
            line
            for line in self.log
            if "VI_1" in line and BAD_PACKET.search(line) and "lower priority" not in line
        ]


def addresses(family: int) -> tuple[str, str]:
    """lb1's and lb2's primary addresses."""
    return ("fe80::2", "fe80::3") if family == 6 else ("10.77.0.2", "10.77.0.3")


def ours_on_lb1(lan: Lan, priority: int, version: int, family: int, unicast: bool) -> Router:
    one, two = addresses(family)
    return Router(lan, "lb1", config(one, priority, version), (two,) if unicast else ())


@pytest.fixture
def cleanup() -> Iterator[list[Router | Keepalived]]:
    started: list[Router | Keepalived] = []
    yield started
    for item in started:
        if isinstance(item, Keepalived):
            item.stop()
        elif item.process.poll() is None:
            item.terminate()


@pytest.mark.parametrize(("version", "family", "unicast"), CASES)
def test_we_preempt_keepalived_and_it_takes_over_when_we_stop(
    lan: Lan, cleanup: list[Router | Keepalived], version: int, family: int, unicast: bool
) -> None:
    vip = VIP6 if family == 6 else VIP
    theirs = Keepalived(lan, "lb2", 100, version, family, unicast)
    cleanup.append(theirs)
    theirs.wait_for("MASTER")
    wait_until(lambda: has_vip(lan.ns("lb2"), vip), "VIP on keepalived")
    client_sees(lan, "lb2", vip)

    ours = ours_on_lb1(lan, 150, version, family, unicast)
    cleanup.append(ours)
    ours.wait_for("MASTER")
    theirs.forget()
    theirs.wait_for("BACKUP")
    wait_until(lambda: not has_vip(lan.ns("lb2"), vip), "keepalived removed the VIP")
    client_sees(lan, "lb1", vip)

    ours.terminate()  # priority 0: keepalived takes over after its Skew_Time
    theirs.forget()
    theirs.wait_for("MASTER")
    client_sees(lan, "lb2", vip)
    assert ours.report["codec_drops"] == {}
    assert theirs.bad_packet_lines() == []


@pytest.mark.parametrize(("version", "family", "unicast"), CASES)
def test_keepalived_preempts_us(
    lan: Lan, cleanup: list[Router | Keepalived], version: int, family: int, unicast: bool
) -> None:
    vip = VIP6 if family == 6 else VIP
    ours = ours_on_lb1(lan, 100, version, family, unicast)
    cleanup.append(ours)
    ours.wait_for("MASTER")
    client_sees(lan, "lb1", vip)

    theirs = Keepalived(lan, "lb2", 150, version, family, unicast)
    cleanup.append(theirs)
    theirs.wait_for("MASTER")
    ours.forget()
    ours.wait_for("BACKUP")
    wait_until(lambda: not has_vip(lan.ns("lb1"), vip), "we removed the VIP")
    client_sees(lan, "lb2", vip)

    theirs.stop()
    ours.forget()
    ours.wait_for("MASTER")
    client_sees(lan, "lb1", vip)
    ours.terminate()
    assert ours.report["codec_drops"] == {}
    assert theirs.bad_packet_lines() == []
