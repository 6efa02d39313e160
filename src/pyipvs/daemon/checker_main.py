# SPDX-License-Identifier: Apache-2.0
"""The health-checker child (keepalived's ``Keepalived_healthcheckers``): reads the
configuration, drives IPVS from the checkers' verdicts, answers its own signals (SIGTERM
stop, SIGHUP reload, SIGUSR1 state to the log) and serves its state, with the IPVS operation
counters, on ``check.sock`` (:mod:`pyipvs.daemon.state.wiring`). The parent
(:mod:`pyipvs.daemon.supervisor`) forks it, writes its pid file (``-c``) and respawns it.

Exit statuses are keepalived's (``lib/scheduler.h``): 0 stopped, 1 fatal (no IPVS, a crash),
2 configuration unusable, 4 missing permission; the parent stops the daemon on 1, 2 and 4
instead of respawning a child that cannot do better.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import signal
from collections.abc import Iterator
from typing import TYPE_CHECKING

from pyipvs.daemon import tuning
from pyipvs.daemon.child import EXIT_CONFIG, EXIT_FATAL, EXIT_MISSING_PERMISSION, report_ready

if TYPE_CHECKING:
    from pyipvs.config import GlobalDefs
    from pyipvs.daemon.check.from_config import ServiceSpec
    from pyipvs.daemon.check.process import CheckerProcess

log = logging.getLogger("pyipvs.daemon")
SYSLOG_IDENT = "Keepalived_healthcheckers"
CHILD_NAME = "Healthcheck"
#: keepalived's line per checker at start (users' log filters match it)
ACTIVATING = "Activating healthchecker for service %s for VS %s"


def load_specs(args: argparse.Namespace) -> tuple[list[ServiceSpec], GlobalDefs] | None:
    """Reads the configuration; None (logged) when keepalived would refuse to start."""
    from pyipvs.config import read_config
    from pyipvs.daemon.check.from_config import services_from_config

    result = read_config(args.use_file, config_id=args.config_id)
    args.pyipvs_bgp = result.config.bgp  # daemon/bgp uses the block as read at start
    for diagnostic in result.diagnostics:
        log.warning("%s", diagnostic)
    if result.exit_status == 4:
        log.error("configuration %s cannot be used", args.use_file)
        return None
    from pyipvs.daemon.check.process import collector_paused

    with collector_paused():
        return list(services_from_config(result.config)), result.config.global_defs


async def run_checker(args: argparse.Namespace) -> int:
    from pyipvs import Ipvs
    from pyipvs.check import CheckScheduler
    from pyipvs.daemon.bgp import wiring as bgp
    from pyipvs.daemon.bgp.syncd import both_roles
    from pyipvs.daemon.bulklog import log_many
    from pyipvs.daemon.check.process import CheckerProcess
    from pyipvs.daemon.state.checker import CountingIpvs
    from pyipvs.daemon.state.wiring import checker_status_server, serving_status

    loaded = load_specs(args)
    if loaded is None:
        return EXIT_CONFIG
    specs, gdefs = loaded
    bgp_config = args.pyipvs_running_bgp = args.pyipvs_bgp
    log_many(log, logging.INFO, ACTIVATING, _activations(specs))
    log.info("Initializing ipvs")
    with Ipvs() as ipvs, both_roles(ipvs, bgp_config and bgp_config.sync_daemon):
        counting = CountingIpvs(ipvs)
        process = CheckerProcess(
            specs,
            counting,
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
        status = checker_status_server(process, counting)
        async with bgp.announcing(bgp_config) as announcer, serving_status(status):  # check.sock
            bgp.add_status(status, announcer)
            bgp.withdraw_before_stop(loop, announcer, lambda: _stop(process))
            process.after_sync.append(lambda: bgp.feed(announcer, _quorums(process)))
            _tune(gdefs)
            log.info("Startup complete")
            report_ready()
            await process.run()
    log.info("Stopped")
    return 0


def _tune(gdefs: GlobalDefs) -> None:
    """``checker_*`` process settings, as keepalived's start_check(); MISC_CHECK scripts get
    the nice value back."""
    from pyipvs.check import misc

    tuning.apply(gdefs.checker_process, "checker")
    misc.child_setup = tuning.script_setup()


def _activations(specs: list[ServiceSpec]) -> Iterator[tuple[str, str]]:
    """Each checked real server of each virtual server, for keepalived's start line."""
    from pyipvs.daemon.check.from_config import describe_server

    for spec in specs:
        protocol, label = spec.service.protocol, spec.label
        for member in spec.members:
            yield describe_server(member.member.server, protocol), label


def _quorums(process: CheckerProcess) -> list[tuple[object | None, bool | None]]:
    """``(address, has quorum)`` per virtual server, for daemon/bgp."""
    pairs = zip(process.specs, process.pools, strict=True)
    return [(spec.service.address, pool.quorum) for spec, pool in pairs]


def _stop(process: CheckerProcess) -> None:
    log.info("Stopping")
    process.stop()


def _reload(args: argparse.Namespace, process: CheckerProcess) -> None:
    log.info("Reloading")
    with tuning.relaxed():  # long work for a real-time child (see pyipvs.daemon.tuning)
        loaded = load_specs(args)
        if loaded is not None:
            process.reload(loaded[0])
    if loaded is not None:
        _tune(loaded[1])
        _warn_bgp_unchanged_until_restart(args)
    else:
        log.error("reload refused: keeping the running configuration")
    report_ready()  # done, either way: the parent may say "Reload complete"


def _warn_bgp_unchanged_until_restart(args: argparse.Namespace) -> None:
    from pyipvs.daemon.bgp.wiring import warn_if_block_changed

    warn_if_block_changed(args.pyipvs_running_bgp, args.pyipvs_bgp)


def _dump(process: CheckerProcess) -> None:
    """SIGUSR1: the scheduler's counters and each real server's state, to the log."""
    stats = process.scheduler.stats()
    log.info("checker stats: %s", " ".join(f"{k}={v:g}" for k, v in stats.items()))
    for (index, key), health in process.health.items():
        log.info("VS %s RS %s %s", process.specs[index].label, key, "up" if health.up else "down")


def checker_child(args: argparse.Namespace) -> int:
    """The child's entry point: runs until SIGTERM; returns its exit status."""
    try:
        return asyncio.run(run_checker(args))
    except PermissionError as exc:
        log.error("checker stopped: %s", exc)
        return EXIT_MISSING_PERMISSION
    except Exception as exc:  # never a traceback to the user: say what failed
        log.error("checker stopped: %s: %s", type(exc).__name__, exc)
        return EXIT_FATAL
