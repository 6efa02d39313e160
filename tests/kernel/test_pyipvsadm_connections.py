# SPDX-License-Identifier: Apache-2.0
"""``pyipvsadm -c`` lists the connections of its handle's namespace, not the caller's.

The command used to read /proc/net/ip_vs_conn itself, which belongs to the reading thread's
namespace: with a handle bound to another namespace (``execute(..., ipvs=Ipvs(netns=...))``)
it listed the caller's connections. It now asks the handle (:meth:`pyipvs.Ipvs.connections`).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys

from ipvsadm_util import run_in

from pyipvs import Ipvs, RealServer, VirtualService
from pyipvs.cli.ipvsadm.main import execute


def send_udp(netns: str, host: str, port: int) -> None:
    code = (
        "import socket\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        f"s.sendto(b'x', ({host!r}, {port}))\n"
    )
    subprocess.run(["ip", "netns", "exec", netns, sys.executable, "-c", code], check=True)


def pyipvsadm(ipvs: Ipvs, *argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    assert execute(list(argv), "ipvsadm", out, err, ipvs=ipvs) == 0, err.getvalue()
    return out.getvalue()


def test_connections_listed_are_the_handles_namespace(ipvs_netns: str) -> None:
    # A routable VIP, so locally sent packets reach IPVS (LOCAL_OUT) and create a connection.
    run_in(ipvs_netns, "ip", "link", "add", "d0", "type", "dummy")
    run_in(ipvs_netns, "ip", "link", "set", "d0", "up")
    run_in(ipvs_netns, "ip", "addr", "add", "10.0.0.100/24", "dev", "d0")
    vs = VirtualService("udp", "10.0.0.1", 53, scheduler="rr")
    with Ipvs(netns=ipvs_netns) as ipvs:
        ipvs.add_service(vs)
        ipvs.add_real_server(vs, RealServer("10.0.0.2", 53, forward="masq"))
        send_udp(ipvs_netns, "10.0.0.1", 53)
        (conn,) = ipvs.connections()
        with Ipvs() as mine:  # this process's namespace has no such connection
            assert all(str(c.virtual_address) != "10.0.0.1" for c in mine.connections())
        listing = pyipvsadm(ipvs, "-L", "-n", "-c")
        rows = listing.splitlines()[2:]
        assert len(rows) == 1, listing
        words = rows[0].split()
        assert words[0] == "UDP" and words[2] == conn.state, listing
        assert words[3:] == [f"10.0.0.100:{conn.client_port}", "10.0.0.1:53", "10.0.0.2:53"]
        (row,) = json.loads(pyipvsadm(ipvs, "-L", "-n", "-c", "--json"))["connections"]
        assert (row["protocol"], row["virtual"], row["virtual_port"]) == ("UDP", "10.0.0.1", 53)
        assert (row["destination"], row["client_port"]) == ("10.0.0.2", conn.client_port)
