# SPDX-License-Identifier: Apache-2.0
"""``sync_daemon``'s two roles against a stand-in for the kernel's IPVS handle: both started,
a role already running left to its owner, a failure logged, only what was started stopped.
The kernel itself runs them in tests/kernel/test_bgp_rehash.py."""

from __future__ import annotations

import errno
import logging
from typing import Any

import pytest

from pyipvs.daemon.bgp.syncd import both_roles
from pyipvs.errors import DaemonRunning, InvalidArgument


class Kernel:
    def __init__(self, refuse: dict[str, Exception] | None = None) -> None:
        self.refuse = refuse or {}
        self.calls: list[tuple[Any, ...]] = []

    def start_sync_daemon(self, daemon: Any) -> None:
        self.calls.append(("start", daemon.state, daemon.interface, daemon.syncid))
        if daemon.state in self.refuse:
            raise self.refuse[daemon.state]

    def stop_sync_daemon(self, state: str, syncid: int | None = None) -> None:
        self.calls.append(("stop", state, syncid))


def test_both_roles_for_the_block_then_stopped() -> None:
    kernel = Kernel()
    with both_roles(kernel, ("eth1", 19)) as started:  # type: ignore[arg-type]
        assert started == ["master", "backup"]
    assert kernel.calls == [
        ("start", "master", "eth1", 19),
        ("start", "backup", "eth1", 19),
        ("stop", "master", 19),
        ("stop", "backup", 19),
    ]


def test_a_running_role_is_left_and_a_failure_logged(caplog: pytest.LogCaptureFixture) -> None:
    kernel = Kernel(
        {"master": DaemonRunning(errno.EEXIST), "backup": InvalidArgument(errno.ENODEV, "no eth9")}
    )
    with caplog.at_level(logging.INFO, "pyipvs.daemon"), both_roles(kernel, ("eth9", 0)) as started:  # type: ignore[arg-type]
        assert started == []
    assert [c[0] for c in kernel.calls] == ["start", "start"]  # nothing stopped
    assert "already runs: left as it is" in caplog.text
    assert "cannot start the IPVS backup sync daemon on eth9" in caplog.text


def test_no_spec_no_daemon() -> None:
    kernel = Kernel()
    with both_roles(kernel, None) as started:  # type: ignore[arg-type]
        assert started == []
    assert kernel.calls == []
