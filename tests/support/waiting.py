# SPDX-License-Identifier: Apache-2.0
"""Waiting for what a daemon under test does: a bound on the wait (generous, never a timing
assertion) and, when it runs out, the daemon's logs in the failure."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

PATIENCE = 40.0  # seconds; a bound on waiting on a loaded machine, not a claim about speed


def wait_for(
    what: Callable[[], object], description: str, *logs: Path, patience: float = PATIENCE
) -> None:
    """Polls *what* until it is true; past *patience* fails with *description* and the logs."""
    deadline = time.monotonic() + patience
    while not what():
        if time.monotonic() > deadline:
            text = "\n".join(log.read_text() for log in logs)
            raise AssertionError(f"never happened: {description}\n{text}")
        time.sleep(0.05)


def pid_in(path: Path) -> int:
    """The process id a pid file holds, 0 while it is missing or half-written."""
    try:
        return int(path.read_text())
    except (FileNotFoundError, ValueError):
        return 0
