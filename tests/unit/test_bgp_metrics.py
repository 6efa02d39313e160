# SPDX-License-Identifier: Apache-2.0
"""The announcer seen from outside: its status in ``check.sock``'s document, its Prometheus
families, and the warning when a reload changes ``pyipvs_bgp``."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable
from typing import Any

import pytest

from pyipvs.config.model import BgpConfig
from pyipvs.daemon.bgp.announcer import Announcer
from pyipvs.daemon.bgp.bird import IPNetwork, SpeakerError
from pyipvs.daemon.bgp.wiring import add_status, warn_if_block_changed
from pyipvs.daemon.state.metrics import exposition

A = ipaddress.ip_network("10.0.0.1/32")


class Unreachable:
    """A speaker whose control channel is gone (BIRD is not ours: a stand-in)."""

    name = "bird"

    def write(self, networks: Iterable[IPNetwork]) -> None:
        pass

    async def publish(self, networks: Iterable[IPNetwork]) -> None:
        raise SpeakerError("/run/bird/bird.ctl: No such file or directory")

    async def identity(self) -> str:
        raise SpeakerError("/run/bird/bird.ctl: No such file or directory")


class Server:
    def __init__(self) -> None:
        self.snapshot = lambda: {"checkers": {"virtual_servers": []}, "vrrp": None}


def down_announcer() -> Announcer:
    announcer = Announcer(Unreachable())
    announcer.want([A])
    asyncio.run(announcer.attempt())
    return announcer


def test_the_status_document_gets_a_bgp_section() -> None:
    server = Server()
    add_status(server, down_announcer())
    section: dict[str, Any] = server.snapshot()["checkers"]["bgp"]
    assert section["state"] == "down"
    assert section["wanted"] == ["10.0.0.1/32"] and section["announced"] is None
    assert section["last_error"] == "/run/bird/bird.ctl: No such file or directory"


def test_the_exposition_says_the_speaker_is_down_and_the_route_not_taken() -> None:
    server = Server()
    add_status(server, down_announcer())
    doc = server.snapshot()
    doc["checkers"].update(
        loop={
            k: 0
            for k in (
                "runs",
                "overruns",
                "stalls",
                "loop_lag_max",
                "lateness_p50",
                "lateness_p99",
                "lateness_max",
            )
        }
    )
    text = exposition(doc)
    assert 'pyipvs_bgp_speaker_up{speaker="bird"} 0' in text
    assert 'pyipvs_bgp_errors_total{speaker="bird"} 1' in text
    assert 'pyipvs_bgp_route_announced{speaker="bird",prefix="10.0.0.1/32"} 0' in text


def test_no_block_no_section() -> None:
    server = Server()
    add_status(server, None)
    assert "bgp" not in server.snapshot()["checkers"]


def test_a_reload_that_changes_the_block_says_it_waits_for_a_restart(
    caplog: pytest.LogCaptureFixture,
) -> None:
    warn_if_block_changed(BgpConfig(), BgpConfig())
    warn_if_block_changed(None, None)
    assert caplog.records == []
    warn_if_block_changed(BgpConfig(), BgpConfig(protocol="other"))
    warn_if_block_changed(BgpConfig(), None)
    assert [r.levelname for r in caplog.records] == ["WARNING", "WARNING"]
    assert "stay until the daemon restarts" in caplog.records[0].getMessage()
