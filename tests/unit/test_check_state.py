# SPDX-License-Identifier: Apache-2.0
"""Rise, fall and retry as keepalived counts them; a real server up only when all pass."""

from __future__ import annotations

import pytest

from pyipvs.check import CheckerState, ProbeResult, Schedule, ServerHealth, Transition

OK, KO = ProbeResult(True), ProbeResult(False)


def run(state: CheckerState, results: str) -> list[tuple[Transition | None, float, bool]]:
    steps = []
    for mark in results:
        step = state.observe(OK if mark == "+" else KO)
        steps.append((step.transition, step.next_delay, state.up))
    return steps


SCHED = Schedule(delay_loop=6, retry=2, delay_before_retry=1)


def test_optimistic_start_goes_down_on_the_first_failure() -> None:
    state = CheckerState(SCHED)
    assert state.up
    assert run(state, "-") == [(Transition.DOWN, 6, False)]


def test_after_a_success_retry_plus_one_failures_bring_it_down() -> None:
    state = CheckerState(SCHED)
    assert run(state, "+---") == [
        (None, 6, True),
        (None, 1, True),  # first failure: retry after delay_before_retry
        (None, 1, True),
        (Transition.DOWN, 6, False),  # retry + 1 = 3 failed attempts
    ]


def test_a_success_between_failures_resets_the_retries() -> None:
    state = CheckerState(SCHED)
    assert [t for t, _, _ in run(state, "+--+--")] == [None] * 6
    assert state.up


def test_down_comes_up_on_the_first_success_and_stays_down_on_failures() -> None:
    state = CheckerState(SCHED)
    assert run(state, "--+") == [
        (Transition.DOWN, 6, False),
        (None, 6, False),  # down: no retries, plain delay_loop
        (Transition.UP, 6, True),
    ]


def test_alpha_starts_down() -> None:
    state = CheckerState(Schedule(alpha=True, retry=3))
    assert not state.up
    assert run(state, "-+") == [(None, 60, False), (Transition.UP, 60, True)]


def test_retry_zero_goes_down_at_once() -> None:
    state = CheckerState(Schedule(retry=0))
    assert run(state, "+-") == [(None, 60, True), (Transition.DOWN, 60, False)]


def test_dynamic_weight_change_is_reported() -> None:
    state = CheckerState(Schedule())
    assert state.observe(ProbeResult(True, weight=5)).weight_changed
    assert not state.observe(ProbeResult(True, weight=5)).weight_changed
    assert state.observe(ProbeResult(True, weight=7)).weight_changed and state.weight == 7


def test_warmup_defaults_to_delay_loop() -> None:
    assert Schedule(delay_loop=9).first_delay_span == 9
    assert Schedule(delay_loop=9, warmup=2).first_delay_span == 2


def test_server_is_up_only_while_every_checker_passes() -> None:
    health = ServerHealth.starting({"tcp": True, "http": True})
    assert health.up
    assert health.update("tcp", False) is Transition.DOWN
    assert health.update("http", False) is None
    assert health.update("tcp", True) is None  # http still down
    assert health.update("http", True) is Transition.UP


def test_server_with_an_alpha_checker_starts_down() -> None:
    health = ServerHealth.starting({"tcp": True, "misc": False})
    assert not health.up
    assert health.update("misc", True, weight=4) is Transition.UP
    assert health.weight == 4


def test_unknown_checker_is_refused() -> None:
    with pytest.raises(KeyError):
        ServerHealth.starting({"a": True}).update("b", True)
