# SPDX-License-Identifier: Apache-2.0
"""TCP_CHECK: the server is up when a TCP connection to it completes within
``connect_timeout`` (check_tcp.c); the connection is closed at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pyipvs.check.connect import Target, connect_tcp, failure_reason
from pyipvs.check.result import ProbeResult, failed, passed
from pyipvs.check.tcp_batch import TcpConnector

_CONNECTED = passed("connected")  # immutable: one for every successful check


def tcp_verdict(error: BaseException | None) -> ProbeResult:
    return _CONNECTED if error is None else failed(failure_reason(error))


@dataclass(frozen=True)
class TcpProbe:
    target: Target
    kind = "TCP_CHECK"

    async def run(self) -> ProbeResult:
        try:
            sock = await connect_tcp(self.target)
        except (OSError, TimeoutError) as exc:
            return tcp_verdict(exc)
        sock.close()
        return tcp_verdict(None)

    def start(
        self, connector: TcpConnector, done: Callable[[ProbeResult], None], now: float | None = None
    ) -> None:
        """The scheduler's fast path: the same verdict through ``connector``, no task."""
        connector.connect(self.target, lambda error: done(tcp_verdict(error)), now)
