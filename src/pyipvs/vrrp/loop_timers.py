# SPDX-License-Identifier: Apache-2.0
"""Named one-shot timers that wake an asyncio loop on time, without blocking it.

asyncio's own timers wake up to a millisecond late: the loop waits in ``epoll_wait``, whose
timeout is whole milliseconds rounded up. At ``advert_int 0.01`` that is a tenth of the
interval. Here each timer is a ``timerfd`` (CLOCK_MONOTONIC, the clock of ``loop.time()``)
watched by the loop's reader: the kernel makes it readable at the deadline (an hrtimer, tens
of microseconds late at most on an idle CPU), and the loop runs everything else meanwhile. The
driver used to arm ``call_at`` 1.5 ms early and sleep the rest, which blocked the loop.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass

from pyipvs._bindings.timerfd import timerfd_ack, timerfd_arm, timerfd_open


@dataclass
class _Timer:
    fd: int
    deadline: float | None = None  # None: not armed


class LoopTimers:
    """Timers by name; *expired* is called with (name, deadline) from the loop.

    A timer re-armed or cancelled before its callback ran does not call back for the old
    deadline: re-arming forgets an expiry not yet read.
    """

    def __init__(
        self, loop: asyncio.AbstractEventLoop, expired: Callable[[str, float], None]
    ) -> None:
        self._loop = loop
        self._expired = expired
        self._timers: dict[str, _Timer] = {}

    def arm(self, name: str, deadline: float) -> None:
        """(Re)arms *name* for *deadline* (``loop.time()`` seconds)."""
        timer = self._timers.get(name)
        if timer is None:
            timer = _Timer(timerfd_open())
            self._timers[name] = timer
            self._loop.add_reader(timer.fd, self._ready, name)
        timer.deadline = deadline
        # 0 would disarm; a deadline at or before the clock's start is due at once anyway.
        timerfd_arm(timer.fd, max(deadline, 1e-9))

    def cancel(self, name: str) -> None:
        timer = self._timers.get(name)
        if timer is not None and timer.deadline is not None:
            timer.deadline = None
            timerfd_arm(timer.fd, 0.0)

    def armed(self) -> dict[str, float]:
        """The armed timers' deadlines, by name."""
        return {n: t.deadline for n, t in self._timers.items() if t.deadline is not None}

    def close(self) -> None:
        for timer in self._timers.values():
            self._loop.remove_reader(timer.fd)
            os.close(timer.fd)
        self._timers.clear()

    def _ready(self, name: str) -> None:
        timer = self._timers[name]
        if timerfd_ack(timer.fd) == 0 or timer.deadline is None:
            return  # re-armed or cancelled after the kernel marked it readable
        deadline, timer.deadline = timer.deadline, None
        self._expired(name, deadline)
