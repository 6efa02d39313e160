# SPDX-License-Identifier: Apache-2.0
"""The phases of the seed scenario. Each returns one JSON-ready document (what ``--json``
prints), and writes its result line for the view.

- ``start``: lb1, then lb2; until HTTP answers through http://10.0.0.5/.
- ``split``: one request from each of N client addresses; who answered, against the weights.
- ``listing``: ``pyipvsadm -L -n`` and the real ``ipvsadm -L -n`` on the master, compared.
- ``failover``: lb1 dies; requests until HTTP through the VIP works again.
- ``rs-down``: rs1's web server dies; until rs1 leaves the master's pool.
- ``sorry``: rs2's too; until the sorry server answers.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pyipvs.lab.bounds import Bounds
from pyipvs.lab.client import ClientAgent
from pyipvs.lab.lab import Lab, LabError
from pyipvs.lab.observe import Observer, Sample
from pyipvs.lab.topology import GATEWAY_VIP, client_sources
from pyipvs.lab.view import Progress

LBS = ("lb1", "lb2")
STEPS = ("split", "listing", "failover", "rs-down", "sorry")
START_LIMIT = 60.0  # seconds for the first answer through the VIP (MASTER after 3.6 s)
Document = dict[str, Any]


class Scenario:
    def __init__(self, lab: Lab, observer: Observer, bounds: Bounds, progress: Progress) -> None:
        self.lab, self.observer, self.bounds, self.progress = lab, observer, bounds, progress
        self.client = ClientAgent()

    # -- helpers
    def sample(self) -> Sample:
        latest, _ = self.observer.snapshot()
        return latest if latest is not None else self.observer.sample()

    def master(self) -> str:
        """The live load balancer holding the VIPs, as soon as the observer has seen one."""
        self.wait("a master holding 10.0.0.5", lambda: self.sample().master in LBS, START_LIMIT)
        return self.sample().master

    def wait(self, what: str, ready: Callable[[], bool], limit: float) -> float:
        """Seconds until ``ready()``; LabError after ``limit``."""
        start = time.monotonic()
        while not ready():
            problem = self.lab.daemon_problem()
            if problem:
                raise LabError(f"{what}: {problem}")
            if time.monotonic() - start > limit:
                raise LabError(f"{what}: not after {limit:.1f} s")
            time.sleep(0.05)
        return time.monotonic() - start

    def serving(self, timeout: float = 0.25) -> bool:
        return self.client.get(timeout=timeout).ok

    def notified(self, lb: str, kind: str) -> bool:
        _, events = self.observer.snapshot()
        return any(e.text.startswith(f"{lb}: notify_{kind} ") for e in events)

    def settle(self, lb: str, limit: float = 10.0) -> None:
        """Waits (up to ``limit``) until ``lb`` has no active connection: wlc weighs one as 256
        finished ones, so a leftover would skew the split; if one stays, the events say so."""

        def idle() -> bool:
            return all(r.active == 0 for t in self.sample().tables[lb] for r in t.rows)

        try:
            self.wait(f"{lb} without active connections", idle, limit)
        except LabError:
            self.observer.mark(f"lab: {lb} still has active connections; wlc counts them")

    def document(self, phase: str, **found: Any) -> Document:
        sample = self.observer.fresh() or self.sample()
        _, events = self.observer.snapshot()
        return {
            "phase": phase,
            "at": round(self.observer.now(), 3),
            "master": sample.master,
            "vips": {lb: list(v) for lb, v in sample.vips.items()},
            "tables": {lb: [asdict(t) for t in ts] for lb, ts in sample.tables.items()},
            "events": [asdict(e) for e in events],
            **found,
        }

    def begin(self, phase: str, doing: str) -> None:
        self.progress.phase, self.progress.doing = phase, doing
        self.observer.mark(f"lab: {phase}: {doing}")

    # -- phases
    def start(self) -> Document:
        self.begin("start", "lb1 starts; HTTP through 10.0.0.5 until it answers")
        self.lab.start_daemons()
        started = time.monotonic()
        # No request before lb1 holds the VIP: the client would queue its SYN while it resolves
        # 10.0.0.5, give up, and the SYN leave later for a connection nobody closes, which
        # wlc counts 256 times a finished one (see the split).
        self.master()
        self.wait("lb1 serving through 10.0.0.5", lambda: self.serving(2.0), START_LIMIT)
        seconds = time.monotonic() - started
        self.begin("start", "lb2 starts and joins as BACKUP")
        self.lab.start_backup()
        pools = set(self.bounds.weights)
        self.wait(
            "lb2's IPVS table",
            lambda: any(t.addresses() == pools for t in self.sample().tables["lb2"]),
            START_LIMIT,
        )
        # BACKUP, as its notify_backup says: only then can it take over (the checker child
        # programs the table first; the VRRP child may still be starting).
        self.wait("lb2 BACKUP (its notify_backup)", lambda: self.notified("lb2", "backup"),
                  START_LIMIT)  # fmt: skip
        self.progress.results.append(f"start     lb1 serving 10.0.0.5 {seconds:.1f} s after start")
        return self.document("start", serving_after=round(seconds, 3))

    def split(self) -> Document:
        sources = client_sources(self.lab.split_requests)
        self.settle(self.master())
        self.begin("split", f"{len(sources)} clients, one request each")
        names = {f"{a}:80": n for n, a in (("rs1", "192.168.0.12"), ("rs2", "192.168.0.13"))}
        self.progress.expected = {names[a]: self.bounds.share(a) for a in self.bounds.weights}
        counts: Counter[str] = Counter()
        for source in sources:
            counts[self.client.get(source, timeout=2.0).server] += 1
            self.progress.split = dict(counts)
        total = len(sources)
        self.progress.results.append(
            "split     "
            + ", ".join(f"{s} {n} ({n / total:.0%})" for s, n in sorted(counts.items()))
            + "; weights 20:8 ask for 71% / 29%"
        )
        return self.document("split", answers=dict(counts), expected=self.progress.expected)

    def listing(self) -> Document:
        master = self.master()
        self.begin("listing", f"pyipvsadm -L -n and ipvsadm -L -n on {master}")
        ours, theirs = "", "-"
        for _ in range(5):  # a connection that expires between the two reads changes a count
            ours = run_in(master, [str(Path(sys.executable).with_name("pyipvsadm")), "-L", "-n"])
            theirs = run_in(master, ["ipvsadm", "-L", "-n"])
            if ours == theirs:
                break
        same = ours == theirs
        self.progress.results.append(
            f"listing   pyipvsadm -L -n and ipvsadm 1.31 on {master}: "
            + ("identical (byte for byte)" if same else "DIFFERENT")
        )
        return self.document("listing", pyipvsadm=ours, ipvsadm=theirs, identical=same)

    def failover(self) -> Document:
        limit = self.bounds.failover_limit
        self.begin(
            "failover", f"lb1 dies; HTTP through 10.0.0.5 until it answers (<= {limit:.1f} s)"
        )
        # On a loaded machine lb2 can take over before lb1 dies (adverts late past
        # master_down_interval); the document says so instead of hiding it.
        held_before = self.sample().master
        start = time.monotonic()
        self.lab.kill_load_balancer("lb1")
        self.observer.dead.add("lb1")
        self.observer.mark("lab: lb1 frozen, links cut, killed")
        try:
            self.wait("HTTP through 10.0.0.5", self.serving, limit)
        except LabError as exc:  # say whether VRRP or the path behind it failed
            master = self.sample().master
            held = (
                f"{master} holds the VIPs" if master in LBS else "no load balancer holds 10.0.0.5"
            )
            raise LabError(f"{exc} ({held})") from None
        seconds = time.monotonic() - start
        self.observer.mark(f"lab: HTTP through 10.0.0.5 answers again after {seconds:.2f} s")
        self.master()
        already = f"; {held_before} held the VIPs before" if held_before != "lb1" else ""
        self.progress.results.append(
            f"failover  HTTP through 10.0.0.5 again {seconds:.2f} s after lb1 died "
            f"(bound {limit:.2f} s: {self.bounds.master_down_interval:.2f} s + margin{already})"
        )
        return self.document(
            "failover", seconds=round(seconds, 3), bound=round(limit, 3), held_before=held_before
        )

    def _pool_of(self, lb: str) -> set[str]:
        return set().union(*(t.addresses() for t in self.sample().tables[lb]))

    def _real_server_dies(
        self, phase: str, rs: str, address: str, joins: str | None = None
    ) -> Document:
        """``rs`` dies; until ``address`` leaves the master's pool (and ``joins`` is in it)."""
        master = self.master()
        limit = self.bounds.checker_limits[address]
        self.begin(phase, f"{rs}'s web server dies; until {address} leaves {master}'s pool")
        self.lab.stop_server(rs)
        self.observer.mark(f"lab: {rs}'s web server killed")
        gone = self.wait(
            f"{address} out of {master}'s pool" + (f", {joins} in it" if joins else ""),
            lambda: address not in (pool := self._pool_of(master)) and joins in (pool | {None}),
            limit,
        )
        answers = Counter(self.client.get(s, timeout=2.0).server for s in client_sources(10))
        self.progress.results.append(
            f"{phase:<9} {address} left {master}'s pool {gone:.1f} s after {rs} died "
            f"(bound {limit:.0f} s); next 10 clients: "
            + ", ".join(f"{s} {n}" for s, n in sorted(answers.items()))
        )
        return self.document(
            phase, seconds=round(gone, 3), bound=round(limit, 3), answers=dict(answers)
        )

    def rs_down(self) -> Document:
        return self._real_server_dies("rs-down", "rs1", "192.168.0.12:80")

    def sorry(self) -> Document:
        sorry = f"{GATEWAY_VIP}:80"
        return self._real_server_dies("sorry", "rs2", "192.168.0.13:80", joins=sorry)

    def run(self, step: str) -> Document:
        phases = {
            "split": self.split,
            "listing": self.listing,
            "failover": self.failover,
            "rs-down": self.rs_down,
            "sorry": self.sorry,
        }
        return phases[step]()

    def close(self) -> None:
        self.client.close()


def run_in(netns: str, command: list[str]) -> str:
    done = subprocess.run(
        ["ip", "netns", "exec", netns, *command], capture_output=True, text=True, check=False
    )
    return done.stdout + done.stderr


__all__ = ["STEPS", "Scenario"]
