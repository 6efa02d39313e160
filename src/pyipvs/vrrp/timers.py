# SPDX-License-Identifier: Apache-2.0
"""VRRP timer formulas (RFC 3768 section 6.1, RFC 5798 section 6.1), in seconds.

keepalived computes them in microseconds from the *effective* priority and multiplies by
``down_timer_adverts`` (default 3) instead of the RFC's literal 3; RFC 5798 counts in whole
centiseconds. Both are offered: ``centiseconds=True`` truncates the v3 Skew_Time to whole
centiseconds as the RFC's integer arithmetic does (FRR does the same), the default keeps
keepalived's microsecond resolution.
"""

from __future__ import annotations


def skew_time(
    version: int, priority: int, master_adver_interval: float, *, centiseconds: bool = False
) -> float:
    """Skew_Time: how much sooner a higher-priority backup declares the master down.

    RFC 3768 section 6.1 (v2): ``(256 - Priority) / 256`` seconds, whatever the interval.
    RFC 5798 section 6.1 (v3): ``((256 - Priority) * Master_Adver_Interval) / 256``.
    """
    if version == 2:
        return _microseconds((256 - priority) / 256)
    if centiseconds:
        return ((256 - priority) * round(master_adver_interval * 100)) // 256 / 100
    return _microseconds((256 - priority) * master_adver_interval / 256)


def master_down_interval(
    version: int,
    priority: int,
    master_adver_interval: float,
    *,
    down_timer_adverts: int = 3,
    centiseconds: bool = False,
) -> float:
    """Master_Down_Interval: ``3 * Master_Adver_Interval + Skew_Time`` (RFC 3768 / RFC 5798
    section 6.1), with keepalived's ``down_timer_adverts`` in place of the 3."""
    skew = skew_time(version, priority, master_adver_interval, centiseconds=centiseconds)
    return _microseconds(down_timer_adverts * master_adver_interval + skew)


def _microseconds(seconds: float) -> float:
    # keepalived's timer resolution; also keeps float noise out of the golden files.
    return round(seconds, 6)
