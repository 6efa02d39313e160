"""Smaller differences from keepalived 2.2.7 -t (issue #17) that now match it: the messages
and what is kept (the exit statuses are checked against the real keepalived on the same corpus
files by tests/netns/test_keepalived_differential.py)."""

from __future__ import annotations

from pathlib import Path

from pyipvs.config import read_config

CORPUS = Path(__file__).resolve().parent.parent / "data" / "keepalived"


def messages(name: str) -> list[tuple[int, str]]:
    return [(d.line, d.message) for d in read_config(str(CORPUS / name)).diagnostics]


def test_virtual_server_with_a_bad_port_is_skipped() -> None:
    result = read_config(str(CORPUS / "vs_port_negative.conf"))
    assert result.config.virtual_servers == ()
    assert (3, "Invalid virtual server IP address/port 10.0.0.5/-1 - skipping") in messages(
        "vs_port_negative.conf"
    )


def test_vip_prefix_too_long_is_a_host_address() -> None:
    result = read_config(str(CORPUS / "vip_prefix_99.conf"))
    (instance,) = result.config.vrrp_instances
    assert [str(v.address) for v in instance.virtual_ipaddress] == ["10.0.0.5/32"]
    assert (9, "Invalid address prefix len 99 for address 10.0.0.5/99 - using 32") in messages(
        "vip_prefix_99.conf"
    )
