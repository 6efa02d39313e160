# SPDX-License-Identifier: Apache-2.0
"""A child's process settings, as keepalived 2.2.7 applies them (lib/process.c,
``set_process_priorities`` and ``set_process_cpu_affinity``), from a
:class:`~pyipvs.config.model.ProcessTuning`:

* ``rt_priority``: ``SCHED_RR`` at that priority with ``SCHED_RESET_ON_FORK`` (scripts and
  threads it starts run normally), and ``RLIMIT_RTTIME`` soft at half of ``rlimit_rttime``,
  hard at ``rlimit_rttime``: a child that keeps the CPU that long without waiting gets SIGXCPU
  at the soft limit (logged as keepalived logs it) and SIGKILL at the hard one. keepalived's
  child is then killed and respawned; here the SIGXCPU also drops the child to normal
  scheduling until its event loop runs again (see :func:`_demote_until_the_loop_runs`);
* otherwise ``nice``;
* ``no_swap``: ``mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)``;
* ``cpu_affinity``: the CPUs it may run on.

Only the event loop's thread is made real-time: it sends the adverts. Python does more work
between two waits than keepalived's C, so the work known to be long (reading a configuration
on reload) runs under :func:`relaxed`, at normal priority, and the limit does not apply to it.
A setting the kernel refuses is logged and the child runs on (keepalived does the same).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import resource
import signal
from collections.abc import Callable, Iterator

from pyipvs.config.model import ProcessTuning

log = logging.getLogger("pyipvs.daemon")

_MCL_CURRENT, _MCL_FUTURE, _MCL_ONFAULT = 1, 2, 4  # <sys/mman.h>
_applied: ProcessTuning | None = None
_original_nice: int | None = None  # before the first apply(): what scripts get back
_relaxed_depth = 0  # relaxed() blocks open (a reload task's spans awaits; they may overlap)


def apply(tuning: ProcessTuning, child: str) -> None:
    """Applies *tuning* to this process (*child*: ``vrrp`` or ``checker``, for the logs)."""
    global _applied
    previous, _applied = _applied, tuning
    if tuning.rt_priority:
        _real_time(tuning, child)
    else:
        if previous is not None and previous.rt_priority:
            _normal()
        _nice(tuning.nice)
    was_locked = previous is not None and previous.no_swap
    if tuning.no_swap and not was_locked:
        _lock_memory(True)
    elif was_locked and not tuning.no_swap:
        _lock_memory(False)
    if tuning.cpu_affinity:
        _affinity(tuning.cpu_affinity, child)


def script_setup() -> Callable[[], None] | None:
    """For a script this child starts (``preexec_fn``): the nice value back to what the child
    had before :func:`apply`, as keepalived resets it for its scripts (lib/notify.c); None when
    there is nothing to undo (real-time scheduling undoes itself: ``SCHED_RESET_ON_FORK``)."""
    if _applied is None or _original_nice is None or _applied.nice == _original_nice:
        return None
    nice = _original_nice
    return lambda: os.setpriority(os.PRIO_PROCESS, 0, nice)


@contextlib.contextmanager
def relaxed() -> Iterator[None]:
    """Normal scheduling for the block (long work the real-time limit must not count); the
    real-time priority of the last :func:`apply` comes back when the last such block ends."""
    global _relaxed_depth
    _relaxed_depth += 1
    if _relaxed_depth == 1 and _applied is not None and _applied.rt_priority:
        _normal()
    try:
        yield
    finally:
        _relaxed_depth -= 1
        _back_to_real_time()


def _back_to_real_time() -> None:
    """The last apply()'s real-time priority again, unless a relaxed() block is open."""
    if _relaxed_depth == 0 and _applied is not None and _applied.rt_priority:
        _set_scheduler(_applied.rt_priority)


def _real_time(tuning: ProcessTuning, child: str) -> None:
    if _relaxed_depth == 0 and not _set_scheduler(tuning.rt_priority):
        return
    signal.signal(signal.SIGXCPU, _demote_until_the_loop_runs(_cpu_limit_warning(child)))
    limit = tuning.rlimit_rttime
    try:
        resource.setrlimit(resource.RLIMIT_RTTIME, (limit // 2, limit))
    except (OSError, ValueError) as exc:
        log.warning("%s child: cannot set the real-time CPU limit: %s", child, exc)


def _set_scheduler(priority: int) -> bool:
    policy = os.SCHED_RR | os.SCHED_RESET_ON_FORK
    try:
        os.sched_setscheduler(0, policy, os.sched_param(priority))
    except OSError as exc:
        log.warning("cannot raise the priority to real-time %d: %s", priority, exc)
        return False
    return True


def _normal() -> None:
    with contextlib.suppress(OSError):
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))


def _nice(nice: int) -> None:
    global _original_nice
    if _original_nice is None:
        _original_nice = os.getpriority(os.PRIO_PROCESS, 0)
    # Linux keeps a nice value per thread: set every thread's (a thread started later
    # inherits it from the one that starts it).
    for tid in _threads():
        try:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
        except OSError as exc:
            log.warning("cannot set the process priority to %d: %s", nice, exc)
            return


def _lock_memory(lock: bool) -> None:
    import ctypes  # only here: its import costs the children's start some milliseconds

    libc = ctypes.CDLL(None, use_errno=True)
    done = libc.mlockall(_MCL_CURRENT | _MCL_FUTURE | _MCL_ONFAULT) if lock else libc.munlockall()
    if done != 0:
        what = "lock the process in memory" if lock else "unlock the process's memory"
        log.warning("cannot %s: %s", what, os.strerror(ctypes.get_errno()))


def _affinity(cpus: tuple[int, ...], child: str) -> None:
    for tid in _threads():
        try:
            os.sched_setaffinity(tid, cpus)
        except OSError as exc:
            log.warning("cannot set the CPU affinity of the %s child: %s", child, exc)
            return


def _threads() -> list[int]:
    try:
        return [int(tid) for tid in os.listdir("/proc/self/task")]
    except OSError:
        return [0]


def _demote_until_the_loop_runs(warn: Callable[[], None]) -> Callable[[int, object], None]:
    """The SIGXCPU handler. A Python handler runs at the next bytecode of the main thread,
    inside the long work itself (a handler through the loop would wait for its end, past the
    hard limit). It leaves real-time scheduling there, and the loop, once it runs again, logs
    and comes back to it: a burst costs the child its priority for its length, not its life.
    Measured: a 200 ms busy loop at real-time priority with a 20 ms limit was SIGKILLed
    before this handler and survives with it (tests/unit/test_process_tuning.py)."""
    try:
        loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        loop = None

    def restore() -> None:
        warn()  # not in the handler: it may have interrupted a log write
        _back_to_real_time()

    def handler(_signum: int, _frame: object) -> None:
        _normal()
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(restore)
        else:  # applied outside a loop: nothing will run it later
            warn()

    return handler


def _cpu_limit_warning(child: str) -> Callable[[], None]:
    process = {"vrrp": "VRRP", "checker": "Checker"}.get(child, child)

    def warn() -> None:  # keepalived's words (lib/signals.c), which users grep for
        log.info(
            "%s process has used too much CPU time, %s_rlimit_rttime may need to be increased",
            process,
            child,
        )

    return warn
