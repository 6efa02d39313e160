# SPDX-License-Identifier: Apache-2.0
"""Where a benchmark ran, and what one syscall cost there in the same run.

User-Mode Linux makes every syscall of the guest a trip through its host process (about 3.5 us
pinned to one CPU, against 0.08 us natively): it favours tools that make few syscalls per
operation. So every benchmark prints this line first (and puts it in its JSON ``where``, see
docs/_data/bench/). The kind comes from scripts/kernel-tier.sh (PYIPVS_KERNEL_TIER: uml, qemu or
host); a benchmark started by hand elsewhere runs on the host.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

SYSCALLS = 20_000


def syscall_us() -> float:
    """The cost of one cheap syscall (getppid), less the Python call around it, in us."""

    def per_call(call: Callable[[], object]) -> float:
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(SYSCALLS):
                call()
            best = min(best, time.perf_counter() - t0)
        return best / SYSCALLS * 1e6

    return max(per_call(os.getppid) - per_call(int), 0.0)


def where() -> dict[str, object]:
    kind = os.environ.get("PYIPVS_KERNEL_TIER", "host")
    pinned = len(os.sched_getaffinity(0)) == 1 if kind != "uml" else True
    return {
        "kind": kind,
        "kernel": platform.release(),
        "cpu_pinned": pinned,
        "syscall_us": round(syscall_us(), 3),
        "host": f"{os.cpu_count()} CPU(s) seen",
    }


def print_where() -> dict[str, object]:
    """Prints where this runs and the syscall cost; returns the same as where()."""
    w = where()
    label = {"uml": "User-Mode Linux", "qemu": "qemu (TCG)", "host": "host"}.get(
        str(w["kind"]), str(w["kind"])
    )
    print(
        f"where: {label}, kernel {w['kernel']}, one syscall {w['syscall_us']} us"
        f" (measured now{', pinned to one CPU' if w['cpu_pinned'] else ''})",
        flush=True,
    )
    return w


def take_json_path(name: str, kind: str) -> Path:
    """The --json PATH of the command line (taken out of sys.argv), by default
    docs/_data/bench/<name>.<kind>.json (the docs build's results, one file per place)."""
    if "--json" in sys.argv:
        i = sys.argv.index("--json")
        if i + 1 >= len(sys.argv):
            raise SystemExit("--json needs a file name")
        path = Path(sys.argv[i + 1])
        del sys.argv[i : i + 2]
        return path
    return (
        Path(__file__).resolve().parent.parent / "docs" / "_data" / "bench" / f"{name}.{kind}.json"
    )


def write_json(
    path: Path,
    *,
    name: str,
    title: str,
    where: dict[str, object],
    unit: str,
    lower_is_better: bool,
    rows: list[dict[str, object]],
    notes: str,
) -> None:
    """Writes a result as /work/notes/bench-json.md describes it (rows: case, tool, value)."""
    doc = {
        "benchmark": name,
        "title": title,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "where": where,
        "unit": unit,
        "lower_is_better": lower_is_better,
        "rows": rows,
        "notes": notes,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"results: {path}", flush=True)
