# SPDX-License-Identifier: Apache-2.0
"""The active-active lab's verdicts and lines (no namespaces: its documents as data)."""

from __future__ import annotations

from typing import Any

from pyipvs.lab.aa_scenario import describe, verdicts

REQUESTS = {"phase": "requests", "requests_per_s": 10.0, "ok": 50, "errors": 0,
            "per_director": {"d1": 20, "d2": 30, "d3": 0}}  # fmt: skip


def after(stayed: list[int], moved: list[int], errors: int = 0) -> dict[str, Any]:
    continuing = {"stayed": stayed, "moved": moved, "dead": [0, 3]}
    return {"phase": "after", "continuing": continuing, "requests": {**REQUESTS, "errors": errors}}


def oks(documents: list[dict[str, Any]], sync: bool) -> list[bool]:
    return [v["ok"] for v in verdicts(documents, sync)]


def test_the_dead_share_is_reported_never_judged() -> None:
    death = {"phase": "death", "director": "d3", "withdrawn_after_s": 1.0, "bfd_detection_s": 1.0}
    assert oks([death, after([5, 5], [2, 2])], sync=True) == [True, True, True, True]
    assert oks([death, after([5, 5], [0, 2])], sync=False) == [True, True, True]  # no sync
    assert oks([death, after([5, 5], [0, 2])], sync=True) == [True, True, False, True]
    assert oks([death, after([4, 5], [2, 2], errors=1)], sync=True) == [True, False, True, False]


def test_a_run_cut_short_has_no_death() -> None:
    assert oks([{"phase": "start", "next_hops": ["d1"]}], sync=True) == [False]


def test_the_after_line_names_every_class() -> None:
    line = describe(after([5, 5], [1, 2]))
    assert "stayed 5/5, moved 1/2, dead 0/3" in line and "'d3': 0" in line
