# SPDX-License-Identifier: Apache-2.0
"""The VRRP child of ``pyipvs-keepalived -P`` (``vrrp_child``), from an unchanged keepalived.conf,
next to the real keepalived 2.2.7 on one bridge: mixed pairs fail over both ways when either
dies, preempt each other, and a SIGHUP reload of an unchanged instance makes no transition and
no advert outside its timer; a VIP added on reload appears on the master without a transition.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_vrrp_driver import VIP, VIP6, WAIT, Lan, Lines, client_sees, has_vip, lan, wait_until
from test_vrrp_driver_keepalived import Keepalived

__all__ = ["lan"]  # the fixture, re-used

CHILD = """
import argparse, logging, sys
from pyipvs.daemon.vrrp.main import vrrp_child
handler = logging.StreamHandler(sys.stdout)
handler.setFormatter(logging.Formatter("%(message)s"))
root = logging.getLogger("pyipvs")
root.addHandler(handler)
root.setLevel(logging.INFO)
args = argparse.Namespace(use_file=sys.argv[1], config_id="lb1", vrrp_pid=sys.argv[2],
                          dont_release_vrrp="-V" in sys.argv[3:])
sys.exit(vrrp_child(args))
"""
CONF = """
{prologue}
global_defs {{
    router_id lb1
    vrrp_garp_master_delay 0
}}
vrrp_instance VI_1 {{
    state BACKUP
    interface eth0
    virtual_router_id 77
    priority {priority}
    advert_int {interval}
    version {version}
{extra}    virtual_ipaddress {{
{vips}
    }}
}}
"""
VIP2 = "10.77.0.6"
DUMP = re.compile(r"\(VI_1\) state (\w+) .* sent (\d+) .* wakeups (\d+) .* transitions (.*)$")


class Ours:
    """``vrrp_child`` in lb1's namespace, its log on stdout."""

    def __init__(
        self,
        lan: Lan,
        priority: int,
        version: int = 3,
        extra: str = "",
        prologue: str = "",
        directory: Path | None = None,
        vips: tuple[str, ...] = (VIP,),
        options: tuple[str, ...] = (),
    ) -> None:
        self.dir = directory or Path(tempfile.mkdtemp(prefix="pyipvs-vrrp-p-"))
        self.conf = self.dir / "keepalived.conf"
        self.priority, self.version, self.extra = priority, version, extra
        self.prologue = prologue
        self.write(vips)
        command = ["ip", "netns", "exec", lan.ns("lb1"), sys.executable, "-c", CHILD,
                   str(self.conf), str(self.dir / "vrrp.pid"), *options]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines = Lines(self.process)

    def write(self, vips: tuple[str, ...]) -> None:
        interval = 1 if self.version == 2 else 0.1
        text = "\n".join(f"        {vip}/{128 if ':' in vip else 32}" for vip in vips)
        self.conf.write_text(
            CONF.format(
                priority=self.priority,
                interval=interval,
                version=self.version,
                vips=text,
                extra=self.extra,
                prologue=self.prologue,
            )
        )

    def wait_for(self, state: str) -> None:
        self.lines.until(lambda line: f"(VI_1) Entering {state} STATE" in line, state)

    def signal(self, signum: int, marker: str) -> None:
        self.lines.seen.clear()
        self.process.send_signal(signum)
        self.lines.until(lambda line: marker in line, marker)

    def dump(self) -> tuple[str, int, int, dict[str, int]]:
        """SIGUSR1: (state, adverts sent, timer wake-ups, transitions)."""
        self.signal(signal.SIGUSR1, "(VI_1) state ")
        line = next(line for line in self.lines.seen if "(VI_1) state " in line)
        found = DUMP.search(line)
        assert found is not None, line
        state, sent, wakeups, transitions = found.groups()
        return state, int(sent), int(wakeups), json.loads(transitions)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=WAIT)


@pytest.fixture
def started() -> Iterator[list[Ours | Keepalived]]:
    items: list[Ours | Keepalived] = []
    yield items
    for item in items:
        item.stop()


@pytest.mark.parametrize("version", [2, 3])
def test_keepalived_takes_over_when_our_master_dies(
    lan: Lan, started: list[Ours | Keepalived], version: int
) -> None:
    ours = Ours(lan, 150, version)
    theirs = Keepalived(lan, "lb2", 100, version, 4, False)
    started += [ours, theirs]
    ours.wait_for("MASTER")
    theirs.wait_for("BACKUP")
    wait_until(lambda: has_vip(lan.ns("lb1")), "VIP on lb1")
    client_sees(lan, "lb1")

    ours.process.kill()  # no priority 0: keepalived waits for Master_Down_Interval
    ours.process.wait(timeout=WAIT)
    theirs.forget()
    theirs.wait_for("MASTER")
    client_sees(lan, "lb2")
    assert theirs.bad_packet_lines() == []


@pytest.mark.parametrize("version", [2, 3])
def test_we_take_over_when_keepalived_dies_and_it_preempts_us_back(
    lan: Lan, started: list[Ours | Keepalived], version: int
) -> None:
    theirs = Keepalived(lan, "lb2", 150, version, 4, False)
    started.append(theirs)
    theirs.wait_for("MASTER")
    ours = Ours(lan, 100, version)
    started.append(ours)
    ours.wait_for("BACKUP")

    theirs.process.kill()
    theirs.process.wait(timeout=WAIT)
    ours.wait_for("MASTER")
    client_sees(lan, "lb1")

    again = Keepalived(lan, "lb2", 150, version, 4, False)
    started.append(again)
    again.wait_for("MASTER")
    ours.wait_for("BACKUP")
    wait_until(lambda: not has_vip(lan.ns("lb1")), "we removed the VIP")
    client_sees(lan, "lb2")
    assert again.bad_packet_lines() == []


def test_we_preempt_keepalived_and_a_graceful_stop_hands_back(
    lan: Lan, started: list[Ours | Keepalived]
) -> None:
    theirs = Keepalived(lan, "lb2", 100, 3, 4, False)
    started.append(theirs)
    theirs.wait_for("MASTER")
    ours = Ours(lan, 150)
    started.append(ours)
    ours.wait_for("MASTER")
    theirs.forget()
    theirs.wait_for("BACKUP")
    client_sees(lan, "lb1")

    assert ours.stop() == 0  # priority 0, VIP removed
    theirs.forget()
    theirs.wait_for("MASTER")
    assert not has_vip(lan.ns("lb1"))
    client_sees(lan, "lb2")


def test_reload_of_an_unchanged_master_sends_nothing_extra(
    lan: Lan, started: list[Ours | Keepalived]
) -> None:
    theirs = Keepalived(lan, "lb2", 100, 3, 4, False)
    ours = Ours(lan, 150)
    started += [ours, theirs]
    ours.wait_for("MASTER")
    theirs.wait_for("BACKUP")
    theirs.forget()
    mark = len(theirs.log)
    state, sent, wakeups, transitions = ours.dump()

    ours.signal(signal.SIGHUP, "Reload finished")
    reload_lines = list(ours.lines.seen)
    ours.signal(signal.SIGHUP, "Reload finished")
    reload_lines += ours.lines.seen
    after = ours.dump()
    while after[2] < wakeups + 3:  # let the advert timer fire a few times
        time.sleep(0.1)
        after = ours.dump()
    # Every advert since the first dump came from the advert timer: none from the reloads.
    assert (after[0], after[3]) == (state, transitions) == ("MASTER", transitions)
    assert after[1] - sent == after[2] - wakeups
    assert not any("Entering" in line for line in reload_lines)
    theirs.forget()
    assert not any("Entering" in line for line in theirs.log[mark:])


def test_a_vip_added_on_reload_appears_without_a_transition(
    lan: Lan, started: list[Ours | Keepalived]
) -> None:
    ours = Ours(lan, 150)
    started.append(ours)
    ours.wait_for("MASTER")
    wait_until(lambda: has_vip(lan.ns("lb1")), "VIP on lb1")
    _, _, _, transitions = ours.dump()

    ours.write((VIP, VIP2))
    ours.signal(signal.SIGHUP, "Reload finished")
    wait_until(lambda: has_vip(lan.ns("lb1"), VIP2), "the added VIP on lb1")
    client_sees(lan, "lb1", VIP2)
    state, _, _, after = ours.dump()
    assert (state, after) == ("MASTER", transitions)

    ours.write((VIP2,))
    ours.signal(signal.SIGHUP, "Reload finished")
    wait_until(lambda: not has_vip(lan.ns("lb1")), "the dropped VIP gone")
    assert has_vip(lan.ns("lb1"), VIP2)


def test_notify_scripts_run_with_keepalived_arguments(
    lan: Lan, started: list[Ours | Keepalived], tmp_path: Path
) -> None:
    record = tmp_path / "record.sh"
    record.write_text(f'#!/bin/sh\necho "$*" >> {tmp_path}/calls.txt\n')
    record.chmod(0o755)
    extra = f'    notify {record}\n    notify_master "{record} master-script"\n'
    theirs = Keepalived(lan, "lb2", 100, 3, 4, False)
    started.append(theirs)
    theirs.wait_for("MASTER")
    ours = Ours(lan, 150, extra=extra)
    started.append(ours)
    ours.wait_for("MASTER")
    assert ours.stop() == 0  # the child waits for its notify scripts before it exits
    # Scripts run side by side, so their lines may come in any order.
    assert sorted((tmp_path / "calls.txt").read_text().splitlines()) == [
        "INSTANCE VI_1 BACKUP 150",
        "INSTANCE VI_1 MASTER 150",
        "INSTANCE VI_1 STOP 150",
        "master-script",
    ]


def test_ipv6_keepalived_takes_over_when_our_master_dies(
    lan: Lan, started: list[Ours | Keepalived]
) -> None:
    ours = Ours(lan, 150, vips=(VIP6,))  # its source: eth0's link-local address
    theirs = Keepalived(lan, "lb2", 100, 3, 6, False)
    started += [ours, theirs]
    ours.wait_for("MASTER")
    theirs.wait_for("BACKUP")
    wait_until(lambda: has_vip(lan.ns("lb1"), VIP6), "VIP6 on lb1")
    client_sees(lan, "lb1", VIP6)

    ours.process.kill()
    ours.process.wait(timeout=WAIT)
    theirs.forget()
    theirs.wait_for("MASTER")
    client_sees(lan, "lb2", VIP6)
    assert theirs.bad_packet_lines() == []


def test_dont_release_vrrp_leaves_the_addresses_on_stop(
    lan: Lan, started: list[Ours | Keepalived]
) -> None:
    ours = Ours(lan, 150, options=("-V",))
    started.append(ours)
    ours.wait_for("MASTER")
    wait_until(lambda: has_vip(lan.ns("lb1")), "VIP on lb1")
    assert ours.stop() == 0
    assert has_vip(lan.ns("lb1"))


def test_a_reload_with_a_refused_configuration_keeps_the_running_one(
    lan: Lan, started: list[Ours | Keepalived]
) -> None:
    ours = Ours(lan, 150)
    started.append(ours)
    ours.wait_for("MASTER")
    # The VIPs follow "Entering MASTER STATE" (their rtnetlink client may still be loading
    # in its thread on a busy machine): the reload must find them there, not race them.
    wait_until(lambda: has_vip(lan.ns("lb1")), "VIP on lb1")
    _, _, _, transitions = ours.dump()

    ours.extra = "    unicast_peer {\n    }\n"
    ours.write((VIP, VIP2))
    ours.signal(signal.SIGHUP, "reload refused")
    refusal = f"{ours.conf}:14: (VI_1) unicast_peer block is empty"
    assert any(line.startswith(refusal) for line in ours.lines.seen), ours.lines.seen
    state, _, _, after = ours.dump()
    assert (state, after) == ("MASTER", transitions)
    assert has_vip(lan.ns("lb1")) and not has_vip(lan.ns("lb1"), VIP2)
