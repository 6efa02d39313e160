# SPDX-License-Identifier: Apache-2.0
"""Up/down bookkeeping of one checker and of one real server, as keepalived counts them.

Pure: no clock, no I/O. keepalived's rules (check_tcp.c and its siblings, ipwrapper.c):

* a checker that is up and fails is retried after ``delay_before_retry``; it goes down after
  ``retry`` more consecutive failures (``retry + 1`` failed attempts in all);
* at start the retries count as spent, so an optimistic (non-``alpha``) checker goes down on
  its first failure; an ``alpha`` checker starts down;
* a down checker comes up on its first success;
* a real server is up only while every one of its checkers is up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from pyipvs.check.result import ProbeResult


class Transition(Enum):
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True)
class Schedule:
    """When a check runs: keepalived's ``delay_loop``, ``retry`` (``nb_get_retry``),
    ``delay_before_retry``, ``warmup`` (first run delayed by a random fraction of it;
    defaults to ``delay_loop``) and ``alpha`` (start down)."""

    delay_loop: float = 60.0
    retry: int = 1
    delay_before_retry: float = 1.0
    warmup: float | None = None
    alpha: bool = False

    @property
    def first_delay_span(self) -> float:
        return self.delay_loop if self.warmup is None else self.warmup


@dataclass(frozen=True)
class Step:
    """What to do after one probe run: the transition it caused (if any) and the delay until
    the next run."""

    transition: Transition | None
    next_delay: float
    weight_changed: bool = False


@dataclass
class CheckerState:
    schedule: Schedule
    up: bool = field(init=False)
    retries_done: int = field(init=False)
    weight: int | None = field(init=False, default=None)
    last: ProbeResult | None = field(init=False, default=None)
    #: up/down transitions so far (for status and metrics).
    flaps: int = field(init=False, default=0)
    #: how long the last probe run took, in seconds (set by the scheduler).
    latency: float | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.up = not self.schedule.alpha
        self.retries_done = self.schedule.retry  # spent: the first failure counts in full

    def observe(self, result: ProbeResult) -> Step:
        self.last = result
        if result.ok:
            return self._success(result)
        return self._failure()

    def _success(self, result: ProbeResult) -> Step:
        self.retries_done = 0
        weight_changed = result.weight is not None and result.weight != self.weight
        if result.weight is not None:
            self.weight = result.weight
        transition = None if self.up else Transition.UP
        if transition is not None:
            self.flaps += 1
        self.up = True
        return Step(transition, self.schedule.delay_loop, weight_changed)

    def _failure(self) -> Step:
        if self.up and self.retries_done < self.schedule.retry:
            self.retries_done += 1
            return Step(None, self.schedule.delay_before_retry)
        transition = Transition.DOWN if self.up else None
        if transition is not None:
            self.flaps += 1
        self.up = False
        self.retries_done = 0
        return Step(transition, self.schedule.delay_loop)


@dataclass
class ServerHealth:
    """A real server's aliveness from its checkers' states: up only while none is down.
    ``weight`` is the weight a dynamic checker last reported (None: the configured one)."""

    checkers: frozenset[str]
    down: set[str] = field(default_factory=set)
    weights: dict[str, int] = field(default_factory=dict)

    @classmethod
    def starting(cls, checkers: dict[str, bool]) -> ServerHealth:
        """``checkers`` maps each checker id to whether it starts up (not ``alpha``)."""
        return cls(frozenset(checkers), {c for c, up in checkers.items() if not up})

    @property
    def up(self) -> bool:
        return not self.down

    @property
    def weight(self) -> int | None:
        # Several dynamic checkers on one server: keepalived keeps the last one written; the
        # lowest is the safe reading and does not depend on the order checks finish in.
        return min(self.weights.values()) if self.weights else None

    def update(self, checker: str, up: bool, weight: int | None = None) -> Transition | None:
        """Records one checker's state; returns the server's transition, if this caused one."""
        if checker not in self.checkers:
            raise KeyError(checker)
        was_up = self.up
        if up:
            self.down.discard(checker)
        else:
            self.down.add(checker)
        if weight is not None:
            self.weights[checker] = weight
        if was_up != self.up:
            return Transition.UP if self.up else Transition.DOWN
        return None
