# SPDX-License-Identifier: Apache-2.0
"""Syscalls per operation, counted with ``strace -f -c`` in separate runs that are never timed.

In User-Mode Linux a syscall costs microseconds (see where.py), so a tool's syscalls per
operation explain much of its time there: the benchmarks print them next to the timings.
A Python workload is counted as the difference between a run with the work and one without
(same imports, same setup), so only the work's own syscalls are left.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile


def count(argv: list[str], stdin_path: str | None = None) -> int:
    """The syscalls argv's process and its children make."""
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as out:
        with open(stdin_path or os.devnull, "rb") as stdin:
            done = subprocess.run(
                ["strace", "-f", "-c", "-o", out.name, *argv],
                stdin=stdin,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                check=False,
            )
        if done.returncode != 0:
            raise SystemExit(f"strace {argv}: exit {done.returncode}: {done.stderr[-500:]!r}")
        totals = [line.split() for line in out.read().splitlines() if line.endswith(" total")]
    return int(totals[-1][3])


def python_work(setup: str, work: str, prefix: list[str] | None = None) -> int:
    """The syscalls of ``work`` alone: a run of setup + work less a run of setup."""
    base = [*(prefix or []), sys.executable, "-c"]
    return count([*base, f"{setup}\n{work}"]) - count([*base, setup])
