# SPDX-License-Identifier: Apache-2.0
"""The terminal view of a merged status document (:func:`render`): pure, text in columns.

VRRP first (who is master, since when and why, the VIPs), then the kernel's IPVS table with
each real server's checkers beside it (and the configured ones the checker took out), then
the checker loop's lateness. Durations are in milliseconds or seconds as they read best.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

_FORWARD = {"masq": "Masq", "route": "Route", "tunnel": "Tunnel"}


def render(doc: Mapping[str, Any], now: float) -> str:
    """The view of *doc* (see :func:`~pyipvs.daemon.state.view.gather`) at Unix time *now*."""
    lines = [_heading(doc), ""]
    lines += _vrrp_lines(doc.get("vrrp"), now)
    lines += _ipvs_lines(doc.get("ipvs"), doc.get("checkers"))
    lines += _loop_lines(doc.get("checkers"))
    for name, source in doc.get("sources", {}).items():
        if "error" in source:
            child = "VRRP child" if name == "vrrp" else "checker child"
            lines.append(f"{child}: {source['error']}")
    return "\n".join(lines).rstrip() + "\n"


def _heading(doc: Mapping[str, Any]) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(doc.get("generated", 0)))
    pids = []
    for name, label in (("vrrp", "VRRP"), ("check", "checker")):
        pid = doc.get("sources", {}).get(name, {}).get("pid")
        if pid is not None:
            pids.append(f"{label} pid {pid}")
    suffix = f" ({', '.join(pids)})" if pids else ""
    return f"pyipvs-keepalived on {doc.get('host', '?')} at {stamp}{suffix}"


def duration(seconds: float | None) -> str:
    """``0.3 ms``, ``12 ms``, ``1.50 s``, ``2 min 5 s``; ``-`` for none."""
    if seconds is None:
        return "-"
    if seconds < 0.01:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    return f"{minutes // 60} h {minutes % 60} min"


def _counts(counters: Mapping[str, int] | None) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted((counters or {}).items())) or "none"


# ----- VRRP -----------------------------------------------------------------------------


def _vrrp_lines(section: Mapping[str, Any] | None, now: float) -> list[str]:
    if section is None:
        return []
    instances = section.get("instances", {})
    lines = ["VRRP"]
    if not instances:
        lines.append("  no vrrp_instance configured")
    for name, vi in instances.items():
        lines += _instance_lines(name, vi, now)
    return [*lines, ""]


def _instance_lines(name: str, vi: Mapping[str, Any], now: float) -> list[str]:
    prio = vi["priority"]
    where = f" on {vi['interface']}" if vi.get("interface") else ""
    master = vi.get("master_address")
    if master is not None and master == vi.get("primary_address"):
        master = f"{master} (this router)"
    head = (
        f"  {name}  {vi['state']}  vrid {vi['vrid']}{where}  priority {prio['effective']}"
        f" (configured {prio['configured']})  master {master or 'unknown'}"
    )
    lines = [head, f"      VIPs {', '.join(vi['vips']) or 'none'}"]
    last = vi.get("last_transition")
    if last is not None:
        clock = time.strftime("%H:%M:%S", time.localtime(last["time"]))
        ago = duration(max(0.0, now - last["time"]))
        lines.append(
            f"      {last['from']} -> {last['to']} at {clock} ({ago} ago): {last['reason']}"
        )
    adverts = vi["adverts"]
    timers = vi["timers"]
    wakeups = timers.get("wakeups")
    late = (
        f"wake-ups p99 {duration(wakeups['p99'])}, max {duration(wakeups['max'])}"
        if wakeups
        else f"max {duration(timers['max_lateness'])}"
    )
    lines.append(
        f"      adverts sent {adverts['sent']}, received {adverts['received']};"
        f" rejected: {_counts(vi['rejected'])}; timers late {timers['late_expiries']} ({late})"
    )
    return lines


# ----- IPVS and checkers ----------------------------------------------------------------


def _ipvs_lines(section: Mapping[str, Any] | None, checkers: Mapping[str, Any] | None) -> list[str]:
    configured = {vs["name"]: vs for vs in (checkers or {}).get("virtual_servers", [])}
    lines = ["IPVS (as the kernel holds it)"]
    services = None if section is None else section.get("services")
    if section is not None and section.get("error"):
        lines.append(f"  {section['error']}")
    shown: set[str] = set()
    for service in services or []:
        shown.add(service["name"])
        lines += _service_lines(service, configured.get(service["name"]))
    unread = services is None
    for name, vs in configured.items():
        if name not in shown:
            why = "the kernel's table was not read" if unread else "not in the kernel's table"
            lines.append(f"  {name}: configured, {why}")
            lines += [_absent_line(rs, unread) for rs in vs["real_servers"]]
    if section is not None and section.get("operations") is not None:
        errors = section.get("errors") or {}
        failed = {
            f"{kind} {code}": n for kind, codes in errors.items() for code, n in codes.items()
        }
        lines.append(f"  operations: {_counts(section['operations'])}; refused: {_counts(failed)}")
    if len(lines) == 1:
        lines.append("  empty")
    return [*lines, ""]


def _service_lines(service: Mapping[str, Any], configured: Mapping[str, Any] | None) -> list[str]:
    head = f"  {service['name']}  {service['scheduler']}"
    if service.get("persistence_timeout"):
        head += f" persistent {service['persistence_timeout']}"
    lines = [head]
    known = {(rs["address"], rs["port"]): rs for rs in (configured or {}).get("real_servers", [])}
    in_kernel = set()
    for rs in service["real_servers"]:
        key = (rs["address"], rs["port"])
        in_kernel.add(key)
        forward = _FORWARD.get(rs["forward"], rs["forward"])
        lines.append(
            f"    -> {_host(rs)}:{rs['port']:<6} {forward:<6} weight {rs['weight']:<4}"
            f" conns {rs['active_connections']}/{rs['inactive_connections']}"
            f"  {_health(known.get(key))}"
        )
    lines += [_absent_line(rs) for key, rs in known.items() if key not in in_kernel]
    return lines


def _absent_line(rs: Mapping[str, Any], unread: bool = False) -> str:
    if unread:
        weight = rs.get("programmed_weight")
        where = "not programmed" if weight is None else f"programmed weight {weight}"
        return f"    ?  {_host(rs)}:{rs['port']:<6} {where}  {_health(rs)}"
    return f"    x  {_host(rs)}:{rs['port']:<6} not in the table  {_health(rs)}"


def _host(rs: Mapping[str, Any]) -> str:
    address = str(rs["address"])
    return f"[{address}]" if ":" in address else address


def _health(rs: Mapping[str, Any] | None) -> str:
    if rs is None:
        return "(not configured: someone else's entry)"
    state = {True: "up", False: "DOWN", None: "?"}[rs["up"]]
    checks = []
    for c in rs["checkers"]:
        last = c["last_result"]
        verdict = "not run yet" if last is None else ("ok" if last["ok"] else "failed")
        if last is not None and not last["ok"] and last["reason"]:
            verdict += f": {last['reason']}"
        flaps = f"{c['flaps']} flap" + ("" if c["flaps"] == 1 else "s")
        checks.append(f"{c['type']} {verdict} ({duration(c['latency'])}, {flaps})")
    return f"{state:<4}  {'; '.join(checks) or 'no checker'}"


def _loop_lines(checkers: Mapping[str, Any] | None) -> list[str]:
    if checkers is None:
        return []
    loop = checkers["loop"]
    return [
        f"Checkers: {int(loop['checks'])} checks, {int(loop['runs'])} runs;"
        f" start lateness p99 {duration(loop['lateness_p99'])}"
        f" (max {duration(loop['lateness_max'])}); loop lag max {duration(loop['loop_lag_max'])},"
        f" stalls {int(loop['stalls'])}",
        "",
    ]
