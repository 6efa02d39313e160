# SPDX-License-Identifier: Apache-2.0
"""Two active directors behind one router: each runs ``pyipvs-keepalived`` and BIRD 2 with
the same virtual server, the router's BIRD merges their equal routes into one ECMP route in
its kernel (``merge paths``). A director whose quorum goes, or whose daemon stops, leaves the
route to the other one alone; back healthy, it is a next hop again."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from check_servers import in_netns
from test_bgp_announce import HEALTHY, HEALTHY_VS, TIMERS, Bird, bgp_block, bird_view
from waiting import wait_for

ROUTER_AS, DIRECTORS_AS = 65000, 65001
LINKS = {"d1": ("10.99.1.1", "10.99.1.2"), "d2": ("10.99.2.1", "10.99.2.2")}

ROUTER_BIRD = """\
router id 10.99.1.1;
protocol device {{}}
protocol kernel {{ ipv4 {{ import none; export all; }}; merge paths on; }}
{bfd_protocol}{sessions}
"""
SESSION = """\
protocol bgp {name} {{
    local {local} as {router_as}; neighbor {peer} as {directors_as}; {timers}{bfd}
    ipv4 {{ import all; export none; }};
}}
"""
DIRECTOR_BIRD = """\
router id {local};
protocol device {{}}
include "{include}";
protocol bgp upstream {{
    local {local} as {directors_as}; neighbor {peer} as {router_as}; {timers}{bfd}
    ipv4 {{ import none; export where proto = "pyipvs_vips4"; }};
}}
"""


Bfd = tuple[float, int] | None  # (interval in seconds, multiplier), as pyipvs_bgp says


def bfd_timers(bfd: tuple[float, int]) -> str:
    ms, multiplier = round(bfd[0] * 1000), bfd[1]
    return f"min rx interval {ms} ms; min tx interval {ms} ms; multiplier {multiplier};"


def router_conf(bfd: Bfd = None) -> str:
    """The router's BIRD: one session per director, BFD on them when *bfd*."""
    sessions = "".join(
        SESSION.format(
            name=name,
            local=LINKS[name][0],
            peer=LINKS[name][1],
            timers=TIMERS,
            bfd=" bfd on;" if bfd else "",
            router_as=ROUTER_AS,
            directors_as=DIRECTORS_AS,
        )
        for name in LINKS
    )
    protocol = f'protocol bfd {{ interface "*" {{ {bfd_timers(bfd)} }}; }}\n' if bfd else ""
    return ROUTER_BIRD.format(sessions=sessions, bfd_protocol=protocol)


def next_hops(router: str) -> set[str]:
    """The gateways of the router's kernel route to the virtual address (one or several)."""
    out = subprocess.run(
        ["ip", "-n", router, "-4", "route", "show", f"{HEALTHY}/32"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return {out[i + 1] for i, word in enumerate(out[:-1]) if word == "via"}


@pytest.fixture
def second_director(ip_vs_kernel: None, root: None) -> Iterator[str]:
    name = f"pyipvs-d2-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
    yield name
    subprocess.run(["ip", "netns", "delete", name], check=False)


def wire(director: str, router: str, name: str) -> None:
    router_address, director_address = LINKS[name]
    subprocess.run(
        ["ip", "-n", director, "link", "add", "up0", "type", "veth", "peer", name], check=True
    )
    subprocess.run(["ip", "-n", director, "link", "set", name, "netns", router], check=True)
    for netns, dev, address in (
        (director, "up0", director_address),
        (router, name, router_address),
    ):
        subprocess.run(["ip", "-n", netns, "addr", "add", f"{address}/24", "dev", dev], check=True)
        subprocess.run(["ip", "-n", netns, "link", "set", dev, "up"], check=True)


class Director:
    """A director's namespace with its BIRD, its daemon and its real server's listener."""

    def __init__(self, netns: str, name: str, tmp: Path, bfd: Bfd = None) -> None:
        self.netns, self.name = netns, name
        self.dir = tmp / name
        self.dir.mkdir()
        self.log = self.dir / "daemon.log"
        router_address, local = LINKS[name]
        (self.dir / "bird.conf").write_text(
            DIRECTOR_BIRD.format(
                local=local,
                peer=router_address,
                include=self.dir / "vips.conf",
                timers=TIMERS,
                bfd=" bfd on;" if bfd else "",
                router_as=ROUTER_AS,
                directors_as=DIRECTORS_AS,
            )
        )
        (self.dir / "vips.conf").write_text("")
        block = bgp_block(self.dir)
        if bfd:  # the daemon writes BIRD's protocol bfd into vips.conf
            extra = f"    bfd_interval {bfd[0]}\n    bfd_multiplier {bfd[1]}\n}}\n"
            block = block[: block.rindex("}")] + extra
        (self.dir / "keepalived.conf").write_text(block + HEALTHY_VS)
        self.bird = Bird(
            netns, self.dir / "bird.conf", self.dir / "director.ctl", self.dir / "b.log"
        )
        self.daemon: subprocess.Popen[bytes] | None = None
        self.listener: socket.socket | None = None

    def serve(self) -> None:
        self.listener = in_netns(self.netns, lambda: socket.create_server(("127.0.0.2", 9090)))

    def unserve(self) -> None:
        if self.listener is not None:
            self.listener.close()
            self.listener = None

    def start(self) -> None:
        self.serve()
        self.bird.start()
        with open(self.log, "w") as out:
            self.daemon = subprocess.Popen(
                [
                    sys.executable,
                    *("-m", "pyipvs.cli.keepalived", "-n", "-l", "-G", "-C"),
                    *("-s", self.netns, "-f", str(self.dir / "keepalived.conf")),
                    *("-p", str(self.dir / "k.pid"), "-c", str(self.dir / "c.pid")),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: freeze() stops it and its children
                env={**os.environ, "PYIPVS_KEEPALIVED_STATUS_DIR": str(self.dir / "status")},
            )

    def stop_daemon(self) -> int:
        assert self.daemon is not None
        self.daemon.send_signal(signal.SIGTERM)
        return self.daemon.wait(40)

    def freeze(self, signum: signal.Signals = signal.SIGSTOP) -> None:
        """The director as if its machine hung: BIRD and the daemon's processes stopped
        (or, with SIGCONT, resumed; SIGKILL kills them). The kernel still answers TCP."""
        assert self.daemon is not None and self.bird.proc is not None
        os.killpg(self.daemon.pid, signum)
        os.kill(self.bird.proc.pid, signum)  # ip netns exec execs bird: the same process

    def close(self) -> None:
        if self.daemon is not None:  # a frozen group resumed, so that it can be stopped
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.daemon.pid, signal.SIGCONT)
        if self.bird.proc is not None and self.bird.proc.poll() is None:
            os.kill(self.bird.proc.pid, signal.SIGCONT)
        if self.daemon is not None and self.daemon.poll() is None:
            self.daemon.kill()
            self.daemon.wait()
        self.bird.stop()
        self.unserve()


def test_two_directors_share_the_address_by_ecmp(
    ipvs_netns: str, second_director: str, peer_netns: str, tmp_path: Path
) -> None:
    router = peer_netns
    wire(ipvs_netns, router, "d1")
    wire(second_director, router, "d2")
    (tmp_path / "router.conf").write_text(router_conf())
    routers = Bird(router, tmp_path / "router.conf", tmp_path / "router.ctl", tmp_path / "r.log")
    one, two = Director(ipvs_netns, "d1", tmp_path), Director(second_director, "d2", tmp_path)
    both = {LINKS["d1"][1], LINKS["d2"][1]}
    routers.start()
    try:
        one.start()
        two.start()

        def hops_are(expected: set[str], why: str) -> None:
            try:
                wait_for(lambda: next_hops(router) == expected, why, one.log, two.log)
            except AssertionError as exc:
                views = [bird_view(tmp_path / "router.ctl"), f"hops: {next_hops(router)}"]
                raise AssertionError("\n".join([str(exc), *views])) from None

        hops_are(both, "one ECMP route through both directors")
        one.unserve()  # d1's only real server fails: d1 loses quorum
        hops_are({LINKS["d2"][1]}, "d1's path withdrawn with its quorum")
        one.serve()
        hops_are(both, "d1 a next hop again")
        assert two.stop_daemon() == 0
        hops_are({LINKS["d1"][1]}, "d2's path withdrawn when its daemon stops")
    finally:
        one.close()
        two.close()
        routers.stop()
