# SPDX-License-Identifier: Apache-2.0
"""keepalived.conf -> services, pools and checks: defaults cascade, groups expand, and equal
checks of a real server named by several virtual servers are one shared check."""

from __future__ import annotations

from pyipvs import VirtualService
from pyipvs.check import CheckScheduler, HttpProbe, MiscProbe, TcpProbe
from pyipvs.config import parse_config
from pyipvs.daemon.check.from_config import services_from_config

CONFIG = """
virtual_server_group WEB {
    10.0.0.10-12 80
    fwmark 9
}
virtual_server 10.0.0.5 80 {
    delay_loop 6
    lb_algo rr
    lb_kind DR
    protocol TCP
    connect_timeout 7
    retry 4
    quorum 2
    hysteresis 1
    sorry_server 10.0.0.99 8080
    virtualhost www.example
    real_server 192.168.1.1 80 {
        weight 2
        inhibit_on_failure
        delay_before_retry 2
        HTTP_GET {
            url {
                path /health
                digest 0123456789abcdef0123456789abcdef
                status_code 200-204
            }
            http_protocol 1.1
            connect_port 8080
        }
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
}
virtual_server group WEB {
    delay_loop 6
    lb_algo wlc
    lb_kind NAT
    protocol TCP
    connect_timeout 7
    retry 4
    real_server 192.168.1.1 80 {
        delay_before_retry 2
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
        MISC_CHECK {
            misc_path "/usr/local/bin/check --fast"
            misc_dynamic
        }
    }
}
"""


def specs():  # type: ignore[no-untyped-def]
    result = parse_config(CONFIG)
    return services_from_config(result.config)


def test_groups_expand_to_one_service_per_address_and_fwmark() -> None:
    services = [s.service for s in specs()]
    assert services[0] == VirtualService("tcp", "10.0.0.5", 80, scheduler="rr")
    assert services[1:] == [
        VirtualService("tcp", "10.0.0.10", 80),
        VirtualService("tcp", "10.0.0.11", 80),
        VirtualService("tcp", "10.0.0.12", 80),
        VirtualService(fwmark=9),
    ]
    assert [s.label for s in specs()][-1] == "FWM 9"


def test_pool_and_member_settings() -> None:
    first = specs()[0]
    member = first.members[0].member
    assert member.server.weight == 2 and member.server.forward == "route"
    assert member.inhibit_on_failure
    assert (first.pool.quorum, first.pool.hysteresis) == (2, 1)
    assert first.pool.sorry_server is not None and first.pool.sorry_server.port == 8080
    assert specs()[1].members[0].member.server.forward == "masq"


def test_defaults_cascade_checker_then_real_server_then_virtual_server() -> None:
    http, tcp = specs()[0].members[0].checks
    assert isinstance(http.probe, HttpProbe) and isinstance(tcp.probe, TcpProbe)
    assert http.probe.target.port == 8080 and http.probe.target.connect_timeout == 7
    assert http.probe.virtualhost == "www.example" and http.probe.protocol == "1.1"
    url = http.probe.urls[0]
    assert (url.path, url.status_code) == ("/health", ((200, 204),))
    assert url.digest == "0123456789abcdef0123456789abcdef"
    assert (http.schedule.delay_loop, http.schedule.retry, http.schedule.delay_before_retry) == (
        6,
        4,
        2,
    )
    assert (tcp.probe.target.connect_timeout, tcp.schedule.retry) == (1, 0)
    misc = specs()[1].members[0].checks[1]
    assert isinstance(misc.probe, MiscProbe)
    assert misc.probe.dynamic and misc.probe.timeout == 6  # misc_timeout defaults to delay_loop


def test_a_real_server_named_by_five_services_is_checked_once_per_check() -> None:
    scheduler = CheckScheduler()
    subscriptions = 0
    for spec in specs():
        for member in spec.members:
            for check in member.checks:
                scheduler.subscribe(check, lambda event: None)
                subscriptions += 1
    # 2 checks on the first VS + (TCP + MISC) x 4 group services; the TCP check is the same
    # everywhere, so 3 distinct checks run
    assert subscriptions == 10
    assert scheduler.checks == 3


def _flags(body: str) -> tuple[frozenset[str], list[str]]:
    text = f"virtual_server 10.0.0.5 80 {{\n{body}    real_server 10.1.1.1 80 {{\n    }}\n}}\n"
    result = parse_config(text, name="k.conf")
    warnings = [str(d) for d in result.diagnostics if "applies" in d.message]
    return services_from_config(result.config)[0].service.sched_flags, warnings


def test_scheduler_flags_reach_the_service_as_keepalived_applies_them() -> None:
    # keepalived 2.2.7 -t: sh-*/mh-* count only after their scheduler, flag-N always
    assert _flags("    lb_algo mh\n    mh-port\n    mh-fallback\n") == (
        frozenset({"mh-port", "mh-fallback"}),
        [],
    )
    assert _flags("    mh-port\n    lb_algo mh\n") == (
        frozenset(),
        ["k.conf:2: mh-port only applies to sh scheduler - ignoring"],
    )
    assert _flags("    lb_algo rr\n    flag-2\n") == (frozenset({"flag-2"}), [])
    assert _flags("    lb_algo sh\n    sh-port\n") == (frozenset({"sh-port"}), [])
