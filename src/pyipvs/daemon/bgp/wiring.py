# SPDX-License-Identifier: Apache-2.0
"""The announcer in the checker child, in a few calls (``daemon/checker_main.py``):

* ``async with announcing(config) as announcer:`` around the checker's run: the speaker's
  routes follow the quorums while the block runs, and are withdrawn on the way out (with
  ``withdraw_before_stop``, already at SIGTERM, before the checker releases IPVS);
* ``feed(announcer, services)`` after every evaluation of the quorums, and
  ``add_status(server, announcer)`` to put the ``bgp`` section into ``check.sock``'s document.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, Protocol

from pyipvs.config.model import BgpConfig
from pyipvs.daemon.bgp.announcer import Announcer, vips_with_quorum
from pyipvs.daemon.bgp.bird import BirdSpeaker

log = logging.getLogger("pyipvs.daemon")

Quorums = Iterable[tuple[object | None, bool | None]]  # (address, has quorum) per service


class HasSnapshot(Protocol):
    snapshot: Callable[[], dict[str, Any]]


def make_announcer(config: BgpConfig) -> Announcer:
    speaker = BirdSpeaker(config.control_socket, config.include_file, config.protocol, config.bfd)
    return Announcer(speaker, retry_max=config.retry_max, check_interval=config.check_interval)


@contextlib.asynccontextmanager
async def announcing(config: BgpConfig | None) -> AsyncIterator[Announcer | None]:
    """The announcer of *config* (None without a ``pyipvs_bgp`` block) running for the block;
    at its end every route is withdrawn."""
    if config is None:
        yield None
        return
    announcer = make_announcer(config)
    announcer.start()
    try:
        yield announcer
    finally:
        await announcer.shutdown()  # at once if withdraw_before_stop did it already


def withdraw_before_stop(
    loop: asyncio.AbstractEventLoop, announcer: Announcer | None, stop: Callable[[], None]
) -> None:
    """SIGTERM / SIGINT withdraw the routes first, then call *stop* (the checker's, which
    releases IPVS): the router sends no new flows to a director that is removing its table.
    Without an announcer the handlers are left as they are."""
    if announcer is None:
        return

    async def withdraw_then_stop() -> None:
        log.info("BGP: withdrawing every route before stopping")
        try:
            await announcer.shutdown()
        finally:
            stop()

    pending: set[asyncio.Future[None]] = set()  # the loop keeps only weak references

    def handler() -> None:
        task = asyncio.ensure_future(withdraw_then_stop())
        pending.add(task)
        task.add_done_callback(pending.discard)

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, handler)


def warn_if_block_changed(running: BgpConfig | None, reloaded: BgpConfig | None) -> None:
    """A reload applies the virtual servers, not ``pyipvs_bgp`` itself: say so when it changed."""
    if running != reloaded:
        log.warning(
            "pyipvs_bgp changed in the reloaded configuration: the running speaker settings"
            " stay until the daemon restarts"
        )


def feed(announcer: Announcer | None, services: Quorums) -> None:
    """``(address, has quorum)`` of every virtual server, after an evaluation."""
    if announcer is not None:
        announcer.want(vips_with_quorum(services))


def add_status(server: HasSnapshot, announcer: Announcer | None) -> None:
    """The announcer's state as ``checkers.bgp`` in every document *server* serves."""
    if announcer is None:
        return
    inner = server.snapshot

    def snapshot() -> dict[str, Any]:
        doc = inner()
        if doc.get("checkers") is not None:
            doc["checkers"] = {**doc["checkers"], "bgp": announcer.status()}
        return doc

    server.snapshot = snapshot
