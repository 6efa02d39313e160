# SPDX-License-Identifier: Apache-2.0
"""Which real servers a virtual service should have now: keepalived's rules for health,
``inhibit_on_failure``, quorum with hysteresis, and the sorry server (ipwrapper.c).

Pure. A :class:`Pool` is one virtual service's configuration; :class:`PoolState` carries what
persists between evaluations (the quorum state); :func:`desired_servers` gives the real
servers to program, with their weights.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace

from pyipvs import RealServer


@dataclass(frozen=True)
class Member:
    """A configured real server; ``server.weight`` is its configured weight."""

    server: RealServer
    inhibit_on_failure: bool = False

    @functools.cached_property
    def key(self) -> tuple[object, ...]:
        """:func:`server_key` of the server, computed once (a pool is evaluated on every
        verdict, and 200,000 members each asked for it six times per evaluation)."""
        return server_key(self.server)


@dataclass(frozen=True)
class Health:
    """A member's state from its checks: alive, and the weight a dynamic checker set."""

    alive: bool
    weight: int | None = None


@dataclass(frozen=True)
class Pool:
    members: tuple[Member, ...]
    quorum: int = 1
    hysteresis: int = 0
    sorry_server: RealServer | None = None
    sorry_server_inhibit: bool = False


def server_key(rs: RealServer) -> tuple[object, ...]:
    """What names a real server in a pool and in the kernel. Ints, not the address object:
    hashing an ``ipaddress`` address formats it as hex first, which made a resync of 2,000
    real servers spend most of its time hashing."""
    return (rs.address.version, int(rs.address), rs.port)


def effective_weight(member: Member, health: Health) -> int:
    return member.server.weight if health.weight is None else health.weight


def weight_sum(pool: Pool, health: Mapping[tuple[object, ...], Health]) -> int:
    """Σ effective weight of the alive members (what quorum is measured against)."""
    total = 0
    for member in pool.members:
        state = health.get(member.key, Health(False))
        if state.alive:
            total += effective_weight(member, state)
    return total


def quorum_up(pool: Pool, total: int, was_up: bool | None) -> bool:
    """keepalived's quorum with hysteresis: gained at ``quorum + hysteresis``, lost below
    ``quorum - hysteresis`` or at 0; the first evaluation (``was_up`` None) uses ``quorum``."""
    if was_up is None:
        return total > 0 and total >= pool.quorum
    if was_up:
        return not (total == 0 or total < pool.quorum - pool.hysteresis)
    return total > 0 and total >= pool.quorum + pool.hysteresis


def desired_servers(
    pool: Pool, health: Mapping[tuple[object, ...], Health], quorum: bool
) -> list[RealServer]:
    """The real servers to program, given each member's health and the quorum state.

    * alive members at their effective weight; failed ones absent, or at weight 0 with
      ``inhibit_on_failure``;
    * quorum lost and a sorry server configured: the members are taken out (inhibited ones
      kept at 0) and the sorry server put in;
    * quorum held: the sorry server is absent, or at weight 0 with ``sorry_server_inhibit``.
    """
    sorry_active = not quorum and pool.sorry_server is not None
    servers: list[RealServer] = []
    for member in pool.members:
        state = health.get(member.key, Health(False))
        if state.alive and not sorry_active:
            weight = effective_weight(member, state)
            # the configured server itself when its weight holds: a copy per evaluation cost
            # 36 us a server (replace() validates again) and its netlink encoding each time
            same = weight == member.server.weight
            servers.append(member.server if same else replace(member.server, weight=weight))
        elif member.inhibit_on_failure:
            servers.append(replace(member.server, weight=0))
    if pool.sorry_server is not None:
        if sorry_active:
            servers.append(pool.sorry_server)
        elif pool.sorry_server_inhibit:
            servers.append(replace(pool.sorry_server, weight=0))
    return servers


@dataclass
class PoolState:
    """A pool and its quorum state across evaluations."""

    pool: Pool
    quorum: bool | None = None

    def evaluate(
        self, health: Mapping[tuple[object, ...], Health]
    ) -> tuple[list[RealServer], str | None]:
        """The servers to program now, and ``"quorum_up"`` / ``"quorum_down"`` when the quorum
        state changed (the caller runs the notify script)."""
        now = quorum_up(self.pool, weight_sum(self.pool, health), self.quorum)
        change = None
        if self.quorum is not None and now != self.quorum:
            change = "quorum_up" if now else "quorum_down"
        self.quorum = now
        return desired_servers(self.pool, health, now), change
