# SPDX-License-Identifier: Apache-2.0
"""Thin layer over csrc/netns.c: files opened inside another network namespace."""

from __future__ import annotations

from pyipvs._bindings.check import check_rc
from pyipvs._native import lib


def open_in_netns(netns_fd: int, path: str) -> int:
    """An fd for path opened inside the network namespace netns_fd (the calling thread
    switches in with setns and back; the open file stays bound to that namespace)."""
    return check_rc(lib.pyipvs_open_in_netns(netns_fd, path.encode()), f"open {path}")


__all__ = ["open_in_netns"]
