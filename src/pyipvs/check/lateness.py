# SPDX-License-Identifier: Apache-2.0
"""How late checks start against their schedule: a bounded window of recent samples."""

from __future__ import annotations

import itertools
from collections import deque


class LatenessWindow:
    def __init__(self, size: int = 100_000) -> None:
        self._samples: deque[float] = deque(maxlen=size)
        self.count = 0
        self.worst = 0.0

    def add(self, lateness: float) -> None:
        lateness = max(0.0, lateness)
        self._samples.append(lateness)
        self.count += 1
        self.worst = max(self.worst, lateness)

    def reset(self) -> None:
        self._samples.clear()
        self.count = 0
        self.worst = 0.0

    def percentiles(self, recent: int | None = None) -> dict[str, float]:
        """p50 and p99 of the window (or of its *recent* last samples: cheaper), and the
        worst lateness ever seen."""
        if not self._samples:
            return {"lateness_p50": 0.0, "lateness_p99": 0.0, "lateness_max": self.worst}
        if recent is not None and recent < len(self._samples):
            ordered = sorted(itertools.islice(self._samples, len(self._samples) - recent, None))
        else:
            ordered = sorted(self._samples)
        last = len(ordered) - 1
        return {
            "lateness_p50": ordered[last * 50 // 100],
            "lateness_p99": ordered[last * 99 // 100],
            "lateness_max": self.worst,
        }
