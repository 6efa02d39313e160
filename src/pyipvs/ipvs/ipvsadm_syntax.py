# SPDX-License-Identifier: Apache-2.0
"""An operation spelled as ipvsadm's command line (ipvsadm(8)), numeric, one line each.

``AddRealServer`` reads ``-a -t 192.168.0.1:80 -r 192.168.0.12:80 -m -w 20``: what a network
engineer would type, and what ``ipvsadm -R`` / ``pyipvsadm -R`` accept back. Pure; used where
pyipvs shows a change before making it (``pyipvs-keepalived --plan``).
"""

from __future__ import annotations

import ipaddress

from pyipvs.ipvs import ops
from pyipvs.ipvs.model import RealServer, VirtualService

_SELECTORS = {"tcp": "-t", "udp": "-u", "sctp": "--sctp-service"}
_FORWARD_SWITCHES = {"masq": "-m", "local": "-g", "route": "-g", "tunnel": "-i"}
_HOST_MASK_V4 = ipaddress.IPv4Address("255.255.255.255")


def _host_port(address: object, port: int | None) -> str:
    text = str(address)
    return f"[{text}]:{port}" if ":" in text else f"{text}:{port}"


def service_words(vs: VirtualService) -> list[str]:
    """The service selector: ``-t ADDR:PORT``, ``-u ...``, ``--sctp-service ...``, ``-f MARK``."""
    if vs.fwmark is not None:
        return ["-f", str(vs.fwmark), "-6"] if vs.family == "inet6" else ["-f", str(vs.fwmark)]
    return [_SELECTORS[vs.protocol or "tcp"], _host_port(vs.address, vs.port)]


def _netmask_words(vs: VirtualService) -> list[str]:
    mask = vs.netmask
    if mask is None:
        return []
    if vs.family == "inet6" or (vs.address is not None and vs.address.version == 6):
        return [] if int(mask) == 128 else ["-M", str(int(mask))]
    return [] if mask == _HOST_MASK_V4 else ["-M", str(mask)]


def service_settings(vs: VirtualService) -> list[str]:
    """Scheduler, persistence, netmask, engine, one-packet and scheduler flags."""
    words = ["-s", vs.scheduler]
    if vs.persistence_timeout is not None:
        words += ["-p", str(vs.persistence_timeout), *_netmask_words(vs)]
    if vs.pe_name:
        words += ["--pe", vs.pe_name]
    if vs.one_packet:
        words.append("-o")
    if vs.sched_flags:
        words += ["-b", ",".join(sorted(vs.sched_flags))]
    return words


def server_settings(rs: RealServer) -> list[str]:
    """Forwarding method, weight, thresholds and tunnel parameters of a real server."""
    words = [_FORWARD_SWITCHES.get(rs.forward, "-g"), "-w", str(rs.weight)]
    if rs.upper_threshold:
        words += ["-x", str(rs.upper_threshold)]
    if rs.lower_threshold:
        words += ["-y", str(rs.lower_threshold)]
    if rs.forward == "tunnel" and rs.tunnel_type != "ipip":
        words += ["--tun-type", rs.tunnel_type]
        if rs.tunnel_type == "gue":
            words += ["--tun-port", str(rs.tunnel_port)]
        words.append(f"--tun-{rs.tunnel_checksum}")
    return words


def operation_words(operation: ops.Operation) -> list[str]:
    """``operation`` as ipvsadm's arguments, without the program name."""
    if isinstance(operation, ops.AddService | ops.EditService):
        command = "-A" if isinstance(operation, ops.AddService) else "-E"
        return [command, *service_words(operation.vs), *service_settings(operation.vs)]
    if isinstance(operation, ops.DeleteService):
        return ["-D", *service_words(operation.vs)]
    if isinstance(operation, ops.AddRealServer | ops.EditRealServer | ops.DeleteRealServer):
        command = {ops.AddRealServer: "-a", ops.EditRealServer: "-e"}.get(type(operation), "-d")
        words = [command, *service_words(operation.vs)]
        words += ["-r", _host_port(operation.rs.address, operation.rs.port)]
        if command != "-d":
            words += server_settings(operation.rs)
        return words
    if isinstance(operation, ops.Zero):
        return ["-Z"] if operation.vs is None else ["-Z", *service_words(operation.vs)]
    if isinstance(operation, ops.Flush):
        return ["-C"]
    timeouts = operation.timeouts
    return ["--set", str(timeouts.tcp), str(timeouts.tcp_fin), str(timeouts.udp)]


def operation_line(operation: ops.Operation) -> str:
    """``operation`` as one ipvsadm command line (no program name, no newline)."""
    return " ".join(operation_words(operation))
