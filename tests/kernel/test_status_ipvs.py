# SPDX-License-Identifier: Apache-2.0
"""The ``ipvs`` section against a real ip_vs table: the counting handle applies a batch with
one refused operation, and the section shows the table as the kernel holds it."""

from __future__ import annotations

import json

from pyipvs import Ipvs, RealServer, VirtualService
from pyipvs.daemon.status_check import CountingIpvs, ipvs_section
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
