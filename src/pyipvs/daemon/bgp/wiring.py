# SPDX-License-Identifier: Apache-2.0
"""The announcer in the checker child, in two calls (``daemon/checker_main.py``):

* ``async with announcing(config) as announcer:`` around the checker's run: the speaker's
  routes follow the quorums while the block runs, and are withdrawn on the way out;
* ``feed(announcer, services)`` after every evaluation of the quorums, and
  ``add_status(server, announcer)`` to put the ``bgp`` section into ``check.sock``'s document.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, Protocol

from pyipvs.config.model import BgpConfig
from pyipvs.daemon.bgp.announcer import Announcer, vips_with_quorum
from pyipvs.daemon.bgp.bird import BirdSpeaker

Quorums = Iterable[tuple[object | None, bool | None]]  # (address, has quorum) per service


class HasSnapshot(Protocol):
    snapshot: Callable[[], dict[str, Any]]


def make_announcer(config: BgpConfig) -> Announcer:
    speaker = BirdSpeaker(config.control_socket, config.include_file, config.protocol)
    return Announcer(speaker, retry_max=config.retry_max, check_interval=config.check_interval)


@contextlib.asynccontextmanager
async def announcing(config: BgpConfig | None) -> AsyncIterator[Announcer | None]:
    """The announcer of *config* (None without a ``pyipvs_bgp`` block) running for the block;
    at its end every route is withdrawn."""
    if config is None:
        yield None
        return
    announcer = make_announcer(config)
    task = asyncio.ensure_future(announcer.run())
    try:
        yield announcer
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await announcer.close()


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
