# SPDX-License-Identifier: Apache-2.0
"""``vrrp_*`` / ``checker_*`` process settings: read as keepalived 2.2.7 reads them (ranges,
clamping, the minimum limit, the older spelling), written back, and applied by
pyipvs.daemon.tuning (in a subprocess: the test's own process stays as it is)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from pyipvs.config import read_config, write_config
from pyipvs.config.model import ProcessTuning


def _read(tmp_path: Path, body: str) -> tuple[object, list[str]]:
    path = tmp_path / "keepalived.conf"
    path.write_text("global_defs {\n" + body + "\n}\n")
    result = read_config(str(path))
    return result.config, [str(d) for d in result.diagnostics]


def test_settings_are_read_and_written_back(tmp_path: Path) -> None:
    config, problems = _read(
        tmp_path,
        "vrrp_priority -10\nvrrp_rt_priority 50\nvrrp_rlimit_rttime 1\nvrrp_no_swap\n"
        "vrrp_cpu_affinity 0 0\nchecker_priority 5\nchecker_rlimit_rtime 30000",
    )
    assert problems == []
    g = config.global_defs  # type: ignore[attr-defined]
    assert g.vrrp_process == ProcessTuning(-10, 50, 2, True, (0,))
    assert g.checker_process == ProcessTuning(nice=5, rlimit_rttime=30000)
    again = tmp_path / "again.conf"
    again.write_text(write_config(config))  # type: ignore[arg-type]
    assert read_config(str(again)).config.global_defs == g


def test_out_of_range_settings_are_reported_and_clamped_as_keepalived(tmp_path: Path) -> None:
    cpus = os.cpu_count() or 1
    config, problems = _read(
        tmp_path,
        f"vrrp_rt_priority 0\nchecker_rt_priority 100\nvrrp_priority 20\n"
        f"checker_cpu_affinity 0 {cpus}",
    )
    g = config.global_defs  # type: ignore[attr-defined]
    assert g.vrrp_process == ProcessTuning(rt_priority=1)  # vrrp_priority 20 refused: 0
    assert g.checker_process == ProcessTuning(rt_priority=99)  # one bad CPU: no affinity
    where = f"{tmp_path}/keepalived.conf:"
    assert [p.removeprefix(where) for p in problems] == [
        "2: vrrp_rt_priority: 0 outside [1, 99] - using 1",
        "3: checker_rt_priority: 100 outside [1, 99] - using 99",
        "4: number '20' outside range [-20, 19]",
        f"5: number '{cpus}' outside range [0, {cpus - 1}]",
    ]


APPLY = textwrap.dedent(
    """
    import os
    from pyipvs.config.model import ProcessTuning
    from pyipvs.daemon import tuning

    def policy():
        return os.sched_getscheduler(0) & ~os.SCHED_RESET_ON_FORK

    tuning.apply(ProcessTuning(rt_priority=5, rlimit_rttime=50000), "vrrp")
    seen = [policy()]
    with tuning.relaxed():
        with tuning.relaxed():
            seen.append(policy())
        seen.append(policy())  # the outer block still runs
    seen.append(policy())
    tuning.apply(ProcessTuning(nice=3), "vrrp")  # a reload that drops real-time
    seen.append(policy())
    setup = tuning.script_setup()
    print(seen, os.getpriority(os.PRIO_PROCESS, 0), setup is not None)
    """
)


def test_relaxed_blocks_run_at_normal_priority_and_real_time_comes_back() -> None:
    done = subprocess.run(
        [sys.executable, "-c", APPLY], capture_output=True, text=True, check=True, timeout=30
    )
    rr, other = os.SCHED_RR, os.SCHED_OTHER
    assert done.stdout.split() == [
        f"[{rr},",
        f"{other},",
        f"{other},",
        f"{rr},",
        f"{other}]",
        "3",
        "True",
    ], done.stderr


BURST = textwrap.dedent(
    """
    import asyncio, logging, os, sys, time
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")
    from pyipvs.config.model import ProcessTuning
    from pyipvs.daemon import tuning

    def policy():
        return os.sched_getscheduler(0) & ~os.SCHED_RESET_ON_FORK

    async def main():
        tuning.apply(ProcessTuning(rt_priority=5, rlimit_rttime=20000), "vrrp")
        start = time.monotonic()
        while time.monotonic() - start < 0.2:  # ten times the limit without a wait
            pass
        print("burst", policy(), flush=True)
        await asyncio.sleep(0.01)
        print("loop", policy(), flush=True)

    asyncio.run(main())
    """
)


def test_a_long_burst_at_real_time_priority_costs_the_priority_not_the_process() -> None:
    # Without the SIGXCPU handler the kernel SIGKILLs it at 20 ms (exit status -9).
    done = subprocess.run(
        [sys.executable, "-c", BURST], capture_output=True, text=True, check=False, timeout=30
    )
    assert done.returncode == 0, (done.returncode, done.stdout, done.stderr)
    assert done.stdout.splitlines() == [
        f"burst {os.SCHED_OTHER}",
        "VRRP process has used too much CPU time, vrrp_rlimit_rttime may need to be increased",
        f"loop {os.SCHED_RR}",
    ]
