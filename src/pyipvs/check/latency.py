# SPDX-License-Identifier: Apache-2.0
"""How long probe runs take: cumulative buckets, as a Prometheus histogram counts them."""

from __future__ import annotations

from bisect import bisect_left

#: Upper bounds in seconds: a loopback connect is well under 1 ms, a checker timeout is seconds.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class LatencyHistogram:
    """Counts of runs at or under each bound in :data:`BUCKETS` (plus the ones above all),
    their sum and their number."""

    def __init__(self) -> None:
        self._counts = [0] * (len(BUCKETS) + 1)
        self.count = 0
        self.sum = 0.0

    def add(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self._counts[bisect_left(BUCKETS, seconds)] += 1
        self.count += 1
        self.sum += seconds

    def cumulative(self) -> list[tuple[float, int]]:
        """``(upper bound, runs at or under it)`` for every bound, ending with ``inf``."""
        out: list[tuple[float, int]] = []
        total = 0
        for bound, count in zip((*BUCKETS, float("inf")), self._counts, strict=True):
            total += count
            out.append((bound, total))
        return out
