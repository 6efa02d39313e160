# SPDX-License-Identifier: Apache-2.0
"""The announcer: keeps the speaker's routes equal to the addresses that have quorum.

It is fed the wanted set (:meth:`Announcer.want`) at every evaluation of the checker child and
publishes it whenever it differs from what the speaker was last told, or when the speaker
restarted (its identity changed). Every ``check_interval`` it asks the speaker who it is, so a
dead speaker or a broken control socket is noticed even when nothing changes. A failure is
logged as an error each time, the speaker is marked down in the status, and the attempt is
retried with exponential back-off up to ``retry_max``. :meth:`Announcer.close` withdraws
everything (the include file is emptied even when the speaker cannot be reached, so a speaker
started later announces nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from pyipvs.daemon.bgp.bird import IPNetwork, SpeakerError

log = logging.getLogger("pyipvs.daemon")

FIRST_RETRY = 0.5
#: The final withdrawal at stop may take this long before the daemon gives up on it: well
#: within the parent's wait for a stopping child (5 s), which must leave time for IPVS.
CLOSE_TIMEOUT = 2.0


class Speaker(Protocol):
    name: str

    def write(self, networks: Iterable[IPNetwork]) -> None: ...
    async def publish(self, networks: Iterable[IPNetwork]) -> None: ...
    async def identity(self) -> str: ...


def host_route(address: object) -> IPNetwork:
    """``10.0.0.1`` -> ``10.0.0.1/32``; ``2001:db8::1`` -> ``/128``."""
    return ipaddress.ip_network(str(address))


def retry_delay(failures: int, retry_max: float) -> float:
    """0.5 s after the first failure, doubling after each next one, at most *retry_max*."""
    return float(min(retry_max, FIRST_RETRY * 2 ** max(0, failures - 1)))


def vips_with_quorum(services: Iterable[tuple[object | None, bool | None]]) -> frozenset[IPNetwork]:
    """The host routes to announce from ``(address, has quorum)`` per virtual server: an
    address is announced only while every virtual server on it has quorum (a director must
    not attract traffic for a port it cannot serve). Firewall-mark services (no address) and
    pools not evaluated yet (None) announce nothing."""
    verdicts: dict[IPNetwork, bool] = {}
    for address, quorum in services:
        if address is None:
            continue
        route = host_route(address)
        verdicts[route] = verdicts.get(route, True) and quorum is True
    return frozenset(route for route, up in verdicts.items() if up)


class Announcer:
    def __init__(
        self,
        speaker: Speaker,
        *,
        retry_max: float = 30.0,
        check_interval: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.speaker = speaker
        self.retry_max = retry_max
        self.check_interval = check_interval
        self.clock = clock
        self.wanted: frozenset[IPNetwork] = frozenset()
        self.published: frozenset[IPNetwork] | None = None  # None: not known to the speaker
        self.state = "starting"  # "up" once the speaker answered, "down" while it does not
        self.identity: str | None = None
        self.failures = 0  # consecutive
        self.errors_total = 0
        self.publishes_total = 0
        self.restarts_seen = 0
        self.last_error: str | None = None
        self.last_ok: float | None = None
        self.next_attempt: float | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Future[None] | None = None
        self._shut = False

    def want(self, networks: Iterable[IPNetwork]) -> None:
        if self._shut:  # withdrawn for good: later evaluations must not announce again
            return
        wanted = frozenset(networks)
        if wanted != self.wanted:
            self.wanted = wanted
            self._wake.set()

    def start(self) -> None:
        """:meth:`run` as a task, until :meth:`shutdown`."""
        self._task = asyncio.ensure_future(self.run())

    async def shutdown(self) -> None:
        """Stops :meth:`run` and withdraws everything; a second call does nothing."""
        if self._shut:
            return
        self._shut = True
        self._wake.set()
        if self._task is not None:
            # The flag ends the loop too: on Python 3.11, wait_for() can swallow a cancel that
            # arrives as the event it waits for is set.
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.close()

    async def run(self) -> None:
        """Until :meth:`shutdown`: publish on change, probe every ``check_interval``."""
        while not self._shut:
            delay = await self.attempt()
            self.next_attempt = self.clock() + delay
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            self._wake.clear()

    async def attempt(self) -> float:
        """One round with the speaker; returns the seconds until the next one."""
        try:
            await self._check_identity()
            if self.wanted != self.published:
                await self._publish(self.wanted)
        except SpeakerError as exc:
            return self._failed(str(exc))
        if self.state == "down":
            log.info("BGP speaker %s answers again", self.speaker.name)
        self.state, self.failures, self.last_ok = "up", 0, self.clock()
        return self.check_interval

    async def _check_identity(self) -> None:
        identity = await self.speaker.identity()
        if self.identity is not None and identity != self.identity:
            self.restarts_seen += 1
            log.warning(
                "BGP speaker %s restarted (%s): publishing again", self.speaker.name, identity
            )
            self.published = None
        self.identity = identity

    async def _publish(self, networks: frozenset[IPNetwork]) -> None:
        before = self.published or frozenset()
        await self.speaker.publish(networks)
        self.published = networks
        self.publishes_total += 1
        for route in sorted(networks - before, key=str):
            log.info("BGP: announcing %s", route)
        for route in sorted(before - networks, key=str):
            log.info("BGP: withdrawing %s", route)

    def _failed(self, reason: str) -> float:
        self.published = None  # what the speaker holds is unknown now
        self.state = "down"
        self.failures += 1
        self.errors_total += 1
        self.last_error = reason
        delay = retry_delay(self.failures, self.retry_max)
        held = ", ".join(sorted(map(str, self.wanted))) or "nothing"
        log.error(
            "BGP speaker %s unusable (%s); wanted: %s; retrying in %.1f s",
            self.speaker.name,
            reason,
            held,
            delay,
        )
        return delay

    async def close(self) -> None:
        """Withdraws every route (stop of the daemon), once :meth:`run` was cancelled."""
        self.wanted = frozenset()
        try:
            self.speaker.write(())  # first: a speaker that restarts later announces nothing
            await asyncio.wait_for(self._publish(frozenset()), CLOSE_TIMEOUT)
        except (SpeakerError, asyncio.TimeoutError) as exc:
            self._failed(str(exc) or "timed out")
            log.error("BGP: could not withdraw the routes at stop; the include file is empty")

    def status(self) -> dict[str, Any]:
        """The ``bgp`` section of the status document."""
        return {
            "speaker": self.speaker.name,
            "state": self.state,
            "identity": self.identity,
            "wanted": sorted(map(str, self.wanted)),
            "announced": None if self.published is None else sorted(map(str, self.published)),
            "consecutive_failures": self.failures,
            "errors_total": self.errors_total,
            "publishes_total": self.publishes_total,
            "restarts_seen": self.restarts_seen,
            "last_error": self.last_error,
            "last_ok": self.last_ok,
            "next_attempt": self.next_attempt,
        }
