# SPDX-License-Identifier: Apache-2.0
"""``pyipvs-keepalived -C``: keepalived's health-checker subsystem alone, from an unchanged
keepalived.conf.

keepalived's process model: a parent (its pid in ``-p``) supervises a checker child (its pid in
``-c``), forwards SIGTERM and SIGHUP to it and respawns it if it dies (unless ``-R``). Without
``-n`` the parent first detaches into the background. Options of keepalived that concern
other subsystems (VRRP, BFD, SNMP, ...) are accepted and ignored.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import logging.handlers
import os
import random
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyipvs.config import GlobalDefs
    from pyipvs.daemon.check_process import CheckerProcess
    from pyipvs.daemon.checkers_from_config import ServiceSpec

log = logging.getLogger("pyipvs.daemon")

DEFAULT_PID = "/run/keepalived.pid"
DEFAULT_CHECKERS_PID = "/run/checkers.pid"
SYSLOG_IDENT = "Keepalived_healthcheckers"
SIGNUMS = {
    "STOP": signal.SIGTERM,
    "RELOAD": signal.SIGHUP,
    "DATA": signal.SIGUSR1,
    "STATS": signal.SIGUSR2,
}
_FLAG_LETTERS = set("PCBlDGXVIRndTaxmhve")
_RESPAWN_DELAY = 1.0
EXIT_FATAL = 4


def wants_check_mode(argv: Sequence[str]) -> bool:
    """True when keepalived's ``-C`` / ``--check`` is among ``argv`` (also in a cluster of
    short flags such as ``-nlC``); ``-t`` (configuration test) keeps its own path."""
    has_check = any(
        a == "--check"
        or (
            a.startswith("-")
            and not a.startswith("--")
            and "C" in a[1:]
            and set(a[1:]) <= _FLAG_LETTERS
        )
        for a in argv
    )
    testing = any(a in ("-t", "--config-test") or a.startswith("--config-test=") for a in argv)
    return has_check and not testing


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pyipvs-keepalived", description="keepalived -C: health checkers and IPVS only"
    )
    add = p.add_argument
    add("-f", "--use-file", metavar="FILE", default="/etc/keepalived/keepalived.conf")
    add("-C", "--check", action="store_true", help="only run the health-checker subsystem")
    for flag, name in (
        ("-P", "--vrrp"),
        ("-B", "--no_bfd"),
        ("-X", "--release-vips"),
        ("-V", "--dont-release-vrrp"),
        ("-a", "--address-monitoring"),
        ("-x", "--snmp"),
        ("-m", "--core-dump"),
        ("-d", "--dump-conf"),
    ):
        add(flag, name, action="store_true", help=argparse.SUPPRESS)
    add("--all", action="store_true", help=argparse.SUPPRESS)
    for flag, name in (
        ("-r", "--vrrp_pid"),
        ("-b", "--bfd_pid"),
        ("-A", "--snmp-agent-socket"),
        ("-M", "--core-dump-pattern"),
    ):
        add(flag, name, metavar="X", help=argparse.SUPPRESS)
    add("-l", "--log-console", action="store_true", help="log to the console")
    add("-D", "--log-detail", action="store_true", help="detailed log messages")
    add(
        "-S",
        "--log-facility",
        default="daemon",
        help="syslog facility: 0-7, local0-7, user, daemon",
    )
    add("-G", "--no-syslog", action="store_true", help="do not log via syslog")
    add("-u", "--umask", help="umask for created files (numeric)")
    add("-I", "--dont-release-ipvs", action="store_true", help="leave the IPVS table on stop")
    add("-R", "--dont-respawn", action="store_true", help="do not respawn the checker child")
    add("-n", "--dont-fork", action="store_true", help="stay in the foreground")
    add("-p", "--pid", default=DEFAULT_PID, help="pid file of the parent")
    add("-c", "--checkers_pid", default=DEFAULT_CHECKERS_PID, help="pid file of the checker")
    add("-s", "--namespace", help="run in network namespace NAME")
    add("-e", "--all-config", action="store_true", help="error if a configuration file is missing")
    add("-i", "--config-id", help="id for @ID lines (default: host name)")
    add("--signum", help="print the number of a signal: STOP, RELOAD, DATA, STATS")
    add("-v", "--version", action="store_true")
    return p


def _facility(text: str) -> int:
    text = text.lower()
    if text.isdigit() and 0 <= int(text) <= 7:
        return int(logging.handlers.SysLogHandler.LOG_LOCAL0) + int(text) * 8
    names = logging.handlers.SysLogHandler.facility_names
    if text in names and text in {f"local{i}" for i in range(8)} | {"user", "daemon"}:
        return names[text]
    raise ValueError(f"invalid log facility '{text}'")


def setup_logging(args: argparse.Namespace) -> None:
    root = logging.getLogger("pyipvs")
    root.handlers.clear()
    root.setLevel(logging.DEBUG if args.log_detail else logging.INFO)
    root.propagate = False
    facility = _facility(args.log_facility)  # checked even when no syslog is reachable
    if args.log_console:
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(logging.Formatter("%(asctime)s: %(message)s", "%a %b %e %H:%M:%S %Y"))
        root.addHandler(console)
    if not args.no_syslog and Path("/dev/log").exists():
        syslog = logging.handlers.SysLogHandler("/dev/log", facility=facility)
        syslog.setFormatter(logging.Formatter(f"{SYSLOG_IDENT}[%(process)d]: %(message)s"))
        root.addHandler(syslog)


def write_pid(path: str) -> None:
    Path(path).write_text(f"{os.getpid()}\n")


def remove_pid(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def enter_netns(name: str) -> None:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(fd, 0x40000000) != 0:  # CLONE_NEWNET
            raise OSError(ctypes.get_errno(), f"setns {name}")
    finally:
        os.close(fd)


def load_specs(args: argparse.Namespace) -> tuple[list[ServiceSpec], GlobalDefs] | None:
    """Reads the configuration; None (logged) when keepalived would refuse to start."""
    from pyipvs.config import read_config
    from pyipvs.daemon.checkers_from_config import services_from_config

    result = read_config(args.use_file, config_id=args.config_id)
    for diagnostic in result.diagnostics:
        log.warning("%s", diagnostic)
    if result.exit_status == 4:
        log.error("configuration %s cannot be used", args.use_file)
        return None
    return list(services_from_config(result.config)), result.config.global_defs


async def run_checker(args: argparse.Namespace) -> int:
    from pyipvs import Ipvs
    from pyipvs.check import CheckScheduler
    from pyipvs.daemon.check_process import CheckerProcess
    from pyipvs.daemon.checkers_from_config import describe_server

    loaded = load_specs(args)
    if loaded is None:
        return EXIT_FATAL
    specs, gdefs = loaded
    for spec in specs:
        for member in spec.members:
            server = member.member.server
            log.info(
                "Activating healthchecker for service %s for VS %s",
                describe_server(server, spec.service.protocol),
                spec.label,
            )
    log.info("Initializing ipvs")
    with Ipvs() as ipvs:
        process = CheckerProcess(
            specs,
            ipvs,
            CheckScheduler(rng=random.Random()),
            flush_on_start=gdefs.lvs_flush,
            flush_on_stop=gdefs.lvs_flush_on_stop,
            release_on_stop=not args.dont_release_ipvs,
        )
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, lambda: _stop(process))
        loop.add_signal_handler(signal.SIGINT, lambda: _stop(process))
        loop.add_signal_handler(signal.SIGHUP, lambda: _reload(args, process))
        loop.add_signal_handler(signal.SIGUSR1, lambda: _dump(process))
        log.info("Startup complete")
        await process.run()
    log.info("Stopped")
    return 0


def _stop(process: CheckerProcess) -> None:
    log.info("Stopping")
    process.stop()


def _reload(args: argparse.Namespace, process: CheckerProcess) -> None:
    log.info("Reloading")
    loaded = load_specs(args)
    if loaded is None:
        log.error("reload refused: keeping the running configuration")
        return
    process.reload(loaded[0])


def _dump(process: CheckerProcess) -> None:
    """SIGUSR1: the scheduler's counters and each real server's state, to the log."""
    stats = process.scheduler.stats()
    log.info("checker stats: %s", " ".join(f"{k}={v:g}" for k, v in stats.items()))
    for (index, key), health in process.health.items():
        log.info("VS %s RS %s %s", process.specs[index].label, key, "up" if health.up else "down")


def checker_child(args: argparse.Namespace) -> int:
    write_pid(args.checkers_pid)
    log.info("Starting Healthcheck child process, pid=%d", os.getpid())
    try:
        return asyncio.run(run_checker(args))
    except Exception as exc:  # never a traceback to the user: say what failed
        log.error("checker stopped: %s: %s", type(exc).__name__, exc)
        return EXIT_FATAL
    finally:
        remove_pid(args.checkers_pid)


def supervise(args: argparse.Namespace) -> int:
    """The parent: runs the checker child, forwards SIGTERM/SIGHUP, respawns unless -R."""
    write_pid(args.pid)
    stopping = False
    child = 0

    def forward(signum: int, _frame: object) -> None:
        nonlocal stopping
        if signum in (signal.SIGTERM, signal.SIGINT):
            stopping = True
        if child:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM if signum == signal.SIGINT else signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1):
        signal.signal(signum, forward)
    status = 0
    try:
        while True:
            child = _spawn(args)
            status = _wait(child)
            if stopping or args.dont_respawn:
                break
            if status == EXIT_FATAL:  # it cannot start (configuration, no ip_vs): say so, stop
                log.error("Healthcheck child process(%d) could not start; not respawning", child)
                break
            log.error("Healthcheck child process(%d) died: respawning", child)
            time.sleep(_RESPAWN_DELAY)
    finally:
        remove_pid(args.pid)
    log.info("Stopped Keepalived")
    return 0 if stopping else status


def _spawn(args: argparse.Namespace) -> int:
    pid = os.fork()
    if pid == 0:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1):
            signal.signal(signum, signal.SIG_DFL)
        code = EXIT_FATAL
        try:
            code = checker_child(args)
        finally:
            os._exit(code)
    return pid


def _wait(pid: int) -> int:
    while True:
        try:
            _, status = os.waitpid(pid, 0)
        except InterruptedError:
            continue
        except ChildProcessError:
            return 0
        return os.waitstatus_to_exitcode(status)


def main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    if args.version:
        print("pyipvs-keepalived (keepalived 2.2.7 compatible, checker subsystem)")
        return 0
    if args.signum:
        number = SIGNUMS.get(args.signum.upper())
        if number is None:
            print(f"Unknown sigfunc {args.signum}", file=sys.stderr)
            return 1
        print(int(number))
        return 0
    try:
        setup_logging(args)
        if args.umask:
            os.umask(int(args.umask, 0))
    except ValueError as exc:
        print(f"pyipvs-keepalived: {exc}", file=sys.stderr)
        return 1
    if not Path(args.use_file).exists():
        print(f"pyipvs-keepalived: configuration file {args.use_file} not found", file=sys.stderr)
        return 1
    if args.namespace:
        enter_netns(args.namespace)
    if not args.dont_fork and os.fork() > 0:
        return 0  # detached: the first parent returns, the daemon goes on
    if not args.dont_fork:
        os.setsid()
    return supervise(args)
