# SPDX-License-Identifier: Apache-2.0
"""keepalived's parent process: it runs N named children, each a function ``(args) -> int`` in a
forked process, and does nothing else, so no work of its own can delay them.

* A child that dies is respawned (unless ``-R``) after keepalived's delay: at once if it ran
  for a minute, else 0 s, 1 s, 2 s, ... doubling up to 60 s (``calc_restart_delay``). With
  ``-R`` its death stops the daemon.
* A child that exits 1 (fatal), 2 (configuration) or 4 (missing permission) cannot do better
  the next time: the daemon stops and exits with that status (``report_child_status``).
* SIGHUP: ``reload_check`` reads and validates the new configuration first. If it refuses, no
  child is told and the old configuration keeps running; else SIGHUP goes to every child and a
  child the new configuration now needs is started. SIGUSR1 goes to every child; SIGUSR2,
  STATS_CLEAR and JSON only to the children that asked for them (keepalived: VRRP only).
* SIGTERM / SIGINT: SIGTERM to every child, up to ``child_wait`` seconds for them to stop
  cleanly (VRRP priority 0, IPVS released), SIGKILL for the rest, pid files removed, exit 0.

Signals are blocked in the parent and taken synchronously with ``sigtimedwait``: nothing runs in
a signal handler, and a child gets the default dispositions and mask back before its entry.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from pyipvs.daemon import runtime
from pyipvs.daemon.child import (
    EXIT_FATAL,
    EXIT_OK,
    FORWARDED_TO_ALL,
    HANDLED,
    SIG_READY,
    STOP_SIGNALS,
    ChildSpec,
    Mask,
    prepare_fork,
    report_end,
    run_child,
)

log = logging.getLogger("pyipvs.daemon")

_RAN_LONG_ENOUGH = 60.0
READY_PATIENCE = 30.0  # seconds a start or reload waits for the children's word
_MAX_DELAY = 60


@dataclass
class _Child:
    spec: ChildSpec
    pid: int = 0
    started: float = 0.0
    next_delay: int = 0
    respawn_at: float | None = None
    running: bool = field(default=False)
    ready: bool = False


class Supervisor:
    """Runs the children named in ``start`` (all of ``specs`` by default) until stopped; a
    reload may start the others. :meth:`run` returns the daemon's exit status."""

    def __init__(
        self,
        args: argparse.Namespace,
        specs: Iterable[ChildSpec],
        *,
        start: Collection[str] | None = None,
        respawn: bool = True,
        pid_file: str | None = None,
        reload_check: Callable[[], Collection[str] | None] = lambda: None,
        in_child: Callable[[ChildSpec], None] = lambda spec: None,
        child_wait: float = 5.0,
    ) -> None:
        self.args = args
        self.children = {spec.name: _Child(spec) for spec in specs}
        self.start = list(self.children) if start is None else list(start)
        self.respawn = respawn
        self.pid_file = pid_file
        self.reload_check = reload_check
        self.in_child = in_child
        self.child_wait = child_wait
        self.exit_status: int | None = None
        self._settling: str | None = None  # "Startup" or "Reload" while waiting for children
        self._settle_by = 0.0

    def run(self) -> int:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED)
        old_pipe = signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        try:
            if self.pid_file and not runtime.write_pid(self.pid_file):
                return EXIT_FATAL
            for name in self.start:
                self._start(self.children[name], previous)
            if not self.start:
                log.info("Warning - keepalived has no configuration to run")
            self._settle("Startup")
            while self.exit_status is None:
                self._step(previous)
            return self.exit_status
        finally:
            if self.pid_file:
                runtime.remove_pid(self.pid_file, os.getpid())
            signal.signal(signal.SIGPIPE, old_pipe)
            # A child's late "ready" must not kill us (a real-time signal's default action).
            signal.signal(SIG_READY, signal.SIG_IGN)
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)

    # -- the loop -------------------------------------------------------------------------

    def _step(self, mask: Mask) -> None:
        """Sleeps until a signal comes (or a respawn is due): the idle parent never wakes."""
        wait = self._wait_time()
        info = signal.sigwaitinfo(HANDLED) if wait is None else signal.sigtimedwait(HANDLED, wait)
        if info is not None:
            self._on_signal(info.si_signo, info.si_pid, mask)
        self._respawn_due(mask)
        self._check_settled()

    def _wait_time(self) -> float | None:
        due = [c.respawn_at for c in self.children.values() if c.respawn_at is not None]
        if self._settling is not None:
            due.append(self._settle_by)
        return None if not due else max(0.0, min(due) - time.monotonic())

    def _on_signal(self, signo: int, sender: int, mask: Mask) -> None:
        if signo == SIG_READY:
            for child in self.children.values():
                child.ready = child.ready or (child.running and child.pid == sender)
        elif signo == signal.SIGCHLD:
            self._reap(mask)
        elif signo in STOP_SIGNALS:
            self.stop(EXIT_OK)
        elif signo == signal.SIGHUP:
            self._reload(mask)
        else:
            self._forward(signo)

    def _forward(self, signo: int) -> None:
        for child in self.children.values():
            if child.running and (signo in FORWARDED_TO_ALL or signo in child.spec.extra_signals):
                _kill(child.pid, signo)

    def _reload(self, mask: Mask) -> None:
        log.info("Reloading ...")
        try:
            wanted = self.reload_check()
        except Exception as exc:  # a reload must never take the parent down
            log.error("Reload check failed: %s: %s", type(exc).__name__, exc)
            wanted = None
        if wanted is None:
            log.error("Reload refused: the running configuration is kept (no child was told)")
            return
        runtime.notify_reloading()
        for each in self.children.values():
            each.ready = False
        self._forward(int(signal.SIGHUP))
        for name in wanted:
            child = self.children.get(name)
            if child is not None and not child.running and child.respawn_at is None:
                self._start(child, mask)
        self._settle("Reload")

    def _settle(self, what: str) -> None:
        self._settling, self._settle_by = what, time.monotonic() + READY_PATIENCE
        self._check_settled()

    def _check_settled(self) -> None:
        """``Startup complete`` / ``Reload complete`` and READY=1 once every running child that
        reports readiness has (or ``READY_PATIENCE`` ran out)."""
        if self._settling is None or self.exit_status is not None:
            return
        waiting = [
            c.spec.name
            for c in self.children.values()
            if c.running and c.spec.reports_ready and not c.ready
        ]
        if waiting and time.monotonic() < self._settle_by:
            return
        if waiting:
            log.warning(
                "No word from the %s child after %gs", " and ".join(waiting), READY_PATIENCE
            )
        log.info("%s complete", self._settling)
        self._settling = None
        runtime.notify_ready()

    # -- children -------------------------------------------------------------------------

    def _start(self, child: _Child, mask: Mask) -> None:
        child.respawn_at = None
        prepare_fork(child.spec)
        try:
            pid = os.fork()
        except OSError as exc:  # out of processes or memory: try again later, as a death
            log.error("%s child process: fork error(%s)", child.spec.name, exc.strerror)
            child.respawn_at = time.monotonic() + self._restart_delay(child)
            return
        if pid == 0:
            os._exit(run_child(child.spec, self.args, mask, self.in_child))
        child.pid, child.started, child.running, child.ready = pid, time.monotonic(), True, False
        log.info("Starting %s child process, pid=%d", child.spec.name, pid)

    def _reap(self, mask: Mask) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            child = next((c for c in self.children.values() if c.pid == pid), None)
            if child is not None and child.running:
                self._died(child, status, mask)

    def _died(self, child: _Child, status: int, mask: Mask) -> None:
        child.running = False
        if child.spec.pid_file:
            runtime.remove_pid(child.spec.pid_file, child.pid)
        permanent = report_end(child.spec.name, child.pid, status)
        if self.exit_status is not None:
            return
        if permanent is not None:
            self.stop(permanent)
        elif not self.respawn:
            log.critical("%s child process(%d) died: Exiting", child.spec.name, child.pid)
            self.stop(EXIT_OK)
        else:
            log.critical("%s child process(%d) died: Respawning", child.spec.name, child.pid)
            delay = self._restart_delay(child)
            child.respawn_at = time.monotonic() + delay

    def _restart_delay(self, child: _Child) -> int:
        """keepalived's ``calc_restart_delay``: 0 if it ran a minute, else 0, 1, 2, 4 ... 60."""
        if time.monotonic() - child.started >= _RAN_LONG_ENOUGH:
            child.next_delay = 0
            return 0
        delay = child.next_delay
        child.next_delay = 1 if delay == 0 else min(delay * 2, _MAX_DELAY)
        log.info(
            "Restart of %s process delayed %d seconds to limit respawn rate", child.spec.name, delay
        )
        return delay

    def _respawn_due(self, mask: Mask) -> None:
        now = time.monotonic()
        for child in self.children.values():
            if (
                child.respawn_at is not None
                and child.respawn_at <= now
                and self.exit_status is None
            ):
                self._start(child, mask)

    # -- stopping -------------------------------------------------------------------------

    def stop(self, status: int) -> None:
        """Stops every child (SIGTERM, then SIGKILL after ``child_wait``); the loop ends with
        ``status``."""
        self.exit_status = status
        log.info("Stopping")
        runtime.notify_stopping()
        for child in self.children.values():
            child.respawn_at = None
            if child.running:
                _kill(child.pid, int(signal.SIGTERM))
        deadline = time.monotonic() + self.child_wait
        while any(c.running for c in self.children.values()):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if signal.sigtimedwait({signal.SIGCHLD}, left) is not None:
                self._reap(set())
        for child in self.children.values():
            if child.running:
                log.info("%s process failed to die - forcing termination", child.spec.name)
                _kill(child.pid, int(signal.SIGKILL))
                os.waitpid(child.pid, 0)
                child.running = False
                if child.spec.pid_file:
                    runtime.remove_pid(child.spec.pid_file, child.pid)


def _kill(pid: int, signo: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signo)
