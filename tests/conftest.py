"""Test tiers and shared fixtures.

Tiers follow the directories: ``tests/unit`` (anywhere, no privileges), ``tests/netns`` (root,
network namespaces on the host kernel) and ``tests/kernel`` (a kernel with ip_vs; run inside the
VM by scripts/kernel-tier.sh when the host has none). The marker is applied from the path.

With ``PYIPVS_NO_SKIP=1`` (set by scripts/test-all.sh, hence by CI) a skipped test fails the run:
CI must run every tier, so a skip there means something is missing from the setup.

``PYIPVS_SHARD=K/N`` runs one shard of what was collected (tests/support/sharding.py).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sharding
from hypothesis import settings

TIERS = ("unit", "netns", "kernel")

# No timing asserts, Hypothesis's included: its default 200 ms deadline per example fails
# property tests on a loaded shared machine (a config text took 258 ms once, 27 ms again).
settings.register_profile("pyipvs", deadline=None)
settings.load_profile("pyipvs")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        tier = Path(str(item.fspath)).parent.name
        if tier in ("netns", "kernel"):
            item.add_marker(getattr(pytest.mark, tier))
    sharding.select_shard(config, items)


def pytest_report_collectionfinish(config: pytest.Config) -> str:
    return config.stash.get(sharding.SUMMARY, "")


def pytest_configure(config: pytest.Config) -> None:
    record = os.environ.get("PYIPVS_RECORD_DURATIONS")
    if record:
        config.pluginmanager.register(sharding.DurationRecorder(Path(record)), "durations")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if (
        os.environ.get("PYIPVS_NO_SKIP") == "1"
        and report.skipped
        and not hasattr(report, "wasxfail")
    ):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped while PYIPVS_NO_SKIP=1 (every tier must run): {reason}"


def _is_root() -> bool:
    return os.geteuid() == 0


@pytest.fixture
def root() -> None:
    if not _is_root():
        pytest.skip("needs root (network namespaces)")


@contextlib.contextmanager
def fresh_netns(prefix: str = "pyipvs") -> Iterator[str]:
    """Creates an empty network namespace with loopback up; deletes it on exit."""
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
    try:
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)


@pytest.fixture
def netns(root: None) -> Iterator[str]:
    """A fresh, empty network namespace (by ``ip netns`` name), deleted afterwards."""
    with fresh_netns() as name:
        yield name


@pytest.fixture
def peer_netns(root: None) -> Iterator[str]:
    """A second fresh namespace, independent of ``netns`` / ``ipvs_netns`` (which are the same
    one), e.g. for ipvsadm to build the same state in."""
    with fresh_netns("pyipvs-peer") as name:
        yield name


def ip_vs_available() -> bool:
    """True when the running kernel has ip_vs (loaded or loadable)."""
    if Path("/proc/net/ip_vs").exists():
        return True
    rc = subprocess.run(["modprobe", "-q", "ip_vs"], capture_output=True, check=False).returncode
    return rc == 0 and Path("/proc/net/ip_vs").exists()


@pytest.fixture(scope="session")
def ip_vs_kernel() -> None:
    if not ip_vs_available():
        pytest.skip(
            "the running kernel has no ip_vs: run the kernel tier with scripts/kernel-tier.sh, "
            "which boots a VM when needed"
        )


@pytest.fixture
def ipvs_netns(ip_vs_kernel: None, netns: str) -> str:
    """A fresh network namespace on a kernel with ip_vs (IPVS state is per namespace)."""
    return netns
