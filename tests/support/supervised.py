# SPDX-License-Identifier: Apache-2.0
"""A :class:`~pyipvs.daemon.supervisor.Supervisor` over plain child functions, run as its own
process by tests/netns/test_daemon_supervisor.py: ``python supervised.py DIR [-R]``.

Two children, ``one`` and ``two`` (``two`` also takes SIGUSR2), each appending what happens to
it to ``DIR/events`` (``<name> <pid> <event>``). Files in DIR steer them:

* ``exit-<name>`` holding a number: that child exits with it at start;
* ``slow-<name>`` (seconds): its handlers come that much later;
* ``nohup-<name>``: it leaves SIGHUP unhandled;
* ``unwanted-<name>``: the configuration has nothing for it, until a reload finds it gone;
* ``refuse``: the reload check refuses.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from pyipvs.daemon.child import ChildSpec, report_ready
from pyipvs.daemon.runtime import setup_logging
from pyipvs.daemon.supervisor import Supervisor


def _record(where: Path, name: str, event: str) -> None:
    with open(where / "events", "a") as handle:
        handle.write(f"{name} {os.getpid()} {event}\n")


def _child(where: Path, name: str) -> ChildSpec:
    def entry(args: argparse.Namespace) -> int:
        code = where / f"exit-{name}"
        if code.exists():
            return int(code.read_text())
        stopping = False
        slow = where / f"slow-{name}"
        if slow.exists():  # a child that takes a while to install its handlers
            time.sleep(float(slow.read_text()))

        def on_signal(signo: int, _frame: object) -> None:
            nonlocal stopping
            _record(where, name, signal.Signals(signo).name)
            stopping = stopping or signo == signal.SIGTERM
            if signo == signal.SIGHUP:
                report_ready()

        handled = [signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2]
        if (where / f"nohup-{name}").exists():  # a child that does not handle SIGHUP
            handled.remove(signal.SIGHUP)
        for signo in handled:
            signal.signal(signo, on_signal)
        _record(where, name, "started")
        report_ready()
        while not stopping:
            time.sleep(0.05)
        return 0

    extra = frozenset({int(signal.SIGUSR2)}) if name == "two" else frozenset()
    return ChildSpec(name, entry, str(where / f"{name}.pid"), extra, reports_ready=True)


def main(argv: list[str]) -> int:
    where = Path(argv[0])
    setup_logging(console=True, detail=0, facility=3, use_syslog=False)

    def wanted() -> list[str]:
        return [name for name in ("one", "two") if not (where / f"unwanted-{name}").exists()]

    def reload_check() -> list[str] | None:
        return None if (where / "refuse").exists() else wanted()

    supervisor = Supervisor(
        argparse.Namespace(),
        [_child(where, "one"), _child(where, "two")],
        start=wanted(),
        respawn="-R" not in argv,
        pid_file=str(where / "parent.pid"),
        reload_check=reload_check,
        child_wait=10.0,
    )
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
