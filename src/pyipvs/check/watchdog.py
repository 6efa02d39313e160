# SPDX-License-Identifier: Apache-2.0
"""Notices an event loop that stopped turning (a blocking call, a busy coroutine) and says so.

The loop side beats (:meth:`Watchdog.heartbeat`); a thread looks at the last beat. The thread
logs while the loop is stuck, which the loop itself cannot do, and the loop logs how late its
own beat was once it turns again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

log = logging.getLogger("pyipvs.check")


class Watchdog:
    def __init__(
        self, clock: Callable[[], float], *, interval: float = 0.5, stall_after: float = 2.0
    ) -> None:
        self._clock = clock
        self.interval = interval
        self.stall_after = stall_after
        self.last_beat = clock()
        self.stalls = 0
        self.max_lag = 0.0
        self._stalled = False
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    async def heartbeat(self) -> None:
        while True:
            before = self._clock()
            self.last_beat = before
            await asyncio.sleep(self.interval)
            lag = self._clock() - before - self.interval
            self.max_lag = max(self.max_lag, lag)
            if lag > self.stall_after:
                log.warning("checker event loop resumed after a stall of %.3f s", lag)

    def start(self) -> None:
        self.last_beat = self._clock()
        self._done.clear()
        self._thread = threading.Thread(target=self._watch, name="pyipvs-check-watchdog")
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _watch(self) -> None:
        while not self._done.wait(self.interval):
            self.look()

    def look(self) -> bool:
        """One look at the heartbeat; True while the loop is stalled. Logs once per stall."""
        silent = self._clock() - self.last_beat
        stalled = silent > self.stall_after + self.interval
        if stalled and not self._stalled:
            self.stalls += 1
            log.error("checker event loop stalled: no heartbeat for %.3f s", silent)
        self._stalled = stalled
        return stalled
