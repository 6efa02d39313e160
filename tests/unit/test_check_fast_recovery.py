# SPDX-License-Identifier: Apache-2.0
"""``fast_recovery``: in keepalived 2.2.7 (check_http.c epilog) HTTP_GET checks one url per
``delay_loop``, and ``fast_recovery`` runs the next url at once while the checker is down
after its failed url passed (and before its first full round), so a recovering server is up
as soon as every url passed. pyipvs checks every url of a round back to back and a down
checker comes up on its first successful round: always what ``fast_recovery`` asks for."""

from __future__ import annotations

import pytest

from pyipvs.check import CheckerState, ProbeResult, Schedule, Transition
from pyipvs.config import parse_config
from pyipvs.daemon.check.from_config import services_from_config

CONFIG = """virtual_server 10.0.0.5 80 {{
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.168.1.1 80 {{
        HTTP_GET {{
            {flag}
            url {{
                path /a
            }}
            url {{
                path /b
            }}
        }}
    }}
}}
"""


@pytest.mark.parametrize("flag", ["", "fast_recovery", "fast_recovery on", "fast_recovery no"])
def test_fast_recovery_accepted_and_the_check_is_the_same(flag: str) -> None:
    result = parse_config(CONFIG.format(flag=flag))
    assert [d.message for d in result.diagnostics] == []
    check = services_from_config(result.config)[0].members[0].checks[0]
    plain = services_from_config(parse_config(CONFIG.format(flag="")).config)[0]
    assert check == plain.members[0].checks[0]  # one shared check, both urls in each round
    assert [u.path for u in check.probe.urls] == ["/a", "/b"]  # type: ignore[attr-defined]


def test_a_down_checker_is_up_on_its_first_passing_round() -> None:
    state = CheckerState(Schedule(delay_loop=5, retry=2, delay_before_retry=1))
    failure, success = ProbeResult(False, "HTTP status code 503"), ProbeResult(True, "ok")
    while state.up:
        state.observe(failure)
    step = state.observe(success)
    assert step.transition is Transition.UP and step.next_delay == 5
