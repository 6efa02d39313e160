"""Driving the real ipvsadm in a namespace, and spelling model objects as ipvsadm arguments
(ipvsadm(8) option syntax), for cross-checks against pyipvs."""

from __future__ import annotations

import ipaddress
import subprocess

from pyipvs import RealServer, VirtualService

_FWD_FLAG = {"route": "-g", "tunnel": "-i", "masq": "-m"}


def run_in(netns: str, *argv: str, stdin: str | None = None, check: bool = True) -> str:
    return subprocess.run(
        ["ip", "netns", "exec", netns, *argv],
        input=stdin,
        check=check,
        capture_output=True,
        text=True,
    ).stdout


def save(netns: str) -> str:
    """``ipvsadm -S -n``: the rule set as ipvsadm sees it."""
    return run_in(netns, "ipvsadm", "-S", "-n")


def service_args(vs: VirtualService) -> list[str]:
    if vs.fwmark is not None:
        args = ["-f", str(vs.fwmark)]
        if vs.family == "inet6":
            args.append("-6")
        return args
    flag = {"tcp": "-t", "udp": "-u", "sctp": "--sctp-service"}[str(vs.protocol)]
    host = f"[{vs.address}]" if vs.family == "inet6" else str(vs.address)
    return [flag, f"{host}:{vs.port}"]


def add_service_line(vs: VirtualService, command: str = "-A") -> list[str]:
    args = [command, *service_args(vs), "-s", vs.scheduler]
    if vs.persistence_timeout is not None:
        args += ["-p", str(vs.persistence_timeout)]
    if (vs.family == "inet6" and vs.netmask != 128) or (
        vs.family == "inet" and vs.netmask != ipaddress.IPv4Address("255.255.255.255")
    ):
        args += ["-M", str(vs.netmask)]
    if vs.pe_name:
        args += ["--pe", vs.pe_name]
    if vs.one_packet:
        args.append("-o")
    if vs.sched_flags:
        args += ["-b", ",".join(sorted(vs.sched_flags))]
    return args


def real_server_args(vs: VirtualService, rs: RealServer, command: str = "-a") -> list[str]:
    host = f"[{rs.address}]" if rs.family == "inet6" else str(rs.address)
    args = [command, *service_args(vs), "-r", f"{host}:{rs.port}"]
    if command == "-d":
        return args
    args += [_FWD_FLAG[rs.forward], "-w", str(rs.weight)]
    args += ["-x", str(rs.upper_threshold), "-y", str(rs.lower_threshold)]
    if rs.forward == "tunnel" and rs.tunnel_type != "ipip":
        args += ["--tun-type", rs.tunnel_type]
        if rs.tunnel_type == "gue":
            args += ["--tun-port", str(rs.tunnel_port)]
        args.append(f"--tun-{rs.tunnel_checksum}")
    return args
