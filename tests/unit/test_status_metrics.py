# SPDX-License-Identifier: Apache-2.0
"""Prometheus exposition of status documents built from real objects, validated by
prometheus_client's own text parser, and the endpoint over a real HTTP connection."""

from __future__ import annotations

import asyncio
import ipaddress
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from status_servers import serving
from status_sources import checker_up_then_down

from pyipvs.daemon.state.metrics import exposition
from pyipvs.daemon.state.metrics_server import CONTENT_TYPE, MetricsServer, read_children
from pyipvs.daemon.state.server import document
from pyipvs.daemon.state.vrrp import ObservedVrrpInstance, vrrp_section
from pyipvs.vrrp import (
    MASTER_DOWN_TIMER,
    AdvertReceived,
    Startup,
    TimerExpired,
    VrrpConfig,
    VrrpPacket,
)
from pyipvs.vrrp.driver import VrrpDriver

VIP = ipaddress.ip_address("10.0.0.5")


def vrrp_doc() -> dict[str, Any]:
    config = VrrpConfig(vrid=51, priority=100, addresses=(VIP,), primary_address="192.0.2.1")
    instance = ObservedVrrpInstance(config, wall_clock=lambda: 1796350000.5)
    instance.handle(Startup(), 0.0)
    peer = ipaddress.ip_address("192.0.2.2")
    instance.handle(AdvertReceived(VrrpPacket(3, 51, 50, (VIP,), 1.0), peer), 0.2)
    instance.handle(TimerExpired(MASTER_DOWN_TIMER, 0.004), instance.deadlines[MASTER_DOWN_TIMER])
    driver = VrrpDriver(instance, 'eth"0')  # a name that needs escaping in a label
    driver.lateness.record(0.004)
    driver.codec_drops["ttl"] = 3
    return document(vrrp=vrrp_section({"VI_1": instance}, {"VI_1": driver}))


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return out


def value(parsed: dict[Any, float], name: str, **labels: str) -> float:
    matches = [v for (n, ls), v in parsed.items() if n == name and set(labels.items()) <= ls]
    assert len(matches) == 1, (name, labels, matches)
    return matches[0]


def test_vrrp_metrics_parse_and_carry_the_counters() -> None:
    text = exposition(vrrp_doc())
    parsed = samples(text)
    vi = {"instance": "VI_1", "vrid": "51"}
    assert value(parsed, "pyipvs_vrrp_state", state="MASTER", **vi) == 1
    assert value(parsed, "pyipvs_vrrp_state", state="BACKUP", **vi) == 0
    assert value(parsed, "pyipvs_vrrp_transitions_total", old="BACKUP", new="MASTER") == 1
    assert value(parsed, "pyipvs_vrrp_adverts_sent_total", **vi) == 1
    assert value(parsed, "pyipvs_vrrp_adverts_received_total", **vi) == 1
    assert value(parsed, "pyipvs_vrrp_adverts_rejected_total", reason="lower_priority") == 1
    assert value(parsed, "pyipvs_vrrp_packets_dropped_total", reason="ttl") == 3
    assert value(parsed, "pyipvs_vrrp_late_timer_expiries_total", **vi) == 1
    assert value(parsed, "pyipvs_vrrp_timer_lateness_seconds", quantile="1") == 0.004
    assert value(parsed, "pyipvs_vrrp_last_transition_timestamp_seconds") == 1796350000.5
    assert value(parsed, "pyipvs_vrrp_priority", **vi) == 100
    assert value(parsed, "pyipvs_vrrp_instance_info", interface='eth"0', version="3") == 1
    assert "# TYPE pyipvs_vrrp_adverts_sent_total counter" in text


def test_checker_metrics_histogram_and_flaps() -> None:
    port, _up, down = checker_up_then_down()
    ipvs = {
        "error": None,
        "services": [
            {
                "name": "[10.0.0.5]:tcp:80",
                "real_servers": [
                    {
                        "address": "2001:db8::12",
                        "port": 80,
                        "weight": 20,
                        "forward": "masq",
                        "active_connections": 3,
                        "inactive_connections": 17,
                    }
                ],
            }
        ],
        "operations": {"AddService": 1, "AddRealServer": 2},
        "errors": {"AddRealServer": {"EEXIST": 1}},
    }
    parsed = samples(exposition(document(checkers=down, ipvs=ipvs)))
    where = {"virtual_server": "[10.0.0.5]:tcp:80", "real_server": f"127.0.0.1:{port}"}
    assert value(parsed, "pyipvs_real_server_up", **where) == 0
    assert value(parsed, "pyipvs_checker_up", type="TCP_CHECK", **where) == 0
    assert value(parsed, "pyipvs_checker_flaps_total", **where) == 1
    runs = value(parsed, "pyipvs_check_latency_seconds_count", type="TCP_CHECK")
    assert runs >= 2
    assert value(parsed, "pyipvs_check_latency_seconds_bucket", le="+Inf") == runs
    assert value(parsed, "pyipvs_check_runs_total") >= runs
    assert value(parsed, "pyipvs_ipvs_operations_total", kind="AddRealServer") == 2
    assert value(parsed, "pyipvs_ipvs_errors_total", errno="EEXIST") == 1
    assert value(parsed, "pyipvs_ipvs_weight", real_server="[2001:db8::12]:80") == 20
    assert value(parsed, "pyipvs_ipvs_inactive_connections") == 17
    assert value(parsed, "pyipvs_ipvs_readable") == 1


def test_an_empty_document_is_an_empty_exposition() -> None:
    assert exposition({"schema": 1}) == ""


def _get(url: str, method: str = "GET") -> tuple[int, str, str]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


def test_the_endpoint_serves_both_children_read_from_their_sockets(tmp_path: Path) -> None:
    check_doc = document(checkers=checker_up_then_down()[1])

    async def scenario() -> list[tuple[int, str, str]]:
        server = MetricsServer(lambda: read_children(tmp_path), port=0)
        await server.start()
        assert server.host == "127.0.0.1"
        base = f"http://127.0.0.1:{server.port}"
        try:
            return [
                await asyncio.to_thread(_get, f"{base}/metrics"),
                await asyncio.to_thread(_get, f"{base}/"),
                await asyncio.to_thread(_get, f"{base}/metrics", "POST"),
            ]
        finally:
            await server.close()

    with serving({tmp_path / "vrrp.sock": vrrp_doc, tmp_path / "check.sock": lambda: check_doc}):
        ok, missing, post = asyncio.run(scenario())
    assert ok[:2] == (200, CONTENT_TYPE)
    parsed = samples(ok[2])
    assert value(parsed, "pyipvs_child_up", child="vrrp") == 1
    assert value(parsed, "pyipvs_child_up", child="check") == 1
    assert value(parsed, "pyipvs_vrrp_state", state="MASTER") == 1
    assert value(parsed, "pyipvs_checker_up", type="TCP_CHECK") == 1
    assert (missing[0], post[0]) == (404, 405)


def test_a_child_that_is_down_is_a_zero_not_a_failed_scrape(tmp_path: Path) -> None:
    async def scenario() -> str:
        server = MetricsServer(lambda: read_children(tmp_path), port=0)
        await server.start()
        try:
            status, _, body = await asyncio.to_thread(
                _get, f"http://127.0.0.1:{server.port}/metrics"
            )
            assert status == 200
            return body
        finally:
            await server.close()

    parsed = samples(asyncio.run(scenario()))
    assert value(parsed, "pyipvs_child_up", child="vrrp") == 0
    assert value(parsed, "pyipvs_child_up", child="check") == 0


@pytest.mark.parametrize("raw", [b"GARBAGE\r\n\r\n", b"GET /metrics\r\n\r\n"])
def test_a_bad_request_gets_400(raw: bytes) -> None:
    async def scenario() -> bytes:
        server = MetricsServer(lambda: {"schema": 1}, port=0)
        await server.start()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(raw)
            answer = await reader.read()
            writer.close()
            return answer
        finally:
            await server.close()

    assert asyncio.run(scenario()).startswith(b"HTTP/1.1 400 Bad Request\r\n")


CHILD = """
import logging, sys
from pathlib import Path
from pyipvs.daemon.state.metrics_server import metrics_child
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")
sys.exit(metrics_child(Path(sys.argv[1]), "127.0.0.1", int(sys.argv[2])))
"""


def test_the_metrics_process_serves_until_sigterm(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path), str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == f"Prometheus metrics on http://127.0.0.1:{port}/metrics\n"
        status, _, body = _get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        assert value(samples(body), "pyipvs_child_up", child="vrrp") == 0
        # A second one on the same port is refused with a message and exit status 1.
        taken = subprocess.run(
            [sys.executable, "-c", CHILD, str(tmp_path), str(port)],
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert taken.returncode == 1
        assert f"metrics: cannot listen on 127.0.0.1:{port}" in taken.stdout
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=20) == 0
    finally:
        if child.poll() is None:
            child.kill()
