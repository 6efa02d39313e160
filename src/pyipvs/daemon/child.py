# SPDX-License-Identifier: Apache-2.0
"""A supervised child from the inside: what runs between ``fork`` and the child's exit, and
the numbers parent and children agree on (keepalived's exit statuses, the forwarded signals)."""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass

from pyipvs.daemon import runtime

log = logging.getLogger("pyipvs.daemon")

# keepalived 2.2.7's exit statuses (lib/scheduler.h): 1, 2 and 4 from a child are permanent.
EXIT_OK = 0
EXIT_FATAL = 1
EXIT_CONFIG = 2
EXIT_MISSING_PERMISSION = 4
PERMANENT = {
    EXIT_FATAL: "FATAL",
    EXIT_CONFIG: "CONFIG",
    EXIT_MISSING_PERMISSION: "missing permission",
}
SIG_JSON = int(signal.SIGRTMIN) + 2
SIG_STATS_CLEAR = int(signal.SIGRTMAX) - 1
SIG_READY = int(signal.SIGRTMIN) + 6  # child to parent: configuration read, handlers in place
STOP_SIGNALS = frozenset({int(signal.SIGTERM), int(signal.SIGINT)})
FORWARDED_TO_ALL = frozenset({int(signal.SIGHUP), int(signal.SIGUSR1)})
HANDLED = frozenset(
    {int(signal.SIGHUP), int(signal.SIGUSR1), int(signal.SIGUSR2), SIG_JSON, SIG_STATS_CLEAR}
    | STOP_SIGNALS
    | {int(signal.SIGCHLD), SIG_READY}
)
Mask = set[int | signal.Signals]
_EARLY_RETRY = 0.2  # seconds before a signal that came too early is delivered again
_EARLY_MAX_TRIES = 50  # 10 s of retries
_EARLY_TRIES: dict[int, int] = {}
_SUPERVISED: list[int] = []  # in a supervised child: the parent's pid


@dataclass(frozen=True)
class ChildSpec:
    """One kind of child: ``name`` as keepalived logs it (``VRRP``, ``Healthcheck``).

    ``entry`` runs in the forked child; a signal it is sent (SIGTERM, SIGINT, SIGHUP, SIGUSR1,
    ``extra_signals``) before it installed its own handler is delivered again until it has one
    (:func:`_redeliver_later`): a stop that comes while a respawned child starts still stops it
    cleanly (IPVS released, VIPs removed). Its return value is the child's exit status.
    """

    name: str
    entry: Callable[[argparse.Namespace], int]
    pid_file: str | None = None
    extra_signals: frozenset[int] = frozenset()  # beyond SIGHUP, SIGUSR1 and SIGTERM
    ident: str = runtime.PARENT_IDENT
    reports_ready: bool = False  # the entry calls report_ready() after its start and reloads
    preload: tuple[str, ...] = ()  # modules the parent imports before forking it


def prepare_fork(spec: ChildSpec) -> None:
    """In the parent, just before ``fork``: imports ``spec.preload`` (the child's own heavy
    modules) and freezes the garbage collector's view of every object made so far.

    A module imported before the fork is in pages the parent and its children share
    copy-on-write, so it counts once in the tree's memory (PSS) instead of once per process,
    and a respawned child does not import it again. ``gc.freeze`` keeps those objects out of
    the collector's passes, which would otherwise write to each of them and so copy their
    pages into the child. (Objects the parent makes later, such as a reload's configuration,
    are collected as before; only cyclic garbage not yet collected at a respawn's fork stays
    frozen, a bounded cost.) A module that cannot be imported is left to the child, which
    reports it as its own start-up error."""
    for name in spec.preload:
        try:
            importlib.import_module(name)
        except Exception as exc:  # the child meets it again and says so
            log.debug("%s child: %s not preloaded: %s", spec.name, name, exc)
    gc.freeze()


def run_child(
    spec: ChildSpec,
    args: argparse.Namespace,
    mask: Mask,
    in_child: Callable[[ChildSpec], None],
) -> int:
    """In the forked child: default dispositions and the parent's old mask back, the pid file,
    then the entry. Returns the exit status; the caller ``_exit``s with it, so the child never
    unwinds into the parent's stack."""
    code = EXIT_FATAL
    try:
        for signo in HANDLED:
            signal.signal(signo, signal.SIG_DFL)
        # As Python starts a program: a peer that hung up (a status client closing early) is a
        # BrokenPipeError for the code writing to it, never the death of the child.
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        for signo in FORWARDED_TO_ALL | STOP_SIGNALS | spec.extra_signals:
            signal.signal(signo, _redeliver_later)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        runtime.die_with_parent(signal.SIGTERM)
        _SUPERVISED.append(os.getppid())
        in_child(spec)
        if spec.pid_file:
            runtime.write_pid(spec.pid_file)
        code = spec.entry(args)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else EXIT_FATAL
    except BaseException as exc:  # a child never unwinds into the parent's code
        log.error("%s child stopped: %s: %s", spec.name, type(exc).__name__, exc)
    finally:
        if spec.pid_file:
            runtime.remove_pid(spec.pid_file, os.getpid())
        logging.shutdown()
    return code


def _redeliver_later(signo: int, _frame: object) -> None:
    """A child's stand-in handler while its entry starts (reads the configuration, builds its
    handlers): the signal, e.g. a reload sent to a child respawned a moment ago, is sent again
    shortly, so the entry's own handler gets it once installed; neither lost nor fatal. A
    signal the entry never takes gets its end after ``_EARLY_MAX_TRIES``: a stop signal its
    default action (the child ends), any other is ignored from then on."""
    tries = _EARLY_TRIES.get(signo, 0)
    if tries >= _EARLY_MAX_TRIES:
        _give_up(signo)
        return
    _EARLY_TRIES[signo] = tries + 1
    timer = threading.Timer(_EARLY_RETRY, os.kill, (os.getpid(), signo))
    timer.daemon = True
    timer.start()


def _give_up(signo: int, *, arrived: bool = True) -> None:
    """The stand-in's end for ``signo``: a stop signal gets its default action back (and acts
    if one ``arrived``), any other is ignored from then on."""
    if signo in STOP_SIGNALS:
        signal.signal(signo, signal.SIG_DFL)
        if arrived:
            os.kill(os.getpid(), signo)
        return
    if arrived:
        log.warning("signal %d is not handled by this child - ignored", signo)
    signal.signal(signo, signal.SIG_IGN)


def report_end(name: str, pid: int, status: int) -> int | None:
    """Logs how child ``name`` (``pid``) ended, from its wait status; that exit status when
    keepalived treats it as permanent (``report_child_status``), else None."""
    if os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
        if code in PERMANENT:
            log.info(
                "%s child process(%d) exited with permanent error %s", name, pid, PERMANENT[code]
            )
            return code
        if code != 0:
            log.info("%s child process(%d) exited with status %d", name, pid, code)
    elif os.WIFSIGNALED(status):
        signo = os.WTERMSIG(status)
        log.info(
            "%s child process(%d) exited due to signal %d (%s)",
            name,
            pid,
            signo,
            signal.strsignal(signo) or "unknown",
        )
    return None


def supervised() -> bool:
    """Whether this process is a child the supervisor forked (:func:`run_child`)."""
    return bool(_SUPERVISED)


def report_ready() -> None:
    """Tells the supervising parent that this child has read its configuration and installed
    its handlers (after its start, and after each reload); nothing outside a supervisor. The
    parent says ``Startup complete`` / ``Reload complete`` and ``READY=1`` to systemd once every
    child that reports has done so, as keepalived's parent waits for its children."""
    for signo in HANDLED:  # what the entry left to the stand-in, it does not handle
        if signal.getsignal(signo) is _redeliver_later:
            _give_up(signo, arrived=False)
    if _SUPERVISED and os.getppid() == _SUPERVISED[0]:  # never a reused pid's process
        os.kill(_SUPERVISED[0], SIG_READY)
