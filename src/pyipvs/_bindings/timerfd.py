# SPDX-License-Identifier: Apache-2.0
"""Thin layer over csrc/timerfd.c: one-shot CLOCK_MONOTONIC timers as file descriptors."""

from __future__ import annotations

from pyipvs._bindings.check import check_rc
from pyipvs._native import lib


def timerfd_open() -> int:
    """A non-blocking, close-on-exec timerfd on CLOCK_MONOTONIC (the caller closes it)."""
    return check_rc(lib.pyipvs_timerfd_open(), "timerfd_create")


def timerfd_arm(fd: int, deadline: float) -> None:
    """Arms *fd* to expire once at *deadline* (``time.monotonic()`` seconds; 0 disarms)."""
    check_rc(lib.pyipvs_timerfd_arm(fd, deadline), "timerfd_settime")


def timerfd_ack(fd: int) -> int:
    """How many times *fd* expired since it was armed or last read (0: not yet)."""
    return check_rc(lib.pyipvs_timerfd_ack(fd), "read timerfd")


__all__ = ["timerfd_ack", "timerfd_arm", "timerfd_open"]
