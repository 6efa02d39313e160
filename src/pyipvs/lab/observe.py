# SPDX-License-Identifier: Apache-2.0
"""What the lab shows, sampled live: who holds the VIPs, each load balancer's IPVS table, and
the events read from the differences between two samples and from the notify scripts' log."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pyipvs.ipvs import Ipvs
from pyipvs.lab.topology import GATEWAY_VIP, LB_HOSTS, VIP

PERIOD = 0.2  # seconds between two samples


@dataclass(frozen=True)
class Row:
    """One real server line of a table, the columns of ``ipvsadm -L -n``."""

    address: str
    forward: str
    weight: int
    active: int
    inactive: int


@dataclass(frozen=True)
class Table:
    service: str  # "TCP  10.0.0.5:80 wlc persistent 50"
    rows: tuple[Row, ...]

    def addresses(self) -> set[str]:
        return {row.address for row in self.rows}


@dataclass(frozen=True)
class Sample:
    vips: dict[str, tuple[str, ...]]  # load balancer -> the VIPs it holds
    tables: dict[str, tuple[Table, ...]]
    alive: dict[str, bool]  # False once the lab has killed it
    running: dict[str, bool] = field(default_factory=dict)  # its daemon runs

    @property
    def master(self) -> str:
        # A dead load balancer's kernel still lists the VIPs; nobody reaches it any more.
        holders = [lb for lb, vips in self.vips.items() if VIP in vips and self.alive[lb]]
        return holders[0] if len(holders) == 1 else ("both" if holders else "none")


@dataclass(frozen=True)
class Event:
    at: float  # seconds since the lab started
    text: str


def held_vips(lb: str) -> tuple[str, ...]:
    done = subprocess.run(
        ["ip", "-n", lb, "-j", "-4", "addr", "show"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return ()
    found = {a["local"] for link in json.loads(done.stdout) for a in link.get("addr_info", [])}
    return tuple(vip for vip in (VIP, GATEWAY_VIP) if vip in found)


def read_tables(ipvs: Ipvs) -> tuple[Table, ...]:
    tables = []
    for vs, servers in ipvs.table().items():
        persistence = f" persistent {vs.persistence_timeout}" if vs.persistent else ""
        service = f"{str(vs.protocol).upper()}  {vs.address}:{vs.port} {vs.scheduler}{persistence}"
        rows = tuple(
            Row(
                f"{rs.address}:{rs.port}",
                rs.forward.capitalize(),
                rs.weight,
                rs.active_connections,
                rs.inactive_connections,
            )
            for rs in sorted(servers, key=lambda rs: (rs.address, rs.port))
        )
        tables.append(Table(service, rows))
    return tuple(tables)


@dataclass
class Observer:
    """Samples every :data:`PERIOD` in a thread of its own; ``events`` grows as things happen.
    ``mark`` records what the lab does (a kill, a request burst) among what it sees."""

    notify_log: Path
    running: Callable[[str], bool] = lambda lb: True
    started: float = field(default_factory=time.monotonic)
    events: list[Event] = field(default_factory=list)
    latest: Sample | None = None
    dead: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _notify_seen: int = 0
    _steps: int = 0
    _handles: dict[str, Ipvs] = field(default_factory=dict)

    def now(self) -> float:
        return time.monotonic() - self.started

    def mark(self, text: str) -> None:
        with self._lock:
            self.events.append(Event(self.now(), text))

    def sample(self) -> Sample:
        tables = {}
        for host in LB_HOSTS:
            handle = self._handles.get(host.name)
            if handle is None:
                handle = self._handles[host.name] = Ipvs(netns=host.name)
            tables[host.name] = read_tables(handle)
        vips = {host.name: held_vips(host.name) for host in LB_HOSTS}
        alive = {host.name: host.name not in self.dead for host in LB_HOSTS}
        running = {host.name: self.running(host.name) for host in LB_HOSTS}
        return Sample(vips, tables, alive, running)

    def step(self) -> None:
        current = self.sample()
        with self._lock:
            self._steps += 1
            if self.latest is not None:
                self.events.extend(Event(self.now(), t) for t in changes(self.latest, current))
            self.latest = current
            self.events.extend(self._notify_events())

    def _notify_events(self) -> list[Event]:
        lines = self.notify_log.read_text().splitlines()
        fresh, self._notify_seen = lines[self._notify_seen :], len(lines)
        found = []
        for line in fresh:
            _, lb, kind = [*line.split(), "", "", ""][:3]
            found.append(Event(self.now(), f"{lb}: notify_{kind} ran ({kind.upper()})"))
        return found

    def run(self) -> None:
        while not self._stop.wait(PERIOD):
            try:
                self.step()
            except OSError as exc:  # said among the events; the next sample may do better
                self.mark(f"observer: a sample failed: {exc}")

    def start(self) -> threading.Thread:
        self.step()
        thread = threading.Thread(target=self.run, name="lab-observer", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
        for handle in self._handles.values():
            handle.close()

    def fresh(self, limit: float = 5.0) -> Sample | None:
        """The first sample taken wholly after this call (two steps on), or the latest after
        ``limit`` seconds: what a phase's document shows is what the phase left."""
        with self._lock:
            wanted = self._steps + 2
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            with self._lock:
                if self._steps >= wanted:
                    break
            time.sleep(PERIOD / 4)
        return self.snapshot()[0]

    def snapshot(self) -> tuple[Sample | None, list[Event]]:
        with self._lock:
            return self.latest, list(self.events)


def changes(before: Sample, after: Sample) -> list[str]:
    """What moved between two samples, in words."""
    found = []
    if after.master != before.master:
        if after.master in ("none", "both"):
            found.append(f"VIP 10.0.0.5 held by {after.master} of the load balancers")
        else:
            found.append(f"{after.master} holds the VIPs {', '.join(after.vips[after.master])}")
    for lb, tables in after.tables.items():
        old = {t.service: t for t in before.tables.get(lb, ())}
        for table in tables:
            was = old.get(table.service)
            if was is None:
                found.append(f"{lb}: IPVS service {table.service} created")
                continue
            for address in sorted(table.addresses() - was.addresses()):
                found.append(f"{lb}: {address} joined the pool of {table.service.split()[1]}")
            for address in sorted(was.addresses() - table.addresses()):
                found.append(f"{lb}: {address} left the pool of {table.service.split()[1]}")
    return found


__all__ = ["Event", "Observer", "Row", "Sample", "Table", "changes", "read_tables"]
