# SPDX-License-Identifier: Apache-2.0
"""The share of established connections that continue when one of three directors dies.

The scenario of ``tests/kernel/test_bgp_rehash.py`` (its lab and its steps, imported from
there): a router with ECMP over three directors (``mh`` + ``mh-port``, direct routing, BFD),
long-lived connections spread until every director carries ``--each`` of them, one director
frozen, dropped by BFD, killed; then one more line on every connection. Three variants: no
sync; the sync daemon in both roles on every director; no sync but ``sloppy_tcp`` (``mh``
alone picks the same real server for a moved connection). Run in the kernel tier:

    scripts/kernel-tier.sh -- .venv/bin/python benchmarks/bgp_rehash.py [--rounds N] [--each N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests" / "kernel"), str(ROOT / "tests" / "support")]

from test_bgp_rehash import Lab, Outcome, director_dies  # noqa: E402
from where import print_where  # noqa: E402

VARIANTS = (
    ("no sync", False, False),
    ("sync, both roles", True, False),
    ("sloppy_tcp", False, True),
)


def run(sync: bool, sloppy: bool, each: int) -> Outcome:
    with tempfile.TemporaryDirectory() as name:
        lab = Lab(Path(name))
        try:
            lab.build()
            lab.start(sync, sloppy)
            return director_dies(lab, sync, each)
        finally:
            lab.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--each", type=int, default=10)
    args = parser.parse_args()
    print_where()
    print(
        f"{'variant':18} {'unmoved survivors':>18} {'moved survivors':>16}"
        f" {'dead director':>14} {'new':>8}"
    )
    for label, sync, sloppy in VARIANTS:
        total = Outcome([], [], [], [])
        for _ in range(args.rounds):
            one = run(sync, sloppy, args.each)
            print(f"  {label}: {one.line()}", flush=True)
            for field in ("stayed", "moved", "dead", "fresh"):
                getattr(total, field).extend(getattr(one, field))

        def cell(part: list[bool]) -> str:
            return f"{sum(part)}/{len(part)} {100 * sum(part) / max(1, len(part)):3.0f}%"

        cells = [cell(p) for p in (total.stayed, total.moved, total.dead, total.fresh)]
        print(f"{label:18} {cells[0]:>18} {cells[1]:>16} {cells[2]:>14} {cells[3]:>8}", flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
