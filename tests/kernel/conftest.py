"""Fixtures of the kernel tier beyond the shared ones in tests/conftest.py."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator

import pytest


@pytest.fixture
def peer_netns(ipvs_netns: str) -> Iterator[str]:
    """A second fresh namespace (``netns`` and ``ipvs_netns`` are one and the same), e.g. for
    ipvsadm to build the same state in."""
    name = f"pyipvs-peer-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
    try:
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)
