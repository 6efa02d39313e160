# SPDX-License-Identifier: Apache-2.0
"""The seed's machines as network namespaces, and its two LANs as bridges.

::

    client 10.0.0.10 (+ one address per split request)
       |  front LAN 10.0.0.0/24 (bridge "front")
    lb1 eth0 10.0.0.3        lb2 eth0 10.0.0.4        VIP 10.0.0.5 on the master's eth0
    lb1 eth1 192.168.0.2     lb2 eth1 192.168.0.3     VIP 192.168.0.1 on the master's eth1
       |  back LAN 192.168.0.0/24 (bridge "back")
    rs1 192.168.0.12         rs2 192.168.0.13         replies via 192.168.0.1 (seed §2.3.4)

The bridges live in a namespace of their own (``switch``), so the lab leaves nothing behind in
the namespace it was started from. Every command is an ``ip`` command: what the lab does to
the network can be read, and repeated by hand, as iproute2.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from dataclasses import dataclass

SWITCH = "switch"
CLIENT = "client"
VIP = "10.0.0.5"
GATEWAY_VIP = "192.168.0.1"
CLIENT_ADDRESS = "10.0.0.10"
LVS_TABLE = "200"  # the seed's "200 LVS" in rt_tables; the lab does not edit /etc


@dataclass(frozen=True)
class Host:
    name: str
    links: tuple[tuple[str, str, str], ...]  # (interface, bridge, address/prefix)


LB_HOSTS = (
    Host("lb1", (("eth0", "front", "10.0.0.3/24"), ("eth1", "back", "192.168.0.2/24"))),
    Host("lb2", (("eth0", "front", "10.0.0.4/24"), ("eth1", "back", "192.168.0.3/24"))),
)
RS_HOSTS = (
    Host("rs1", (("eth0", "back", "192.168.0.12/24"),)),
    Host("rs2", (("eth0", "back", "192.168.0.13/24"),)),
)
CLIENT_HOST = Host(CLIENT, (("eth0", "front", f"{CLIENT_ADDRESS}/24"),))
HOSTS = (CLIENT_HOST, *LB_HOSTS, *RS_HOSTS)
NAMESPACES = (SWITCH, *(host.name for host in HOSTS))


def rs_address(host: Host) -> str:
    return host.links[0][2].split("/")[0]


def client_sources(count: int) -> list[str]:
    """``count`` client addresses: one per split request, as many different clients (the
    persistence of 50 s would otherwise send every request of one client to one server)."""
    if not 0 < count <= 150:
        raise ValueError(f"the split takes 1 to 150 requests, not {count}")
    return [f"10.0.0.{100 + i}" for i in range(count)]


class TopologyError(Exception):
    """An ``ip`` command failed; the message holds the command and what it said."""


def ip_batch(netns: str | None, lines: Iterable[str]) -> None:
    """Runs ``ip [-n NETNS] -batch -`` on ``lines`` (one process for many commands)."""
    text = "".join(f"{line}\n" for line in lines)
    where = ["-n", netns] if netns else []
    done = subprocess.run(
        ["ip", *where, "-batch", "-"], input=text, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise TopologyError(f"ip {' '.join(where)} -batch failed: {done.stderr.strip()}")


def existing_namespaces() -> set[str]:
    done = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False)
    return {line.split()[0] for line in done.stdout.splitlines() if line.strip()}


def sysctl(netns: str, key: str, value: str) -> None:
    path = "/proc/sys/" + key.replace(".", "/")
    subprocess.run(["ip", "netns", "exec", netns, "sh", "-c", f"echo {value} > {path}"], check=True)


def _switch_lines() -> list[str]:
    lines = []
    for bridge in ("front", "back"):
        lines += [f"link add {bridge} type bridge", f"link set {bridge} up"]
    for host in HOSTS:
        for interface, bridge, _ in host.links:
            port = f"{host.name}-{interface}"
            lines += [
                f"link add {port} type veth peer name {interface} netns {host.name}",
                f"link set {port} master {bridge} up",
            ]
    return lines


def _host_lines(host: Host, split_sources: list[str]) -> list[str]:
    lines = []
    for interface, _, address in host.links:
        lines += [f"addr add {address} dev {interface}", f"link set {interface} up"]
    if host is CLIENT_HOST:
        lines += [f"addr add {source}/24 dev eth0" for source in split_sources]
    if host in RS_HOSTS:
        # The seed's §2.3.4: replies from the real server go back through the gateway VIP, so
        # they cross the load balancer that NATed the request. The LAN's own route in table LVS
        # is the lab's addition: the load balancers' health checks are answered directly, not
        # through the master (which is missing for a moment during a failover).
        lines += [
            f"rule add from {rs_address(host)} table {LVS_TABLE}",
            f"route add default via {GATEWAY_VIP} dev eth0 table {LVS_TABLE}",
            f"route add 192.168.0.0/24 dev eth0 table {LVS_TABLE}",
        ]
    return lines


def create(split_requests: int) -> None:
    """Builds the namespaces, LANs, addresses and routes; the load balancers forward."""
    clash = existing_namespaces() & set(NAMESPACES)
    if clash:
        raise TopologyError(
            f"network namespaces {', '.join(sorted(clash))} exist already (another lab?); "
            f"remove them with: ip netns delete NAME"
        )
    ip_batch(None, [f"netns add {name}" for name in NAMESPACES])
    for name in NAMESPACES:
        ip_batch(name, ["link set lo up"])
    ip_batch(SWITCH, _switch_lines())
    sources = client_sources(split_requests)
    for host in HOSTS:
        ip_batch(host.name, _host_lines(host, sources))
    for host in LB_HOSTS:
        sysctl(host.name, "net.ipv4.ip_forward", "1")


def destroy() -> None:
    """Deletes the lab's namespaces (their links and addresses go with them)."""
    for name in NAMESPACES:
        subprocess.run(["ip", "netns", "delete", name], capture_output=True, check=False)


def set_links(host: Host, state: str) -> None:
    """Sets every interface of ``host`` up or down (``state``): down cuts it off both LANs."""
    ip_batch(host.name, (f"link set {interface} {state}" for interface, _, _ in host.links))


__all__ = [
    "CLIENT",
    "CLIENT_ADDRESS",
    "GATEWAY_VIP",
    "HOSTS",
    "LB_HOSTS",
    "NAMESPACES",
    "RS_HOSTS",
    "VIP",
    "Host",
    "TopologyError",
    "client_sources",
    "create",
    "destroy",
    "rs_address",
    "set_links",
]
