# SPDX-License-Identifier: Apache-2.0
"""Which children the daemon starts (keepalived's ``running_vrrp`` / ``running_checker``) and
which reload it refuses (:func:`pyipvs.daemon.main.refusal`)."""

from __future__ import annotations

import pytest

from pyipvs.config import parse_config
from pyipvs.daemon.main import child_wait_time, network_namespace, refusal, wanted_children
from pyipvs.daemon.options import parse_options

VRRP = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 5\n priority 100\n}\n"
LVS = "virtual_server 10.0.0.5 80 {\n protocol TCP\n real_server 10.0.1.1 80 {\n }\n}\n"
STATIC = "static_ipaddress {\n 192.0.2.1/32 dev lo\n}\n"


@pytest.mark.parametrize(
    ("flags", "text", "children"),
    [
        ([], VRRP + LVS, ["VRRP", "Healthcheck"]),
        ([], VRRP, ["VRRP"]),
        ([], STATIC, ["VRRP"]),  # static addresses are the VRRP child's too
        ([], LVS, ["Healthcheck"]),
        ([], "global_defs {\n}\n", []),
        (["-P"], VRRP + LVS, ["VRRP"]),
        (["-C"], VRRP + LVS, ["Healthcheck"]),
        (["-C"], VRRP, []),
        (["-P", "-C"], VRRP + LVS, []),  # keepalived clears both: nothing runs
        (["--all"], "global_defs {\n}\n", ["VRRP", "Healthcheck"]),
        (["--all", "-C"], "", ["Healthcheck"]),  # keepalived: a -C after --all still counts
    ],
)
def test_children(flags: list[str], text: str, children: list[str]) -> None:
    config = parse_config(text).config
    assert wanted_children(parse_options(flags), config) == children


@pytest.mark.parametrize(
    ("text", "at_start", "at_reload"),
    [
        (VRRP, 0, 0),
        (VRRP + "bogus_keyword\n", 0, 0),  # a warning: logged, not refused
        (VRRP + "vrrp_instance VI_2 {\n state SLAVE\n", 0, 1),  # an error (kept), braces open
        (VRRP.rsplit("}", 1)[0], 0, 1),  # truncated: a brace left open
        (VRRP + "}\n", 0, 1),  # an extra brace
        ("include /nonexistent/x.conf\n" + VRRP, 0, 0),
        ("includem /nonexistent/x.conf\n" + VRRP, 1, 1),  # a failed include check
    ],
)
def test_refusal(text: str, at_start: int, at_reload: int) -> None:
    result = parse_config(text, name="/etc/keepalived/keepalived.conf")
    assert len(refusal(result, strict=False, reloading=False)) == at_start
    reload = refusal(result, strict=False, reloading=True)
    assert len(reload) == at_reload
    assert all(line.startswith("/etc/keepalived/keepalived.conf:") for line in reload)
    assert len(refusal(result, strict=True, reloading=False)) == len(result.diagnostics)


def test_child_wait_time() -> None:
    assert child_wait_time(parse_config(VRRP).config) == 5.0  # keepalived's CHILD_WAIT_SECS
    assert child_wait_time(parse_config("child_wait_time 12\n" + VRRP).config) == 12.0


def test_the_namespace_from_the_file_unless_s() -> None:
    config = parse_config("net_namespace lb\n" + VRRP).config
    assert network_namespace(None, config) == "lb"
    assert network_namespace("other", config) == "other"
    assert network_namespace(None, parse_config(VRRP).config) is None
