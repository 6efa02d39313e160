# SPDX-License-Identifier: Apache-2.0
"""Scenario replays: JSON lines of (time, event) in, the expected actions out (golden files).

Each ``tests/unit/vrrp_scenarios/NAME.jsonl`` starts with ``{"purpose": ..., "config": ...}``
and continues with ``{"t": seconds, "event": record}`` lines (records as in
:mod:`pyipvs.vrrp.records`). ``NAME.expected.jsonl`` holds, per event, the actions and the state
after it, then the final counters. ``PYIPVS_UPDATE_GOLDEN=1`` rewrites the expected files
instead of comparing (review the diff before committing).
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest

from pyipvs.vrrp import VrrpConfig, VrrpInstance
from pyipvs.vrrp.records import event_from_record, to_record

SCENARIOS = Path(__file__).parent / "vrrp_scenarios"
INPUTS = sorted(p for p in SCENARIOS.glob("*.jsonl") if not p.name.endswith(".expected.jsonl"))


def replay(path: Path) -> tuple[str, list[dict[str, Any]]]:
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    header, steps = lines[0], lines[1:]
    instance = VrrpInstance(VrrpConfig(**header["config"]))
    out: list[dict[str, Any]] = []
    for step in steps:
        event = event_from_record(step["event"])
        actions = instance.handle(event, step["t"])
        out.append(
            {
                "t": step["t"],
                "event": step["event"]["type"],
                "actions": [to_record(a) for a in actions],
                "state": instance.state,
            }
        )
    out.append({"counters": dataclasses.asdict(instance.counters)})
    return header["purpose"], out


def test_there_are_scenarios() -> None:
    assert len(INPUTS) >= 10


@pytest.mark.parametrize("path", INPUTS, ids=[p.stem for p in INPUTS])
def test_scenario(path: Path) -> None:
    purpose, produced = replay(path)
    assert purpose and "\n" not in purpose
    expected_path = path.with_suffix(".expected.jsonl")
    text = "".join(json.dumps(line, sort_keys=True) + "\n" for line in produced)
    if os.environ.get("PYIPVS_UPDATE_GOLDEN") == "1":
        expected_path.write_text(text)
    assert expected_path.read_text() == text, f"{path.name}: {purpose}"
