# SPDX-License-Identifier: Apache-2.0
"""Prometheus text exposition (format 0.0.4) of a status document.

:func:`exposition` renders the same dicts the status sockets serve (one child's document or
the merged one of :func:`~pyipvs.daemon.state.view.gather`), so the metrics and the status
API cannot disagree. Names start with ``pyipvs_``; counters end in ``_total``; durations are
in seconds. No client library is needed at run time: the format is plain text.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pyipvs.daemon.bgp.metrics import bgp_metrics

Labels = Mapping[str, object]


@dataclass
class Family:
    """One metric family: its samples as ``(suffix, labels, value)``."""

    name: str
    kind: str  # counter, gauge, histogram
    help: str
    samples: list[tuple[str, dict[str, str], float]] = field(default_factory=list)

    def add(self, value: float | None, suffix: str = "", /, **labels: object) -> None:
        if value is None:
            return
        self.samples.append((suffix, {k: str(v) for k, v in labels.items()}, float(value)))


class Registry:
    """Families in the order first declared."""

    def __init__(self) -> None:
        self.families: dict[str, Family] = {}

    def __call__(self, name: str, kind: str, help_text: str) -> Family:
        family = self.families.get(name)
        if family is None:
            family = self.families[name] = Family(name, kind, help_text)
        return family

    def text(self) -> str:
        lines: list[str] = []
        for family in self.families.values():
            if not family.samples:
                continue
            lines.append(f"# HELP {family.name} {_escape_help(family.help)}")
            lines.append(f"# TYPE {family.name} {family.kind}")
            for suffix, labels, value in family.samples:
                lines.append(f"{family.name}{suffix}{_labels(labels)} {_number(value)}")
        return "\n".join(lines) + "\n" if lines else ""


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape_value(v)}"' for k, v in labels.items())
    return "{" + inner + "}"


def _escape_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def exposition(doc: Mapping[str, Any]) -> str:
    """The metrics of a status document, as Prometheus scrapes them."""
    registry = Registry()
    _sources(registry, doc.get("sources") or {})
    _vrrp(registry, (doc.get("vrrp") or {}).get("instances") or {})
    if doc.get("checkers"):
        _checkers(registry, doc["checkers"])
    if doc.get("ipvs"):
        _ipvs(registry, doc["ipvs"])
    return registry.text()


def _sources(r: Registry, sources: Mapping[str, Any]) -> None:
    up = r("pyipvs_child_up", "gauge", "1 while the child answers on its status socket")
    for name, source in sources.items():
        up.add(0 if "error" in source else 1, child=name)


# ----- VRRP -----------------------------------------------------------------------------


def _vrrp(r: Registry, instances: Mapping[str, Any]) -> None:
    for name, vi in instances.items():
        base = {"instance": name, "vrid": vi["vrid"]}
        r("pyipvs_vrrp_instance_info", "gauge", "1 per instance, its description in labels").add(
            1, **base, version=vi["version"], interface=vi.get("interface") or ""
        )
        state = r("pyipvs_vrrp_state", "gauge", "1 for the instance's current state, else 0")
        for candidate in ("INIT", "BACKUP", "MASTER", "FAULT"):
            state.add(int(vi["state"] == candidate), **base, state=candidate)
        r("pyipvs_vrrp_priority", "gauge", "effective priority").add(
            vi["priority"]["effective"], **base
        )
        r("pyipvs_vrrp_configured_priority", "gauge", "configured priority").add(
            vi["priority"]["configured"], **base
        )
        transitions = r("pyipvs_vrrp_transitions_total", "counter", "state changes")
        for change, count in vi["transitions"].items():
            old, new = change.split("->")
            transitions.add(count, **base, old=old, new=new)
        last = vi.get("last_transition")
        r(
            "pyipvs_vrrp_last_transition_timestamp_seconds",
            "gauge",
            "Unix time of the last state change",
        ).add(None if last is None else last["time"], **base)
        _vrrp_counters(r, vi, base)


def _vrrp_counters(r: Registry, vi: Mapping[str, Any], base: Labels) -> None:
    r("pyipvs_vrrp_adverts_sent_total", "counter", "advertisements sent").add(
        vi["adverts"]["sent"], **base
    )
    r("pyipvs_vrrp_adverts_received_total", "counter", "advertisements received").add(
        vi["adverts"]["received"], **base
    )
    rejected = r(
        "pyipvs_vrrp_adverts_rejected_total",
        "counter",
        "advertisements the state machine dropped, by reason",
    )
    for reason, count in vi["rejected"].items():
        rejected.add(count, **base, reason=reason)
    dropped = r(
        "pyipvs_vrrp_packets_dropped_total", "counter", "packets the codec refused, by reason"
    )
    for reason, count in vi["dropped"].items():
        dropped.add(count, **base, reason=reason)
    timers = vi["timers"]
    r("pyipvs_vrrp_late_timer_expiries_total", "counter", "timer expiries after deadline").add(
        timers["late_expiries"], **base
    )
    wakeups = timers.get("wakeups") or {}
    lateness = r(
        "pyipvs_vrrp_timer_lateness_seconds",
        "gauge",
        "timer wake-up lateness after the deadline (quantile 1 is the maximum)",
    )
    for quantile, key in (("0.5", "p50"), ("0.99", "p99"), ("1", "max")):
        lateness.add(wakeups.get(key), **base, quantile=quantile)
    if not wakeups:
        lateness.add(timers["max_lateness"], **base, quantile="1")


# ----- checkers and IPVS ----------------------------------------------------------------


def _checkers(r: Registry, section: Mapping[str, Any]) -> None:
    loop = section["loop"]
    r("pyipvs_check_runs_total", "counter", "probe runs").add(loop["runs"])
    r("pyipvs_check_overruns_total", "counter", "probes cancelled at their deadline").add(
        loop["overruns"]
    )
    r("pyipvs_check_loop_stalls_total", "counter", "event loop stalls seen").add(loop["stalls"])
    r("pyipvs_check_loop_lag_max_seconds", "gauge", "worst event loop lag").add(
        loop["loop_lag_max"]
    )
    lateness = r(
        "pyipvs_check_start_lateness_seconds",
        "gauge",
        "how late checks start after they are due (quantile 1 is the maximum)",
    )
    for quantile, key in (("0.5", "lateness_p50"), ("0.99", "lateness_p99"), ("1", "lateness_max")):
        lateness.add(loop[key], quantile=quantile)
    latency = r("pyipvs_check_latency_seconds", "histogram", "probe run time by checker type")
    for kind, histogram in section.get("latency", {}).items():
        for bound, count in histogram["buckets"]:
            latency.add(count, "_bucket", type=kind, le=_bound(bound))
        latency.add(histogram["sum"], "_sum", type=kind)
        latency.add(histogram["count"], "_count", type=kind)
    for vs in section["virtual_servers"]:
        _virtual_server(r, vs)
    if section.get("bgp"):  # pyipvs_bgp (daemon/bgp)
        bgp_metrics(r, section["bgp"])


def _bound(bound: float | str) -> str:
    return "+Inf" if bound == "+Inf" else _number(float(bound))


def _virtual_server(r: Registry, vs: Mapping[str, Any]) -> None:
    name = vs["name"]
    r("pyipvs_virtual_server_quorum", "gauge", "1 while the pool has quorum").add(
        None if vs["quorum"] is None else int(vs["quorum"]), virtual_server=name
    )
    for rs in vs["real_servers"]:
        where = {"virtual_server": name, "real_server": _endpoint(rs)}
        r("pyipvs_real_server_up", "gauge", "1 while every checker of the server passes").add(
            None if rs["up"] is None else int(rs["up"]), **where
        )
        for checker in rs["checkers"]:
            _checker(r, checker, where)


def _checker(r: Registry, checker: Mapping[str, Any], where: Labels) -> None:
    labels = {**where, "type": checker["type"]}
    r("pyipvs_checker_up", "gauge", "1 while the checker passes").add(
        None if checker["up"] is None else int(checker["up"]), **labels
    )
    r("pyipvs_checker_flaps_total", "counter", "checker up/down transitions").add(
        checker["flaps"], **labels
    )
    r("pyipvs_checker_last_latency_seconds", "gauge", "duration of the last probe run").add(
        checker["latency"], **labels
    )


def _ipvs(r: Registry, section: Mapping[str, Any]) -> None:
    operations = r("pyipvs_ipvs_operations_total", "counter", "IPVS operations applied")
    for kind, count in (section.get("operations") or {}).items():
        operations.add(count, kind=kind)
    errors = r("pyipvs_ipvs_errors_total", "counter", "IPVS operations refused, by errno")
    for kind, codes in (section.get("errors") or {}).items():
        for code, count in codes.items():
            errors.add(count, kind=kind, errno=code)
    r("pyipvs_ipvs_readable", "gauge", "1 when the kernel's table could be read").add(
        int(section.get("error") is None and section.get("services") is not None)
    )
    _kernel_table(r, section.get("services") or [])


def _kernel_table(r: Registry, services: Iterable[Mapping[str, Any]]) -> None:
    weight = r("pyipvs_ipvs_weight", "gauge", "real server weight as the kernel holds it")
    active = r("pyipvs_ipvs_active_connections", "gauge", "active connections")
    inactive = r("pyipvs_ipvs_inactive_connections", "gauge", "inactive connections")
    for service in services:
        for rs in service["real_servers"]:
            where = {"virtual_server": service["name"], "real_server": _endpoint(rs)}
            weight.add(rs["weight"], **where)
            active.add(rs["active_connections"], **where)
            inactive.add(rs["inactive_connections"], **where)


def _endpoint(rs: Mapping[str, Any]) -> str:
    address = rs["address"]
    return f"[{address}]:{rs['port']}" if ":" in address else f"{address}:{rs['port']}"
