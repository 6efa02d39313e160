# SPDX-License-Identifier: Apache-2.0
"""Requests per second through one, two and three active directors, and how they spread.

The lab of ``tests/kernel/test_bgp_rehash.py`` (imported from there): a router with ECMP over
three directors (``mh`` + ``mh-port``, direct routing), two echo servers, a client. A load
generator in the client namespace runs short connections (connect, one line, its echo,
close) from several threads for ``--seconds``; each director's IPVS counters give its share.
Three directors first, then one director's daemon stopped (it withdraws its route), then a
second: one run, so that the ratio compares like with like. Run in the kernel tier:

    scripts/kernel-tier.sh -- .venv/bin/python benchmarks/bgp_spread.py [--seconds N]

In User-Mode Linux every namespace shares one CPU: the figure shows what spreading costs or
gains on one machine, not what three machines would carry.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests" / "kernel"), str(ROOT / "tests" / "support")]

from test_bgp_rehash import DIRECTORS, PORT, VIP, Lab, in_ns  # noqa: E402
from waiting import wait_for  # noqa: E402
from where import print_where  # noqa: E402

LOAD = """
import socket, sys, threading, time
deadline = time.monotonic() + float(sys.argv[1])
counts, errors = [], []
def worker():
    n = e = 0
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("{vip}", {port}), timeout=5) as s:
                s.sendall(b"x\\n")
                if s.recv(16) == b"x\\n":
                    n += 1
                else:
                    e += 1
        except OSError:
            e += 1
    counts.append(n); errors.append(e)
threads = [threading.Thread(target=worker) for _ in range(int(sys.argv[2]))]
for t in threads: t.start()
for t in threads: t.join()
print(sum(counts), sum(errors))
"""


def connections(lab: Lab, name: str) -> int:
    """The virtual service's connection counter on director *name* (``--stats``)."""
    out = in_ns(lab.ns[name], sys.executable, "-m", "pyipvs.cli.ipvsadm", "-L", "-n", "--stats")
    for line in out.splitlines():
        words = line.split()
        if words[:2] == ["TCP", f"{VIP}:{PORT}"]:
            return int(words[2])
    return 0


def measure(lab: Lab, seconds: float, threads: int) -> tuple[float, int, dict[str, int]]:
    before = {name: connections(lab, name) for name in DIRECTORS}
    script = LOAD.format(vip=VIP, port=PORT)
    argv = [sys.executable, "-c", script, str(seconds), str(threads)]
    ok, errors = map(int, in_ns(lab.ns["client"], *argv).split())
    spread = {name: connections(lab, name) - before[name] for name in DIRECTORS}
    return ok / seconds, errors, spread


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    print_where()
    rows = []
    with tempfile.TemporaryDirectory() as name:
        lab = Lab(Path(name))
        try:
            lab.build()
            lab.start(sync=False)
            live = dict(DIRECTORS)
            for leaving in ("d3", "d2", None):
                hops = set(live.values())
                wait_for(lambda h=hops: lab.next_hops() == h, f"the route over {sorted(live)}")
                rate, errors, spread = measure(lab, args.seconds, args.threads)
                rows.append((len(live), rate, errors, spread))
                print(f"  {len(live)} directors: {rate:.0f} req/s, {errors} errors, {spread}")
                if leaving is not None:
                    lab.daemons[leaving].send_signal(signal.SIGTERM)  # withdraws, then stops
                    lab.daemons[leaving].wait(40)
                    del live[leaving]
        finally:
            lab.close()
    one = next(rate for count, rate, _, _ in rows if count == 1)
    print(f"{'directors':>9} {'req/s':>8} {'vs one':>7} {'errors':>7}  connections per director")
    for count, rate, errors, spread in sorted(rows):
        shares = " ".join(f"{k}={v}" for k, v in spread.items())
        print(f"{count:>9} {rate:8.0f} {rate / one:6.2f}x {errors:>7}  {shares}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
