# SPDX-License-Identifier: Apache-2.0
"""Requests per second through one, two and three active directors, and how they spread.

The lab of ``pyipvs-lab --active-active`` (:mod:`pyipvs.lab.aa_topology`): a router with
ECMP over three directors (``mh`` + ``mh-port``, direct routing), two echo servers, a client
agent running short connections (connect, one line, its echo, close) from several threads
for ``--seconds``; each director's share is its part of the packets the directors' virtual
services received. The number of directors goes
3, 2, 1, 2, 3 (a director's daemon stopped withdraws its route, started again announces it),
``--cycles`` times, in one run: the median per count is compared, so that a change of the
shared machine's load does not pass for an effect. Run in the kernel tier:

    scripts/kernel-tier.sh -- .venv/bin/python benchmarks/bgp_spread.py [--seconds N]

In User-Mode Linux every namespace shares one CPU: the figures show how the requests spread
and what spreading costs on one machine, not what three machines would carry.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from where import print_where

from pyipvs.lab.aa_scenario import ActiveActive, wait
from pyipvs.lab.aa_topology import DIRECTORS

ORDER = ({"d1", "d2", "d3"}, {"d1", "d2"}, {"d1"}, {"d1", "d2"}, {"d1", "d2", "d3"})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--cycles", type=int, default=2)
    args = parser.parse_args()
    print_where()
    rates: dict[int, list[float]] = {1: [], 2: [], 3: []}
    shares: dict[int, dict[str, list[float]]] = {1: {}, 2: {}, 3: {}}
    with tempfile.TemporaryDirectory() as name:
        lab = ActiveActive(Path(name), sync=False, seconds=args.seconds)
        try:
            lab.start()
            live = set(DIRECTORS)
            for wanted in ORDER * args.cycles:
                for director in sorted(live - wanted):
                    lab.topology.stop_daemon(director)
                for director in sorted(wanted - live):
                    lab.topology.start_daemon(director)
                live = set(wanted)
                wait(
                    lambda w=wanted: lab.topology.next_hops() == w,
                    f"the route via {sorted(wanted)}",
                )
                doc = lab.spread()
                assert doc["errors"] == 0, doc
                rates[len(wanted)].append(doc["requests_per_s"])
                for key, value in doc["per_director"].items():
                    shares[len(wanted)].setdefault(key, []).append(value)
                print(
                    f"  {len(wanted)} directors: {doc['requests_per_s']} req/s,"
                    f" {doc['per_director']}"
                )
        finally:
            lab.close()
    one = statistics.median(rates[1])
    print(
        f"{'directors':>9} {'req/s (median)':>15} {'vs one':>7}  % of packets per director (mean)"
    )
    for count in (1, 2, 3):
        median = statistics.median(rates[count])
        spread = " ".join(f"{k}={statistics.mean(v):.1f}" for k, v in sorted(shares[count].items()))
        print(f"{count:>9} {median:15.0f} {median / one:6.2f}x  {spread}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
