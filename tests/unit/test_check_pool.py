# SPDX-License-Identifier: Apache-2.0
"""keepalived's pool rules: health, inhibit_on_failure, dynamic weights, quorum with
hysteresis, sorry server (and sorry_server_inhibit)."""

from __future__ import annotations

from pyipvs import RealServer
from pyipvs.daemon.check.pool import (
    Health,
    Member,
    Pool,
    PoolState,
    desired_servers,
    quorum_up,
    server_key,
)

A = RealServer("10.1.0.1", 80, weight=3, forward="masq")
B = RealServer("10.1.0.2", 80, weight=2, forward="masq")
SORRY = RealServer("10.1.0.99", 80, weight=1, forward="masq")


def key(rs: RealServer) -> tuple[object, ...]:
    return server_key(rs)


def health(**alive: bool | int) -> dict[tuple[object, ...], Health]:
    """health(a=True, b=False); an int is alive with that dynamic weight."""
    result = {}
    for name, state in alive.items():
        rs = A if name == "a" else B
        if isinstance(state, bool):
            result[key(rs)] = Health(state)
        else:
            result[key(rs)] = Health(True, state)
    return result


def weights(servers: list[RealServer]) -> dict[str, int]:
    return {str(rs.address): rs.weight for rs in servers}


def test_alive_servers_at_their_weight_failed_ones_absent() -> None:
    pool = Pool((Member(A), Member(B)))
    assert weights(desired_servers(pool, health(a=True, b=False), True)) == {"10.1.0.1": 3}


def test_inhibit_on_failure_keeps_a_failed_server_at_weight_0() -> None:
    pool = Pool((Member(A), Member(B, inhibit_on_failure=True)))
    assert weights(desired_servers(pool, health(a=True, b=False), True)) == {
        "10.1.0.1": 3,
        "10.1.0.2": 0,
    }


def test_dynamic_weight_replaces_the_configured_one() -> None:
    pool = Pool((Member(A), Member(B)))
    assert weights(desired_servers(pool, health(a=7, b=True), True)) == {
        "10.1.0.1": 7,
        "10.1.0.2": 2,
    }


def test_quorum_hysteresis() -> None:
    pool = Pool((Member(A), Member(B)), quorum=4, hysteresis=1)
    assert quorum_up(pool, 4, None) and not quorum_up(pool, 3, None)
    # held: lost only below quorum - hysteresis = 3
    assert quorum_up(pool, 3, True) and not quorum_up(pool, 2, True)
    # lost: gained again only at quorum + hysteresis = 5
    assert not quorum_up(pool, 4, False) and quorum_up(pool, 5, False)
    assert not quorum_up(Pool((), quorum=0), 0, True)  # weight 0 is always a loss


def test_sorry_server_replaces_the_pool_when_quorum_is_lost() -> None:
    state = PoolState(Pool((Member(A), Member(B)), quorum=4, sorry_server=SORRY))
    servers, change = state.evaluate(health(a=True, b=True))
    assert weights(servers) == {"10.1.0.1": 3, "10.1.0.2": 2} and change is None
    servers, change = state.evaluate(health(a=True, b=False))  # 3 < 4
    assert weights(servers) == {"10.1.0.99": 1} and change == "quorum_down"
    servers, change = state.evaluate(health(a=True, b=True))
    assert weights(servers) == {"10.1.0.1": 3, "10.1.0.2": 2} and change == "quorum_up"


def test_sorry_server_inhibit_keeps_it_at_weight_0_while_quorum_holds() -> None:
    pool = Pool((Member(A),), quorum=1, sorry_server=SORRY, sorry_server_inhibit=True)
    assert weights(desired_servers(pool, health(a=True), True)) == {
        "10.1.0.1": 3,
        "10.1.0.99": 0,
    }


def test_without_a_sorry_server_losing_quorum_keeps_the_alive_servers() -> None:
    state = PoolState(Pool((Member(A), Member(B)), quorum=4))
    state.evaluate(health(a=True, b=True))
    servers, change = state.evaluate(health(a=True, b=False))
    assert weights(servers) == {"10.1.0.1": 3} and change == "quorum_down"


def test_at_start_with_nothing_alive_the_sorry_server_is_in() -> None:
    state = PoolState(Pool((Member(A),), sorry_server=SORRY))
    servers, change = state.evaluate(health(a=False))
    assert weights(servers) == {"10.1.0.99": 1} and change is None  # first evaluation
