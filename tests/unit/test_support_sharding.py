# SPDX-License-Identifier: Apache-2.0
"""The kernel tier's split into shards (tests/support/sharding.py): every group in exactly one
shard, balanced by the recorded seconds, the same split for every shard, bad values refused."""

from __future__ import annotations

import pytest
import sharding


def test_every_group_lands_in_exactly_one_shard_longest_first() -> None:
    groups = {"a.py": 1, "b.py": 1, "c.py[x]": 1, "c.py[y]": 1, "d.py": 400}
    seconds = {"a.py": 50.0, "b.py": 40.0, "c.py[x]": 30.0, "c.py[y]": 20.0}
    shards, loads = sharding.split(groups, seconds, [0.0, 0.0])
    assert sorted(g for shard in shards for g in shard) == sorted(groups)
    # d.py is not in the record: 400 tests at the median recorded seconds per test (35)
    assert shards == [["d.py"], ["a.py", "b.py", "c.py[x]", "c.py[y]"]]
    assert loads == [14000.0, 140.0]


def test_busy_seconds_count_as_already_taken() -> None:
    groups = {"a.py": 1, "b.py": 1, "c.py": 1}
    seconds = {"a.py": 30.0, "b.py": 20.0, "c.py": 10.0}
    assert sharding.split(groups, seconds, [0.0, 0.0])[0] == [["a.py"], ["b.py", "c.py"]]
    assert sharding.split(groups, seconds, [0.0, 25.0])[0] == [["a.py", "c.py"], ["b.py"]]


def test_the_split_does_not_depend_on_the_order_of_collection() -> None:
    groups = {f"t{n}.py": n for n in range(1, 30)}
    seconds = {f"t{n}.py": float(n % 7) for n in range(1, 30)}
    backwards = dict(reversed(list(groups.items())))
    assert sharding.split(groups, seconds, [0.0] * 3) == sharding.split(
        backwards, seconds, [0.0] * 3
    )


@pytest.mark.parametrize("text", ["", "1", "0/2", "3/2", "a/b", "1/2/3"])
def test_a_malformed_shard_is_a_usage_error(text: str) -> None:
    with pytest.raises(pytest.UsageError, match="PYIPVS_SHARD"):
        sharding.parse_shard(text)


def test_busy_must_name_every_shard() -> None:
    assert sharding.parse_busy("", 2) == [0.0, 0.0]
    assert sharding.parse_busy("0,60", 2) == [0.0, 60.0]
    with pytest.raises(pytest.UsageError, match="names 1 shards, not 2"):
        sharding.parse_busy("60", 2)
    with pytest.raises(pytest.UsageError, match="seconds per shard"):
        sharding.parse_busy("0,soon", 2)
