# SPDX-License-Identifier: Apache-2.0
"""``pyipvs_bgp`` end to end: the daemon drives a real BIRD 2 on the director, which peers by
eBGP with a real BIRD 2 on a router namespace; what the router's kernel routes is what is
checked. Routes appear only for virtual servers with quorum; quorum lost -> withdrawn and
regained -> announced; the speaker killed -> the daemon says so (log and status socket) and
a restarted speaker announces again; a reload that drops a virtual server withdraws it; the
daemon stopped -> withdrawn."""

from __future__ import annotations

import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from check_servers import in_netns
from waiting import wait_for

ROUTER, DIRECTOR = "10.99.0.1", "10.99.0.2"
HEALTHY, NEVER_UP = "10.0.0.5", "10.0.0.6"
TIMERS = "hold time 6; connect retry time 1; error wait time 1, 2;"

ROUTER_BIRD = f"""\
log stderr {{ info, remote, warning, error, auth, fatal, bug }};
router id {ROUTER};
protocol device {{}}
protocol kernel {{ ipv4 {{ import none; export all; }}; }}
protocol bgp director {{
    local {ROUTER} as 65000; neighbor {DIRECTOR} as 65001; {TIMERS}
    ipv4 {{ import all; export none; }};
}}
"""
DIRECTOR_BIRD = """\
log stderr {{ info, remote, warning, error, auth, fatal, bug }};
router id {director};
protocol device {{}}
include "{include}";
protocol bgp upstream {{
    local {director} as 65001; neighbor {router} as 65000; {timers}
    ipv4 {{ import none; export where proto = "pyipvs_vips4"; }};
}}
"""
SERVICE = """\
virtual_server {vip} 80 {{
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    {alpha}
    real_server {rs} {port} {{
        TCP_CHECK {{
            connect_timeout 1
        }}
    }}
}}
"""
HEALTHY_VS = SERVICE.format(vip=HEALTHY, rs="127.0.0.2", port=9090, alpha="")
NEVER_UP_VS = SERVICE.format(vip=NEVER_UP, rs="127.0.0.3", port=9091, alpha="alpha")


def bgp_block(tmp: Path) -> str:
    return f"""\
pyipvs_bgp {{
    control_socket {tmp}/director.ctl
    include_file {tmp}/vips.conf
    check_interval 0.5
    retry_max 1
}}
"""


def ns(name: str, *argv: str) -> list[str]:
    return ["ip", "netns", "exec", name, *argv]


def router_routes(router: str) -> set[str]:
    out = subprocess.run(
        ["ip", "-n", router, "-4", "route", "show", "proto", "bird"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # ip prints a host route without its length: "10.0.0.5 via 10.99.0.2 dev down0 ..."
    return {str(ipaddress.ip_network(line.split()[0])) for line in out.splitlines() if line}


def bird_view(control: Path) -> str:
    """What a BIRD says of its sessions and routes, for a failure's message."""
    views = []
    for command in ("show protocols all", "show route all"):
        argv = ["birdc", "-s", str(control), command]
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=10)
        views.append(f"$ {' '.join(argv)}\n{done.stdout}{done.stderr}")
    return "\n".join(views)


def status(directory: Path) -> dict[str, Any]:
    with socket.socket(socket.AF_UNIX) as client:
        client.connect(str(directory / "check.sock"))
        chunks = []
        while chunk := client.recv(65536):
            chunks.append(chunk)
    doc: dict[str, Any] = json.loads(b"".join(chunks))
    return doc


def bgp_state(directory: Path) -> dict[str, Any]:
    try:
        section: dict[str, Any] = status(directory)["checkers"]["bgp"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return section


class Bird:
    """One BIRD process in a namespace, stopped by its pid."""

    def __init__(self, netns: str, conf: Path, control: Path, log: Path) -> None:
        self.argv = ns(netns, "bird", "-f", "-c", str(conf), "-s", str(control))
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "a") as out:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


@pytest.fixture
def link(ipvs_netns: str, peer_netns: str) -> Iterator[tuple[str, str]]:
    """(director, router): a veth between the two namespaces."""
    director, router = ipvs_netns, peer_netns
    subprocess.run(
        ["ip", "-n", director, "link", "add", "up0", "type", "veth", "peer", "down0"],
        check=True,
    )
    subprocess.run(["ip", "-n", director, "link", "set", "down0", "netns", router], check=True)
    for name, dev, address in ((director, "up0", DIRECTOR), (router, "down0", ROUTER)):
        subprocess.run(["ip", "-n", name, "addr", "add", f"{address}/24", "dev", dev], check=True)
        subprocess.run(["ip", "-n", name, "link", "set", dev, "up"], check=True)
    yield director, router


def test_routes_follow_quorum_speaker_and_daemon(link: tuple[str, str], tmp_path: Path) -> None:
    director, router = link
    logs = [tmp_path / "daemon.log", tmp_path / "director-bird.log", tmp_path / "router-bird.log"]
    (tmp_path / "router.conf").write_text(ROUTER_BIRD)
    (tmp_path / "director.conf").write_text(
        DIRECTOR_BIRD.format(
            director=DIRECTOR, router=ROUTER, timers=TIMERS, include=tmp_path / "vips.conf"
        )
    )
    (tmp_path / "vips.conf").write_text("")  # the operator's: BIRD needs the file to start
    conf = tmp_path / "keepalived.conf"
    conf.write_text(bgp_block(tmp_path) + HEALTHY_VS + NEVER_UP_VS)
    status_dir = tmp_path / "status"
    routers = Bird(router, tmp_path / "router.conf", tmp_path / "router.ctl", logs[2])
    speaker = Bird(director, tmp_path / "director.conf", tmp_path / "director.ctl", logs[1])
    listener = in_netns(director, lambda: socket.create_server(("127.0.0.2", 9090)))
    routers.start()
    speaker.start()
    daemon = None
    try:
        with open(logs[0], "w") as out:
            daemon = subprocess.Popen(
                [
                    sys.executable,
                    *("-m", "pyipvs.cli.keepalived", "-n", "-l", "-G", "-C"),
                    *("-s", director, "-f", str(conf)),
                    *("-p", str(tmp_path / "k.pid"), "-c", str(tmp_path / "c.pid")),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYIPVS_KEEPALIVED_STATUS_DIR": str(status_dir)},
            )

        def routes_are(expected: set[str], why: str) -> None:
            try:
                wait_for(lambda: router_routes(router) == expected, why, *logs)
            except AssertionError as exc:
                views = [bird_view(tmp_path / f"{n}.ctl") for n in ("router", "director")]
                raise AssertionError("\n".join([str(exc), *views])) from None

        routes_are({f"{HEALTHY}/32"}, "only the healthy virtual server announced")
        assert bgp_state(status_dir)["state"] == "up"
        assert bgp_state(status_dir)["announced"] == [f"{HEALTHY}/32"]

        listener.close()  # its only real server fails: quorum lost
        routes_are(set(), "the route withdrawn with the quorum")
        listener = in_netns(director, lambda: socket.create_server(("127.0.0.2", 9090)))
        routes_are({f"{HEALTHY}/32"}, "announced again with the quorum back")

        speaker.stop()  # the session goes down with it: the router drops the route
        routes_are(set(), "the route gone with the speaker")
        wait_for(lambda: bgp_state(status_dir).get("state") == "down", "speaker down", *logs)
        assert "BGP speaker bird unusable" in logs[0].read_text()
        speaker.start()
        routes_are({f"{HEALTHY}/32"}, "a restarted speaker announcing again")
        wait_for(lambda: bgp_state(status_dir).get("state") == "up", "speaker up", *logs)

        conf.write_text(bgp_block(tmp_path) + NEVER_UP_VS)  # the healthy one removed
        daemon.send_signal(signal.SIGHUP)
        routes_are(set(), "the route of the removed virtual server withdrawn")
        conf.write_text(bgp_block(tmp_path) + HEALTHY_VS + NEVER_UP_VS)
        daemon.send_signal(signal.SIGHUP)
        routes_are({f"{HEALTHY}/32"}, "announced again once configured again")

        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(40) == 0
        routes_are(set(), "everything withdrawn when the daemon stops")
        text = logs[0].read_text()  # the route went before the IPVS table: no flow sent to void
        assert text.index(f"BGP: withdrawing {HEALTHY}/32") < text.index("Shutting down service")
        include = (tmp_path / "vips.conf").read_text()
        assert "protocol static pyipvs_vips4" in include and "route " not in include
    finally:
        if daemon is not None and daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        speaker.stop()
        routers.stop()
        listener.close()
