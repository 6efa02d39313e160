"""pyipvsadm against the real ipvsadm 1.31, in the same kernel (run it in the kernel-tier VM).

    scripts/kernel-tier.sh -- .venv/bin/python benchmarks/pyipvsadm.py [--services N] [--large N]

Measures whole-process wall time of:
  * ``-R`` of N services x 4 real servers (default 2,000), from an empty table;
  * ``-L -n`` of a table of M services x 4 real servers (default 10,000);
  * a single ``-A`` command (median of several runs).
Both tools run in the same fresh network namespace, one after the other, and the table is
flushed between runs. Prints a table with the ratio ipvsadm / pyipvsadm (higher is better for
pyipvsadm) and the targets from the issue (>= 5x, >= 2x, <= 1.5x time).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from where import print_where

ROOT = Path(__file__).resolve().parent.parent
IPVSADM = "/usr/sbin/ipvsadm"
PYIPVSADM = str(ROOT / ".venv" / "bin" / "pyipvsadm")
SERVERS_PER_SERVICE = 4


def restore_text(services: int) -> str:
    lines = []
    for i in range(services):
        vip = f"10.1.{i // 250}.{i % 250 + 1}:80"
        lines.append(f"-A -t {vip} -s wlc")
        for j in range(SERVERS_PER_SERVICE):
            lines.append(f"-a -t {vip} -r 10.2.{i % 250}.{j + 1}:8080 -m -w {j + 1}")
    return "\n".join(lines) + "\n"


def timed(argv: list[str], stdin_path: str | None = None) -> float:
    stdin = open(stdin_path) if stdin_path else subprocess.DEVNULL  # noqa: SIM115
    start = time.perf_counter()
    proc = subprocess.run(argv, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if stdin_path:
        stdin.close()  # type: ignore[union-attr]
    if proc.returncode != 0:
        raise SystemExit(f"{argv}: exit {proc.returncode}: {proc.stderr.decode()[:500]}")
    return elapsed


def flush() -> None:
    subprocess.run([IPVSADM, "-C"], check=True)


def bench_restore(services: int) -> tuple[float, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".rules", delete=False) as f:
        f.write(restore_text(services))
    try:
        flush()
        theirs = timed([IPVSADM, "-R"], f.name)
        flush()
        ours = timed([PYIPVSADM, "-R"], f.name)
        flush()
    finally:
        os.unlink(f.name)
    return theirs, ours


def bench_list(services: int) -> tuple[float, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".rules", delete=False) as f:
        f.write(restore_text(services))
    try:
        flush()
        timed([PYIPVSADM, "-R"], f.name)
        theirs = timed([IPVSADM, "-L", "-n"])
        ours = timed([PYIPVSADM, "-L", "-n"])
        flush()
    finally:
        os.unlink(f.name)
    return theirs, ours


def bench_single_add(runs: int) -> tuple[float, float]:
    def median_of(tool: str) -> float:
        times = []
        for i in range(runs):
            times.append(timed([tool, "-A", "-t", f"10.3.0.{i + 1}:80", "-s", "rr"]))
        flush()
        return statistics.median(times)

    flush()
    return median_of(IPVSADM), median_of(PYIPVSADM)


def interpreter_start(runs: int) -> float:
    """The fixed cost of any Python process here: the interpreter plus pyipvs's imports."""
    code = "import pyipvs.cli.ipvsadm"
    return statistics.median(timed([sys.executable, "-c", code]) for _ in range(runs))


def bare_interpreter(runs: int) -> float:
    """The floor of any Python command: the interpreter alone, no site, no imports."""
    return statistics.median(timed([sys.executable, "-I", "-S", "-c", "pass"]) for _ in range(runs))


def inside(args: argparse.Namespace) -> None:
    bare = bare_interpreter(3)
    start = interpreter_start(3)
    print(f"bare interpreter (python -I -S -c pass): {bare:.3f} s")
    print(f"python start + imports (no work): {start:.3f} s; ipvsadm -v: ", end="")
    print(f"{statistics.median(timed([IPVSADM, '-v']) for _ in range(3)):.3f} s")
    rows = []
    t, o = bench_single_add(args.runs)
    rows.append(("single -A (whole process)", t, o, "time <= 1.5x ipvsadm", o <= 1.5 * t))
    t, o = bench_restore(args.services)
    rows.append((f"-R {args.services} x {SERVERS_PER_SERVICE}", t, o, ">= 5x faster", t / o >= 5))
    t, o = bench_list(args.large)
    rows.append((f"-L -n {args.large} x {SERVERS_PER_SERVICE}", t, o, ">= 2x faster", t / o >= 2))
    print(
        f"{'benchmark':28} {'ipvsadm s':>10} {'pyipvsadm s':>12} {'speed-up':>9}"
        f" {'work-only':>10}  target"
    )
    for name, theirs, ours, target, met in rows:
        verdict = "met" if met else "NOT met"
        work = max(ours - start, 1e-3)
        print(
            f"{name:28} {theirs:10.3f} {ours:12.3f} {theirs / ours:8.2f}x"
            f" {theirs / work:9.2f}x  {target} ({verdict})"
        )
    print("work-only: ipvsadm's time / (pyipvsadm's time minus the python start + imports)")
    for name, theirs, _, _, _ in rows:
        print(f"ceiling for any Python command, {name}: {theirs / bare:.2f}x (ipvsadm / bare)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--large", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:  # the measuring process, in the benchmark's namespace
        print_where()
        inside(args)
        return
    ns = f"bench-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        for cmd in (
            "link set lo up",
            "link add bench0 type dummy",
            "link set bench0 up",
            "addr add 10.255.0.1/8 dev bench0",
        ):
            subprocess.run(["ip", "-n", ns, *cmd.split()], check=True)
        argv = [
            sys.executable,
            __file__,
            "--inside",
            "--services",
            str(args.services),
            "--large",
            str(args.large),
            "--runs",
            str(args.runs),
        ]
        sys.exit(subprocess.run(["ip", "netns", "exec", ns, *argv], check=False).returncode)
    finally:
        subprocess.run(["ip", "netns", "delete", ns], check=False)


if __name__ == "__main__":
    main()
