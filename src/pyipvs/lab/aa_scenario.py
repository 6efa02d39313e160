# SPDX-License-Identifier: Apache-2.0
"""``pyipvs-lab --active-active``: three directors behind an ECMP router, and one dies.

Phases, each one JSON document (``--json``) or one paragraph:

* ``start``: the router's route to the VIP through the three directors (BGP, ECMP);
* ``spread``: short requests for a few seconds, each director's share of them (in percent
  of the packets the directors' virtual services received);
* ``connections``: long-lived connections opened until every director carries some, a few
  lines on each, and (with sync) each seen in every director's table;
* ``death``: d3 frozen (BIRD and daemon stopped; its kernel still forwards), the time until
  the router's BFD drops it, then d3 killed (its link deleted);
* ``after``: one more line on every connection, by what the router did with its path, and
  short requests again, now over two directors.

The verdicts are what is guaranteed (docs/guide/active-active.rst): d3 withdrawn, every
connection whose path did not change continues, new requests succeed; with sync, the moved
connections continue too. The shares are reported, not judged.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyipvs.lab.aa_topology import BFD, DIRECTORS, Topology

EACH = 4  # long-lived connections every director carries before the death
PATIENCE = 60.0  # a bound on waiting on a loaded machine, not a claim about speed
Document = dict[str, Any]


class AaError(Exception):
    """Something the lab waited for never happened."""


def wait(what: Callable[[], bool], description: str, patience: float = PATIENCE) -> float:
    start = time.monotonic()
    while not what():
        if time.monotonic() - start > patience:
            raise AaError(f"never happened: {description}")
        time.sleep(0.01)
    return time.monotonic() - start


class ActiveActive:
    """One run: the topology started, a client agent, the phases in order."""

    def __init__(self, home: Path, sync: bool, seconds: float) -> None:
        self.topology = Topology(home, sync)
        self.sync, self.seconds = sync, seconds
        self.agent: subprocess.Popen[str] | None = None
        self.paths: dict[int, str] = {}

    def ask(self, **command: Any) -> Any:
        assert self.agent is not None and self.agent.stdin and self.agent.stdout
        self.agent.stdin.write(json.dumps(command) + "\n")
        self.agent.stdin.flush()
        line = self.agent.stdout.readline()
        if not line:
            raise AaError("the client agent died")
        return json.loads(line)

    def start(self) -> Document:
        self.topology.build()
        self.topology.start()
        took = wait(lambda: self.topology.next_hops() == set(DIRECTORS), "a route via d1-d3")
        self.agent = self.topology.client()
        hops = sorted(self.topology.next_hops())
        return {"phase": "start", "next_hops": hops, "seconds": round(took, 2), "sync": self.sync}

    def spread(self, phase: str = "spread") -> Document:
        before = {n: self.topology.packets(n) for n in DIRECTORS}
        counts = self.ask(op="requests", seconds=self.seconds, threads=8)
        after = {n: self.topology.packets(n) for n in DIRECTORS}
        total = sum(after.values()) - sum(before.values()) or 1
        # each director's share of the packets the client sent, in percent
        shares = {n: round(100 * (after[n] - before[n]) / total, 1) for n in DIRECTORS}
        rate = counts["ok"] / self.seconds
        return {"phase": phase, "requests_per_s": round(rate, 1), **counts, "per_director": shares}

    def connections(self) -> Document:
        while min(list(self.paths.values()).count(n) for n in DIRECTORS) < EACH:
            if len(self.paths) > 100 * EACH:
                raise AaError("the router's hash never spread the connections")
            ports = self.ask(op="open", n=3)
            self.paths = {p: self.paths.get(p) or self.topology.path_of(p) for p in ports}
        for round_ in range(5):  # past the kernel's sync threshold (3 packets)
            if not all(self.ask(op="exchange", text=str(round_)).values()):
                raise AaError("a connection failed before any director died")
        if self.sync:
            everywhere = set(self.paths)
            wait(
                lambda: all(everywhere <= self.topology.table_ports(n) for n in DIRECTORS),
                "every connection in every director's table",
            )
        per = {n: list(self.paths.values()).count(n) for n in DIRECTORS}
        return {"phase": "connections", "per_director": per, "synced_everywhere": self.sync}

    def death(self) -> Document:
        self.topology.signal_director("d3", signal.SIGSTOP)
        took = wait(lambda: self.topology.next_hops() == {"d1", "d2"}, "d3 dropped by the router")
        self.topology.cut("d3")
        detection = BFD[0] * BFD[1]
        return {"phase": "death", "director": "d3", "withdrawn_after_s": round(took, 3),
                "bfd_detection_s": detection}  # fmt: skip

    def after(self) -> Document:
        moved_to = {p: self.topology.path_of(p) for p in self.paths}
        alive = {int(p): ok for p, ok in self.ask(op="exchange", text="after").items()}
        groups: dict[str, list[bool]] = {"stayed": [], "moved": [], "dead": []}
        for port, before in self.paths.items():
            kind = "dead" if before == "d3" else "stayed" if moved_to[port] == before else "moved"
            groups[kind].append(alive[port])
        shares = {k: [sum(v), len(v)] for k, v in groups.items()}
        return {"phase": "after", "continuing": shares, "requests": self.spread("requests")}

    def close(self) -> None:
        if self.agent is not None and self.agent.stdin:
            self.agent.stdin.close()
        self.topology.close()


def verdicts(documents: list[Document], sync: bool) -> list[dict[str, Any]]:
    """What is guaranteed, checked; the shares stay in the documents."""
    by = {d["phase"]: d for d in documents}
    out = []

    def verdict(what: str, ok: bool) -> None:
        out.append({"what": what, "ok": ok})

    verdict("d3 withdrawn by the router", "death" in by)
    if "after" in by:
        stayed = by["after"]["continuing"]["stayed"]
        verdict("connections whose path did not change continue", stayed[0] == stayed[1])
        if sync:
            moved = by["after"]["continuing"]["moved"]
            verdict("synced connections moved between survivors continue", moved[0] == moved[1])
        requests = by["after"]["requests"]
        verdict(
            "new requests succeed over d1 and d2", requests["errors"] == 0 and requests["ok"] > 0
        )
    return out


def describe(document: Document) -> str:
    phase = document["phase"]
    if phase == "start":
        return f"start: the router's route to 10.0.0.5 via {', '.join(document['next_hops'])}"
    if phase == "spread":
        rate, per = document["requests_per_s"], document["per_director"]
        return f"spread: {rate} requests/s, per director (% of packets) {per}"
    if phase == "connections":
        return f"connections: long-lived, per director {document['per_director']}"
    if phase == "death":
        return (
            f"death: d3 frozen, gone from the router after {document['withdrawn_after_s']} s "
            f"(BFD detection {document['bfd_detection_s']} s), then killed"
        )
    shares = ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in document["continuing"].items())
    requests = document["requests"]
    return (
        f"after: connections continuing: {shares}; new requests {requests['requests_per_s']}/s,"
        f"\n   {requests['errors']} errors, per director (%) {requests['per_director']}"
    )


def run(home: Path, sync: bool, as_json: bool, seconds: float = 5.0) -> int:
    """The phases in order; 0 when every verdict holds, 1 otherwise."""
    lab = ActiveActive(home, sync, seconds)
    documents: list[Document] = []
    failure = ""
    try:
        for step in (lab.start, lab.spread, lab.connections, lab.death, lab.after):
            document = step()
            documents.append(document)
            print(json.dumps(document) if as_json else describe(document), flush=True)
    except (AaError, subprocess.CalledProcessError, OSError) as exc:
        failure = str(exc)
    finally:
        lab.close()
    judged = verdicts(documents, sync)
    if failure:
        judged.append({"what": f"the scenario ran: {failure}", "ok": False})
    if as_json:
        print(json.dumps({"phase": "summary", "verdicts": judged}), flush=True)
    else:
        for v in judged:
            print(f"{'ok  ' if v['ok'] else 'FAIL'} {v['what']}")
    return 0 if judged and all(v["ok"] for v in judged) else 1
