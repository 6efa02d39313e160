# SPDX-License-Identifier: Apache-2.0
"""The ``checkers`` section from a real CheckerProcess whose TCP_CHECK probes a real local TCP
server (tests/support/status_sources.py): up with its latency, then down (a flap) when the
server goes away. The IPVS side is the kernel tier's (tests/kernel/test_status_ipvs.py)."""

from __future__ import annotations

import json

from status_sources import PATIENCE, checker_up_then_down

from pyipvs.check.latency import LatencyHistogram
from pyipvs.check.lateness import LatenessWindow


def test_a_checked_real_server_up_then_down() -> None:
    port, up, down = checker_up_then_down()
    json.dumps(up, allow_nan=False)
    vs = up["virtual_servers"][0]
    assert vs["name"] == "[10.0.0.5]:tcp:80"
    assert vs["service"]["scheduler"] == "wlc" and vs["service"]["port"] == 80
    assert vs["sorry_server"] == {"address": "127.0.0.9", "port": 80}
    rs = vs["real_servers"][0]
    assert (rs["address"], rs["port"], rs["configured_weight"]) == ("127.0.0.1", port, 20)
    assert rs["up"] is True and rs["programmed_weight"] is None  # nothing synced here
    checker = rs["checkers"][0]
    assert checker["type"] == "TCP_CHECK"
    assert checker["target"] == f"[127.0.0.1]:tcp:{port}"
    assert checker["up"] is True and checker["flaps"] == 0
    assert checker["last_result"]["ok"] is True
    assert 0.0 <= checker["latency"] < PATIENCE
    assert up["latency"]["TCP_CHECK"]["count"] >= 1
    assert up["latency"]["TCP_CHECK"]["buckets"][-1] == [
        "+Inf",
        up["latency"]["TCP_CHECK"]["count"],
    ]
    assert up["loop"]["runs"] >= 1 and "lateness_p99" in up["loop"]

    rs = down["virtual_servers"][0]["real_servers"][0]
    assert rs["up"] is False
    assert rs["checkers"][0]["flaps"] == 1
    assert rs["checkers"][0]["last_result"]["ok"] is False


def test_the_latency_histogram_counts_at_or_under_each_bound() -> None:
    histogram = LatencyHistogram()
    for seconds in (0.0002, 0.001, 0.003, 30.0):
        histogram.add(seconds)
    buckets = dict(histogram.cumulative())
    assert buckets[0.0005] == 1
    assert buckets[0.001] == 2  # a run of exactly the bound counts in it
    assert buckets[0.005] == 3 and buckets[10.0] == 3
    assert buckets[float("inf")] == histogram.count == 4
    assert histogram.sum == 0.0002 + 0.001 + 0.003 + 30.0


def test_lateness_percentiles_over_the_recent_runs_keep_the_worst_ever() -> None:
    window = LatenessWindow()
    for late in [5.0] * 60 + [0.001] * 40:  # a bad start, then on time
        window.add(late)
    assert window.percentiles()["lateness_p50"] == 5.0
    assert window.percentiles(recent=40) == {
        "lateness_p50": 0.001,
        "lateness_p99": 0.001,
        "lateness_max": 5.0,
    }
    assert window.percentiles(recent=1000) == window.percentiles()
