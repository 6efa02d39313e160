# SPDX-License-Identifier: Apache-2.0
"""One call each to give a child its status socket and the VRRP child keepalived's dump
signals: what the daemon's children call, so that wiring the state API is three lines.

* VRRP child: ``server = vrrp_status_server(instances, drivers)``, ``await server.start()``,
  ``install_dump_signals(loop, server.snapshot, router_id)``; ``await server.close()`` on stop.
* Checker child: ``counting = CountingIpvs(ipvs)`` (the handle given to the CheckerProcess),
  ``server = checker_status_server(process, counting)``, ``await server.start()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from pyipvs.daemon import tuning
from pyipvs.daemon.state import dumps
from pyipvs.daemon.state.server import (
    CHECK_SOCKET,
    VRRP_SOCKET,
    Snapshot,
    StatusServer,
    document,
    status_dir,
)
from pyipvs.daemon.state.vrrp import vrrp_section
from pyipvs.vrrp import VrrpInstance
from pyipvs.vrrp.driver import VrrpDriver

if TYPE_CHECKING:
    # Only the checker child needs these: importing them at run time would load every probe
    # (dnspython included) into the VRRP child before its instances start.
    from pyipvs.daemon.check.process import CheckerProcess
    from pyipvs.daemon.state.checker import CountingIpvs

log = logging.getLogger("pyipvs.daemon")

#: keepalived's JSON signal (``keepalived --signum=JSON``).
SIGJSON = signal.SIGRTMIN + 2


def vrrp_status_server(
    instances: Mapping[str, VrrpInstance],
    drivers: Mapping[str, VrrpDriver] | None = None,
    directory: str | os.PathLike[str] | None = None,
) -> StatusServer:
    """The VRRP child's server on ``vrrp.sock``; the mappings are read at every request, so
    instances a reload adds or removes show at once if the same dicts are updated."""

    def snapshot() -> dict[str, Any]:
        return document(vrrp=vrrp_section(instances, drivers))

    return StatusServer(status_dir(directory) / VRRP_SOCKET, snapshot)


def checker_status_server(
    process: CheckerProcess,
    counting: CountingIpvs | None = None,
    directory: str | os.PathLike[str] | None = None,
    *,
    read_kernel: bool = True,
) -> StatusServer:
    """The checker child's server on ``check.sock``. With *counting* (the handle the process
    applies through) the ``ipvs`` section has the operation counters and, with *read_kernel*,
    the kernel's table listed at each request."""
    from pyipvs.daemon.state.checker import checker_section, ipvs_section

    def snapshot() -> dict[str, Any]:
        table, error = None, None
        if counting is not None and read_kernel:
            try:
                table = counting.table()
            except OSError as exc:  # KernelError included: say it in the document
                error = f"cannot read the IPVS table: {exc}"
        return document(
            checkers=checker_section(process), ipvs=ipvs_section(table, counting, error=error)
        )

    return StatusServer(status_dir(directory) / CHECK_SOCKET, snapshot)


@contextlib.asynccontextmanager
async def serving_status(server: StatusServer) -> AsyncIterator[None]:
    """A child's status socket for the duration of the block: a socket that cannot be bound is
    logged and the child carries on without it (the state API never stops VRRP or the checkers);
    on the way out the socket is closed and its file removed."""
    try:
        await server.start()
    except OSError as exc:
        log.error("cannot serve the status on %s: %s", server.path, exc)
        yield
        return
    try:
        yield
    finally:
        await server.close()


def write_signal_dump(signum: int, doc: Mapping[str, Any], router_id: str | None = None) -> None:
    """Writes the file keepalived writes for *signum* (SIGUSR1, SIGUSR2, :data:`SIGJSON`);
    a failure is logged, never raised (a signal handler must not kill the child)."""
    try:
        if signum == signal.SIGUSR1:
            path = dumps.write_dump(dumps.DATA_FILE, dumps.data_text(doc, router_id))
        elif signum == signal.SIGUSR2:
            path = dumps.write_dump(dumps.STATS_FILE, dumps.stats_text(doc))
        elif signum == SIGJSON:
            path = dumps.write_json_dump(doc)
        else:
            raise ValueError(f"no dump for signal {signum}")
    except (OSError, ValueError) as exc:
        log.error("cannot write the dump for signal %d: %s", signum, exc)
        return
    log.info("Printing VRRP state to %s on signal", path)


def install_dump_signals(
    loop: asyncio.AbstractEventLoop, snapshot: Snapshot, router_id: str | None = None
) -> None:
    """SIGUSR1, SIGUSR2 and the JSON signal write keepalived's dump files from *snapshot*."""

    def handler(signum: int) -> None:
        with tuning.relaxed():  # long work for a real-time child (see pyipvs.daemon.tuning)
            write_signal_dump(signum, snapshot(), router_id)

    for signum in (signal.SIGUSR1, signal.SIGUSR2, SIGJSON):
        loop.add_signal_handler(signum, handler, signum)
