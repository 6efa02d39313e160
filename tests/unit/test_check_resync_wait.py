# SPDX-License-Identifier: Apache-2.0
"""The checker's periodic resync backs off when a listing is slow (a large table), so it
stays a small share of a CPU; a quick listing keeps the configured interval."""

from __future__ import annotations

import pytest

from pyipvs.daemon.check.process import RESYNC_SHARE, resync_wait


def test_quick_listing_keeps_the_interval() -> None:
    assert resync_wait(2.0, 0.001) == 2.0


@pytest.mark.parametrize("took", [0.05, 0.55, 3.0])
def test_slow_listing_stretches_the_wait(took: float) -> None:
    wait = resync_wait(2.0, took)
    assert wait >= 2.0
    assert took / (took + wait) <= RESYNC_SHARE
