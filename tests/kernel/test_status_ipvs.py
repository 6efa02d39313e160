# SPDX-License-Identifier: Apache-2.0
"""The ``ipvs`` section against a real ip_vs table: the counting handle applies a batch with
one refused operation, and the section shows the table as the kernel holds it."""

from __future__ import annotations

import io
import json
from pathlib import Path

from status_servers import serving

from pyipvs import Ipvs, RealServer, VirtualService
from pyipvs.daemon.status import document
from pyipvs.daemon.status_check import CountingIpvs, ipvs_section
from pyipvs.daemon.status_view import status_main
from pyipvs.ipvs import ops


def test_the_kernel_table_and_the_operations_counted(ipvs_netns: str) -> None:
    vs = VirtualService("tcp", "10.0.0.5", 80, scheduler="wlc", persistence_timeout=50)
    rs1 = RealServer("192.168.0.12", 80, weight=20, forward="masq")
    rs2 = RealServer("192.168.0.13", 80, weight=8, forward="masq")
    with Ipvs(ipvs_netns) as ipvs:
        counting = CountingIpvs(ipvs)
        counting.apply(
            [
                ops.AddService(vs),
                ops.AddRealServer(vs, rs1),
                ops.AddRealServer(vs, rs2),
                ops.AddRealServer(vs, rs2),  # already there: EEXIST
            ]
        )
        section = ipvs_section(counting.table(), counting)
    json.dumps(section, allow_nan=False)
    assert section["error"] is None
    assert section["operations"] == {"AddService": 1, "AddRealServer": 3}
    assert section["errors"] == {"AddRealServer": {"EEXIST": 1}}
    (service,) = section["services"]
    assert service["name"] == "[10.0.0.5]:tcp:80"
    assert (service["scheduler"], service["persistence_timeout"]) == ("wlc", 50)
    weights = {(s["address"], s["weight"], s["forward"]) for s in service["real_servers"]}
    assert weights == {("192.168.0.12", 20, "masq"), ("192.168.0.13", 8, "masq")}
    assert counting.listings == 1


def test_the_status_view_reads_the_kernel_table_itself(ipvs_netns: str, tmp_path: Path) -> None:
    vs = VirtualService("tcp", "10.0.0.5", 80, scheduler="wlc", persistence_timeout=50)
    with Ipvs(ipvs_netns) as ipvs:
        ipvs.add_service(vs)
        ipvs.add_real_server(vs, RealServer("192.168.0.12", 80, weight=20, forward="masq"))
    checker_doc = document(ipvs={"error": None, "services": None, "operations": {}, "errors": {}})
    out, err = io.StringIO(), io.StringIO()
    with serving({tmp_path / "check.sock": lambda: checker_doc}):
        code = status_main(["--status-dir", str(tmp_path), "--netns", ipvs_netns], out, err)
    assert code == 0, err.getvalue()
    view = out.getvalue()
    assert "[10.0.0.5]:tcp:80  wlc persistent 50" in view
    assert "-> 192.168.0.12:80     Masq   weight 20   conns 0/0" in view
    assert "(not configured: someone else's entry)" in view
