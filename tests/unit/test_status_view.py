# SPDX-License-Identifier: Apache-2.0
"""``pyipvs-keepalived --status``: real status servers in a temporary directory, serving
sections built from real objects, read and merged by ``status_main``; a daemon that is not
running; the unit tier's kernel has no ip_vs, which the view reports without a traceback."""

from __future__ import annotations

import io
import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest
from status_servers import serving

from pyipvs.daemon.state.render import duration, render
from pyipvs.daemon.state.server import document
from pyipvs.daemon.state.view import status_main
from pyipvs.daemon.state.vrrp import ObservedVrrpInstance, vrrp_section
from pyipvs.vrrp import AdvertReceived, Startup, VrrpConfig, VrrpPacket

VIP = ipaddress.ip_address("10.0.0.5")


def vrrp_doc() -> dict[str, Any]:
    instance = ObservedVrrpInstance(
        VrrpConfig(vrid=51, priority=100, addresses=(VIP,), primary_address="192.0.2.1")
    )
    instance.handle(Startup(), 0.0)
    instance.handle(
        AdvertReceived(VrrpPacket(3, 51, 150, (VIP,), 1.0), ipaddress.ip_address("192.0.2.2")),
        0.5,
    )
    return document(vrrp=vrrp_section({"VI_1": instance}))


CHECK_DOC = {
    "schema": 1,
    "generated": 1.0,
    "host": "lb1",
    "pid": 4243,
    "vrrp": None,
    "checkers": {
        "loop": {
            "checks": 1.0,
            "runs": 5.0,
            "in_flight": 0.0,
            "overruns": 0.0,
            "stalls": 0.0,
            "loop_lag_max": 0.0,
            "lateness_p50": 0.0001,
            "lateness_p99": 0.002,
            "lateness_max": 0.003,
        },
        "latency": {},
        "syncs": 3,
        "virtual_servers": [
            {
                "name": "[10.0.0.5]:tcp:80",
                "service": {"name": "[10.0.0.5]:tcp:80", "scheduler": "wlc"},
                "quorum": True,
                "sorry_server": None,
                "sorry_server_active": False,
                "real_servers": [
                    {
                        "address": "192.168.0.12",
                        "port": 80,
                        "up": False,
                        "configured_weight": 20,
                        "dynamic_weight": None,
                        "programmed_weight": None,
                        "checkers": [
                            {
                                "type": "TCP_CHECK",
                                "target": "[192.168.0.12]:tcp:80",
                                "up": False,
                                "last_result": {"ok": False, "reason": "connection refused"},
                                "latency": 0.0004,
                                "flaps": 1,
                                "delay_loop": 6.0,
                            }
                        ],
                    }
                ],
            }
        ],
    },
    "ipvs": {"error": None, "services": None, "operations": {"AddService": 1}, "errors": {}},
}


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = status_main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def test_the_merged_document_and_the_view(tmp_path: Path) -> None:
    servers = {tmp_path / "vrrp.sock": vrrp_doc, tmp_path / "check.sock": lambda: CHECK_DOC}
    with serving(servers):
        code, out, err = run(["--json", "--status-dir", str(tmp_path)])
        assert (code, err) == (0, "")
        merged = json.loads(out)
        view_code, view, _ = run(["--status-dir", str(tmp_path)])
    assert merged["schema"] == 1
    assert merged["sources"]["check"]["pid"] == 4243
    assert merged["vrrp"]["instances"]["VI_1"]["master_address"] == "192.0.2.2"
    assert merged["checkers"]["virtual_servers"][0]["real_servers"][0]["up"] is False
    assert merged["ipvs"]["operations"] == {"AddService": 1}
    assert merged["ipvs"]["error"].startswith("cannot read the IPVS table")  # no ip_vs here
    assert view_code == 0
    assert "VI_1  BACKUP  vrid 51  priority 100 (configured 100)  master 192.0.2.2" in view
    assert "VIPs 10.0.0.5" in view
    assert "INIT -> BACKUP at" in view and "startup" in view
    assert "cannot read the IPVS table" in view
    assert "[10.0.0.5]:tcp:80: configured, the kernel's table was not read" in view
    assert (
        "?  192.168.0.12:80     not programmed  DOWN  TCP_CHECK failed: connection refused"
        " (0.4 ms, 1 flap)" in view
    )
    assert "Checkers: 1 checks, 5 runs; start lateness p99 2.0 ms" in view


def test_one_child_running_is_shown_with_a_note_for_the_other(tmp_path: Path) -> None:
    with serving({tmp_path / "vrrp.sock": vrrp_doc}):
        code, view, _ = run(["--status-dir", str(tmp_path), "--no-ipvs"])
    assert code == 0
    assert "VI_1  BACKUP" in view
    assert f"checker child: {tmp_path / 'check.sock'}: not running" in view


def test_a_daemon_that_is_not_running_is_one_line_and_exit_1(tmp_path: Path) -> None:
    code, out, err = run(["--status-dir", str(tmp_path), "--json"])
    assert (code, out) == (1, "")
    assert err.startswith("pyipvs-keepalived is not running: ")
    assert f"{tmp_path / 'vrrp.sock'}: not running" in err
    assert err.count("\n") == 1


def test_a_bad_option_is_exit_2_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(["--frobnicate"])
    assert code == 2
    assert "unrecognized arguments: --frobnicate" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "-"), (0.0004, "0.4 ms"), (0.25, "250 ms"), (1.5, "1.50 s"), (125, "2 min 5 s")],
)
def test_durations_read_well(seconds: float | None, text: str) -> None:
    assert duration(seconds) == text


def test_a_child_that_cannot_make_its_document_and_an_unknown_shape(tmp_path: Path) -> None:
    broken = {"schema": 1, "error": "snapshot failed: KeyError"}
    odd = {**document(), "vrrp": {"instances": {"VI_1": {"state": "MASTER"}}}}
    with serving({tmp_path / "vrrp.sock": lambda: odd, tmp_path / "check.sock": lambda: broken}):
        code, view, err = run(["--status-dir", str(tmp_path), "--no-ipvs"])
        json_code, out, _ = run(["--status-dir", str(tmp_path), "--no-ipvs", "--json"])
    assert code == 1 and view == ""
    assert err.startswith("pyipvs-keepalived: cannot show this status (KeyError(")
    assert json_code == 0
    merged = json.loads(out)
    assert merged["sources"]["check"]["error"].endswith("check.sock: snapshot failed: KeyError")
    assert merged["vrrp"]["instances"]["VI_1"] == {"state": "MASTER"}


def test_an_ipv6_real_server_is_written_in_brackets() -> None:
    service = {"name": "[2001:db8::5]:tcp:80", "scheduler": "rr", "real_servers": []}
    rs = {"address": "2001:db8::12", "port": 80, "weight": 1, "forward": "route"}
    rs |= {"active_connections": 0, "inactive_connections": 0}
    doc = {"ipvs": {"services": [{**service, "real_servers": [rs]}]}, "sources": {}}
    assert "-> [2001:db8::12]:80     Route  weight 1" in render(doc, 0.0)
