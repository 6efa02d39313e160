# SPDX-License-Identifier: Apache-2.0
"""What the configuration promises, read from it with :mod:`pyipvs.config`: the traffic split
the weights ask for, how soon the backup must take over, how soon a dead real server must leave
the pool. The lab shows each measurement next to its bound; the tests check the bound (a
correctness limit derived from the config's formula, not a speed claim)."""

from __future__ import annotations

from dataclasses import dataclass

from pyipvs.config import (
    CheckerConfig,
    HttpGet,
    RealServerConfig,
    VirtualServerConfig,
    parse_config,
)

MARGIN = 3.0  # seconds: scheduling on a shared machine, GARP, the prober's own timeout
CONNECT_TIMEOUT = 5.0  # keepalived's default connect_timeout
RETRY = 1  # keepalived 2.2.7's default retry for TCP_CHECK and HTTP_GET
DELAY_BEFORE_RETRY = {"HTTP_GET": 3.0}  # keepalived's defaults: 3 s for HTTP_GET, else 1 s


@dataclass(frozen=True)
class Bounds:
    weights: dict[str, int]  # real server address:port -> weight
    advert_int: float
    backup_priority: int
    checker_limits: dict[str, float]  # real server address:port -> seconds to leave the pool

    def share(self, address: str) -> float:
        """The part of new clients wlc gives ``address`` (its weight over the sum)."""
        return self.weights[address] / sum(self.weights.values())

    @property
    def master_down_interval(self) -> float:
        """RFC 3768 §6.1: 3 x Advertisement_Interval + Skew_Time, Skew_Time =
        (256 - Priority) / 256 (scaled by the interval, as keepalived does)."""
        return 3 * self.advert_int + (256 - self.backup_priority) / 256 * self.advert_int

    @property
    def failover_limit(self) -> float:
        return self.master_down_interval + MARGIN


def _checker_limit(vs: VirtualServerConfig, rs: RealServerConfig, check: CheckerConfig) -> float:
    """delay_loop + every try's connect_timeout + every retry's delay_before_retry + margin:
    the longest a dead server may stay in the pool (the checker may have just run)."""

    def pick(*values: float | None, default: float) -> float:
        return next((value for value in values if value is not None), default)

    delay_loop = pick(check.delay_loop, rs.delay_loop, vs.delay_loop, default=60.0)
    timeout = pick(
        check.connect_timeout, rs.connect_timeout, vs.connect_timeout, default=CONNECT_TIMEOUT
    )
    retry = int(pick(check.retry, rs.retry, vs.retry, default=RETRY))
    wait = pick(
        check.delay_before_retry,
        rs.delay_before_retry,
        vs.delay_before_retry,
        default=DELAY_BEFORE_RETRY.get(check.kind, 1.0),
    )
    if isinstance(check, HttpGet):
        timeout *= 2  # connect, then read the page: each may take connect_timeout
    return delay_loop + (retry + 1) * timeout + retry * wait + MARGIN


def bounds_of(config_text: str) -> Bounds:
    """The bounds of the backup load balancer's config (the one that takes over)."""
    config = parse_config(config_text).config
    instance = config.vrrp_instances[0]
    vs = config.virtual_servers[0]
    weights, limits = {}, {}
    for rs in vs.real_servers:
        key = f"{rs.address}:{rs.port or vs.port}"
        weights[key] = rs.weight
        limits[key] = max(_checker_limit(vs, rs, check) for check in rs.checkers)
    return Bounds(weights, instance.advert_int, instance.priority, limits)


__all__ = ["MARGIN", "Bounds", "bounds_of"]
