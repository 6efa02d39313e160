# SPDX-License-Identifier: Apache-2.0
"""Splitting a tier into shards that run at once, one per kernel guest (scripts/test-all.sh
runs the kernel tier as two User-Mode Linux guests, one per CPU).

``PYIPVS_SHARD=K/N`` keeps the K-th of N shards (1-based) and deselects the rest. The unit of
the split is a test file: its tests share module-level state (a daemon pair, a lab run), so
they stay together. A file that runs one expensive setup per parameter names those parameters
in ``SHARD_BY_PARAMS`` (a module attribute): its tests are grouped by file and value instead,
and the values can land in different shards (the seed scenario's three daemon kinds).

Groups are balanced by the seconds recorded in ``tests/<tier>/durations.json`` (a group it
does not know counts as its tests times the median recorded second per test), longest first
onto the shard with the least so far; ``PYIPVS_SHARD_BUSY=S1,...,SN`` starts each shard with
the seconds its lane spends on other work. Every shard computes the same split from the same
collection and environment. To refresh the record, run the tier with
``PYIPVS_RECORD_DURATIONS=FILE`` (each group's seconds of this run, merged into FILE) and copy
FILE over durations.json; a stale record only makes the shards less even, never skips a test.
"""

from __future__ import annotations

import json
import os
import statistics
from collections import defaultdict
from pathlib import Path

import pytest

DEFAULT_SECONDS_PER_TEST = 0.3
SUMMARY = pytest.StashKey[str]()  # what this run's shard holds, for the report header


def group_of(item: pytest.Item) -> str:
    """The shard unit of a test: its file, or its file and the value of a SHARD_BY_PARAMS."""
    path = Path(str(item.fspath))
    key = f"{path.parent.name}/{path.name}"
    names = getattr(getattr(item, "module", None), "SHARD_BY_PARAMS", ())
    callspec = getattr(item, "callspec", None)
    for name in names:
        if callspec is not None and name in callspec.params:
            return f"{key}[{callspec.params[name]}]"
    return key


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` as (K, N), checked: a malformed value is a usage error, not a silent full run."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise pytest.UsageError(f"PYIPVS_SHARD must be K/N, e.g. 1/2 (not {text!r})") from None
    if not 1 <= index <= count:
        raise pytest.UsageError(f"PYIPVS_SHARD={text}: K must be between 1 and N")
    return index, count


def recorded_seconds(items: list[pytest.Item]) -> dict[str, float]:
    """Every recorded group's seconds, from each tier's durations.json among the items."""
    seconds: dict[str, float] = {}
    for tier in {Path(str(item.fspath)).parent for item in items}:
        record = tier / "durations.json"
        if record.exists():
            seconds.update(json.loads(record.read_text()))
    return seconds


def parse_busy(text: str, count: int) -> list[float]:
    """``PYIPVS_SHARD_BUSY``: the seconds each shard's lane spends on other work (e.g. the
    kernel-asan stage after the second shard, in the same guest), as ``S1,S2,...``."""
    if not text:
        return [0.0] * count
    try:
        busy = [float(part) for part in text.split(",")]
    except ValueError:
        message = f"PYIPVS_SHARD_BUSY must be seconds per shard, not {text!r}"
        raise pytest.UsageError(message) from None
    if len(busy) != count:
        raise pytest.UsageError(f"PYIPVS_SHARD_BUSY={text} names {len(busy)} shards, not {count}")
    return busy


def split(
    groups: dict[str, int], seconds: dict[str, float], busy: list[float]
) -> tuple[list[list[str]], list[float]]:
    """The groups (name -> number of tests) in as many shards as *busy* has entries (seconds
    already taken on each), of about equal seconds in all; and each shard's seconds."""
    count = len(busy)
    per_test = [seconds[g] / n for g, n in groups.items() if g in seconds and n]
    default = statistics.median(per_test) if per_test else DEFAULT_SECONDS_PER_TEST
    weight = {g: seconds.get(g, n * default) for g, n in groups.items()}
    shards: list[list[str]] = [[] for _ in range(count)]
    loads = list(busy)
    for group in sorted(groups, key=lambda g: (-weight[g], g)):
        lightest = loads.index(min(loads))
        shards[lightest].append(group)
        loads[lightest] += weight[group]
    return shards, loads


def select_shard(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselects the tests outside this run's shard (no-op without PYIPVS_SHARD)."""
    text = os.environ.get("PYIPVS_SHARD")
    if not text or not items:
        return
    index, count = parse_shard(text)
    groups: dict[str, int] = defaultdict(int)
    for item in items:
        groups[group_of(item)] += 1
    busy = parse_busy(os.environ.get("PYIPVS_SHARD_BUSY", ""), count)
    shards, loads = split(groups, recorded_seconds(items), busy)
    mine = set(shards[index - 1])
    config.stash[SUMMARY] = (
        f"shard {index}/{count}: {len(mine)} of {len(groups)} groups, about "
        f"{loads[index - 1]:.0f} s recorded (the shards: {', '.join(f'{x:.0f}' for x in loads)})"
    )
    kept = [item for item in items if group_of(item) in mine]
    config.hook.pytest_deselected(items=[item for item in items if group_of(item) not in mine])
    items[:] = kept


class DurationRecorder:
    """Sums each group's setup, call and teardown seconds; writes them at the session's end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.groups: dict[str, str] = {}
        self.seconds: dict[str, float] = defaultdict(float)

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.groups = {item.nodeid: group_of(item) for item in items}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.nodeid in self.groups:
            self.seconds[self.groups[report.nodeid]] += report.duration

    def pytest_sessionfinish(self) -> None:
        old = json.loads(self.path.read_text()) if self.path.exists() else {}
        old.update({g: round(s, 1) for g, s in self.seconds.items()})
        self.path.write_text(json.dumps(dict(sorted(old.items())), indent=1) + "\n")
