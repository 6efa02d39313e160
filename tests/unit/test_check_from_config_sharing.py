# SPDX-License-Identifier: Apache-2.0
"""Virtual servers naming the same real servers with the same settings share their members
(made once: 100 of them over 2,000 real servers took 6 s to make 200,000), and a setting of
the virtual server that changes a member still gives it its own."""

from __future__ import annotations

from pyipvs.config import parse_config
from pyipvs.daemon.check.from_config import services_from_config

REAL_SERVERS = """
    real_server 127.0.0.2 8080 {
        TCP_CHECK {
            connect_timeout 2
        }
    }
    real_server 127.0.0.3 8080 {
        weight 3
        TCP_CHECK {
            connect_timeout 2
        }
    }
"""


def block(address: str, extra: str = "") -> str:
    return (
        f"virtual_server {address} 80 {{\n    delay_loop 1\n    lb_algo rr\n    protocol TCP\n"
        f"{extra}{REAL_SERVERS}}}\n"
    )


def test_equal_real_servers_of_equal_virtual_servers_are_one_member() -> None:
    text = block("10.0.0.5") + block("10.0.0.6") + block("10.0.0.7", "    inhibit_on_failure\n")
    specs = services_from_config(parse_config(text).config)
    first, second, inhibiting = specs
    assert [m is n for m, n in zip(first.members, second.members, strict=True)] == [True, True]
    assert all(m is not n for m, n in zip(first.members, inhibiting.members, strict=True))
    assert [m.member.inhibit_on_failure for m in inhibiting.members] == [True, True]
    assert [m.member.server.weight for m in second.members] == [1, 3]
    assert first.service != second.service  # the services stay their own
