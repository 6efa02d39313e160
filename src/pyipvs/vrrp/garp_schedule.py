# SPDX-License-Identifier: Apache-2.0
"""The gratuitous ARPs / NAs a master sends after its first burst: keepalived's
``garp_master_delay`` (a second burst that long after becoming master, 0: none) and
``garp_master_refresh`` (a burst of ``garp_master_refresh_repeat`` every that many seconds
while master, 0: none). RFC 5798 section 6.4.1 asks for the first burst only; the later ones
reach switches and hosts that missed it (a link that came up late, a flushed cache)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class GarpTiming:
    """keepalived's per-instance values (seconds), the defaults its global ones."""

    delay: float = 5.0
    refresh: float = 0.0
    refresh_repeat: int = 1
    #: ``garp_lower_prio_delay`` / ``_repeat``: after a lower-priority advert, a burst of
    #: *lower_prio_repeat* now and another that long after (0: none); repeat ``None``: the
    #: instance's ``garp_master_repeat``, 0: no gratuitous ARP at all
    lower_prio_delay: float = 5.0
    lower_prio_repeat: int | None = None


class GarpSchedule:
    """Calls *send* (with a repeat count, ``None``: the instance's ``garp_master_repeat``) for
    the later bursts of one mastership."""

    def __init__(self, timing: GarpTiming, send: Callable[[int | None], None]) -> None:
        self.timing = timing
        self._send = send
        self._delayed: asyncio.TimerHandle | None = None
        self._refreshing: asyncio.TimerHandle | None = None
        self._lower: asyncio.TimerHandle | None = None

    def start(self) -> None:
        """A master has just sent its first burst: arms the delayed one and the refresh."""
        self.cancel()
        loop = asyncio.get_running_loop()
        if self.timing.delay > 0:
            self._delayed = loop.call_later(self.timing.delay, self._send, None)
        if self.timing.refresh > 0:
            self._refreshing = loop.call_later(self.timing.refresh, self._refresh)

    def lower_priority(self) -> None:
        """A master heard a lower-priority advert: a burst now and, after
        ``lower_prio_delay``, one more (keepalived 2.2.7 ``vrrp_state_master_rx``); the
        mastership's own schedule is left alone."""
        repeat = self.timing.lower_prio_repeat
        if repeat == 0:
            return
        self._send(repeat)
        if self.timing.lower_prio_delay > 0:
            if self._lower is not None:
                self._lower.cancel()
            loop = asyncio.get_running_loop()
            self._lower = loop.call_later(self.timing.lower_prio_delay, self._send, repeat)

    def _refresh(self) -> None:
        # The next one is armed first: a send that leads to a cancel (leaving MASTER) cancels it.
        loop = asyncio.get_running_loop()
        self._refreshing = loop.call_later(self.timing.refresh, self._refresh)
        self._send(self.timing.refresh_repeat)

    def cancel(self) -> None:
        """No longer master (or stopping): nothing more is sent."""
        for handle in (self._delayed, self._refreshing, self._lower):
            if handle is not None:
                handle.cancel()
        self._delayed = self._refreshing = self._lower = None
