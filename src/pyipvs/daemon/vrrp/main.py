# SPDX-License-Identifier: Apache-2.0
"""The VRRP child of ``pyipvs-keepalived`` (keepalived's ``Keepalived_vrrp``), what ``-P``
runs: :func:`vrrp_child` is the entry the supervisor forks.

It reads the configuration (refusing what keepalived would silently get wrong, see
:mod:`~pyipvs.daemon.vrrp.build`), runs a :class:`~pyipvs.daemon.vrrp.process.VrrpProcess` on
an asyncio loop and handles its own signals: SIGTERM / SIGINT stop (masters send priority 0,
addresses removed unless ``--dont-release-vrrp``), SIGHUP reloads (a configuration that cannot
be used is logged with ``file:line`` and the running one kept), SIGUSR1 / SIGUSR2 / the JSON
signal write keepalived's ``keepalived.data`` / ``.stats`` / ``.json``; its state is served on
``vrrp.sock`` (:mod:`pyipvs.daemon.state.wiring`). Exit statuses are keepalived's
(``KEEPALIVED_EXIT_*``): 2 a configuration it cannot run, 1 a crash, 4 missing permission.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import logging.handlers
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING

from pyipvs.daemon import tuning
from pyipvs.daemon.child import (
    EXIT_CONFIG,
    EXIT_FATAL,
    EXIT_MISSING_PERMISSION,
    report_ready,
    supervised,
)
from pyipvs.errors import LocalError

if TYPE_CHECKING:
    from pyipvs.config import KeepalivedConfig
    from pyipvs.daemon.state.server import StatusServer
    from pyipvs.daemon.vrrp.process import VrrpProcess

log = logging.getLogger("pyipvs.daemon")

DEFAULT_VRRP_PID = "/run/vrrp.pid"  # keepalived 2.2.7's -r default
SYSLOG_IDENT = "Keepalived_vrrp"
_CONFIG_FATAL = 4  # the configuration reader's fatal status (keepalived -t's)


def load_vrrp_config(args: argparse.Namespace) -> KeepalivedConfig | None:
    """The configuration to run, or None (every reason logged with ``file:line``)."""
    from pyipvs.config import read_config
    from pyipvs.daemon.vrrp.build import vrrp_refusals

    path, config_id = args.use_file, args.config_id
    result = read_config(path, config_id=config_id)
    for diagnostic in result.diagnostics:
        log.warning("%s", diagnostic)
    if result.exit_status == _CONFIG_FATAL:
        log.error("configuration %s cannot be used", path)
        return None
    refusals = vrrp_refusals(result, path, config_id)
    for refusal in refusals:
        log.error("%s", refusal)
    return None if refusals else result.config


async def run_vrrp(args: argparse.Namespace) -> int:
    """Runs the VRRP process until SIGTERM / SIGINT; the exit status."""
    from pyipvs.daemon.state.wiring import (
        install_dump_signals,
        serving_status,
        vrrp_status_server,
    )
    from pyipvs.daemon.vrrp.process import VrrpProcess
    from pyipvs.daemon.vrrp.state import StateFile, state_path

    config = load_vrrp_config(args)
    if config is None:
        return EXIT_CONFIG  # keepalived's stop_vrrp(KEEPALIVED_EXIT_CONFIG): not respawned
    where = state_path(args.use_file, getattr(args, "namespace", None), args.config_id)
    try:
        process = VrrpProcess(
            config,
            release_vips=not getattr(args, "dont_release_vrrp", False),
            state_file=StateFile(where),
        )
    except LocalError as exc:
        log.error("%s: %s", args.use_file, exc)
        return EXIT_CONFIG
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: _stop(process))
    loop.add_signal_handler(signal.SIGINT, lambda: _stop(process))
    loop.add_signal_handler(signal.SIGHUP, lambda: _reload(args, process))
    server = vrrp_status_server(process.instances, process.drivers)
    async with serving_status(server):  # vrrp.sock
        router_id = config.global_defs.router_id
        install_dump_signals(loop, server.snapshot, router_id)
        loop.add_signal_handler(signal.SIGUSR1, _data_signal, process, server, router_id)
        # keepalived sets its priorities once the instances are made (vrrp_daemon.c)
        tuning.apply(config.global_defs.vrrp_process, "vrrp")
        log.info("Startup complete")
        report_ready()
        await process.run()
    log.info("Stopped")
    return 0


def _stop(process: VrrpProcess) -> None:
    log.info("Stopping")
    process.stop()


def _reload(args: argparse.Namespace, process: VrrpProcess) -> None:
    log.info("Reloading")
    with tuning.relaxed():  # reading a configuration is long work (see pyipvs.daemon.tuning)
        config = load_vrrp_config(args)
    if config is None:
        log.error("reload refused: keeping the running configuration")
        report_ready()  # done: the parent may say "Reload complete"
        return
    task = asyncio.get_running_loop().create_task(_reload_with(process, config))
    task.add_done_callback(_reload_done)
    _pending.add(task)


async def _reload_with(process: VrrpProcess, config: KeepalivedConfig) -> None:
    with tuning.relaxed():
        await process.reload(config)
    tuning.apply(config.global_defs.vrrp_process, "vrrp")


_pending: set[asyncio.Task[None]] = set()  # keeps reload tasks alive until they end


def _reload_done(task: asyncio.Task[None]) -> None:
    _pending.discard(task)
    report_ready()  # the reload is over, whatever its outcome
    if task.cancelled():
        return
    exc = task.exception()
    if isinstance(exc, LocalError):
        log.error("reload refused: %s; keeping the running configuration", exc)
    elif exc is not None:
        log.error("reload failed: %s: %s", type(exc).__name__, exc)
    else:
        log.info("Reload finished")


def _data_signal(process: VrrpProcess, server: StatusServer, router_id: str | None) -> None:
    """SIGUSR1: keepalived's ``keepalived.data`` and, as before, the counters in the log."""
    from pyipvs.daemon.state.wiring import write_signal_dump

    with tuning.relaxed():
        write_signal_dump(signal.SIGUSR1, server.snapshot(), router_id)
        _log_counters(process)


def _log_counters(process: VrrpProcess) -> None:
    """Every instance's state, priority and counters, to the log (with SIGUSR1's dump)."""
    for name, instance in process.instances.items():
        c, wakeups = instance.counters, process.drivers[name].lateness.wakeups
        log.info(
            "(%s) state %s priority %d sent %d received %d wakeups %d late %d drops %s"
            " transitions %s",
            name,
            instance.state,
            instance.priority,
            c.adverts_sent,
            c.adverts_received,
            wakeups,
            c.late_wakeups,
            json.dumps(c.drops, sort_keys=True),
            json.dumps(c.transitions, sort_keys=True),
        )


def _syslog_as_vrrp() -> None:
    """The child logs to syslog as keepalived's VRRP child does."""
    for handler in logging.getLogger("pyipvs").handlers:
        if isinstance(handler, logging.handlers.SysLogHandler):
            handler.setFormatter(logging.Formatter(f"{SYSLOG_IDENT}[%(process)d]: %(message)s"))


def vrrp_child(args: argparse.Namespace) -> int:
    """The VRRP child: pid file (``-r``), the process, its exit status (2: a configuration it
    cannot run, 1: a crash, 4: missing permission).

    *args* is keepalived's option namespace; it reads ``use_file``, ``config_id``,
    ``vrrp_pid``, ``namespace`` (only to name its state file: the parent has entered it) and
    ``dont_release_vrrp``; missing ones take keepalived's defaults.
    """
    for name in ("config_id", "vrrp_pid", "namespace"):
        if not hasattr(args, name):
            setattr(args, name, None)
    pid_file = getattr(args, "vrrp_pid", None) or DEFAULT_VRRP_PID
    _syslog_as_vrrp()
    if not supervised():  # else the supervisor wrote the pid file and logged the start
        Path(pid_file).write_text(f"{os.getpid()}\n")
        log.info("Starting VRRP child process, pid=%d", os.getpid())
    try:
        return asyncio.run(run_vrrp(args))
    except PermissionError as exc:
        log.error("VRRP child stopped: %s", exc)
        return EXIT_MISSING_PERMISSION
    except Exception as exc:  # never a traceback to the user: say what failed
        log.error("VRRP child stopped: %s: %s", type(exc).__name__, exc)
        return EXIT_FATAL
    finally:
        with contextlib.suppress(OSError):
            os.unlink(pid_file)
