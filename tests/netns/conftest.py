# SPDX-License-Identifier: Apache-2.0
"""The netns tier runs on pytest-xdist workers (scripts/test-all.sh), except the files named in
ALONE: each of them has a bound that a busy machine can break, so they get the ``alone`` marker
and run on their own after the rest (``-m "not alone"`` on the workers, then ``-m alone``).

* test_vrrp_respawn.py: a VRRP child killed as master must be started again, and find its
  state file, within keepalived's Master_Down_Interval (3.6 s), or it rightly does not resume;
  with four workers starting Python processes beside two kernel guests, a process start took
  longer than that (2 runs in 4); alone it passes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ALONE = {"test_vrrp_respawn.py"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "alone: runs after the netns workers, on its own")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).name in ALONE:
            item.add_marker(pytest.mark.alone)
