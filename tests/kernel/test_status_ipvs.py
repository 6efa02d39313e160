# SPDX-License-Identifier: Apache-2.0
"""The ``ipvs`` section against a real ip_vs table: the counting handle applies a batch with
one refused operation, and the section shows the table as the kernel holds it."""

from __future__ import annotations

import asyncio
import io
import json
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from check_servers import in_netns
from status_servers import serving

from pyipvs import Ipvs, RealServer, VirtualService
from pyipvs.check import CheckScheduler
from pyipvs.config import parse_config
from pyipvs.daemon.check.from_config import services_from_config
from pyipvs.daemon.check.process import CheckerProcess
from pyipvs.daemon.state.checker import CountingIpvs, ipvs_section
from pyipvs.daemon.state.server import document, read_status
from pyipvs.daemon.state.view import status_main
from pyipvs.daemon.state.wiring import checker_status_server
from pyipvs.ipvs import ops

PATIENCE = 30.0  # seconds a change may take to show; never a timing assertion


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


CHECKED = """
virtual_server 10.0.0.5 80 {{
    delay_loop 0.2
    lb_algo wlc
    lb_kind NAT
    protocol TCP
    sorry_server 127.0.0.9 80
    real_server 127.0.0.2 {port} {{
        weight 20
        TCP_CHECK {{
            connect_timeout 3
            retry 0
        }}
    }}
}}
"""


def test_the_checker_socket_of_a_running_checker_process(ipvs_netns: str, tmp_path: Path) -> None:
    """A CheckerProcess programs a real table through the counting handle; its socket shows
    the server up at its programmed weight, then the sorry server when the server dies."""
    seen: dict[str, dict[str, Any]] = {}

    def body() -> None:
        tcp = socket.create_server(("127.0.0.2", 0))
        port = tcp.getsockname()[1]
        specs = services_from_config(parse_config(CHECKED.format(port=port)).config)
        with Ipvs() as ipvs:
            counting = CountingIpvs(ipvs)
            process = CheckerProcess(specs, counting, CheckScheduler(), resync_interval=0.2)
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            async def child() -> None:
                server = checker_status_server(process, counting, tmp_path)
                await server.start()
                ready.set()
                try:
                    await process.run()
                finally:
                    await server.close()

            runner = threading.Thread(target=loop.run_until_complete, args=(child(),))
            runner.start()
            try:
                ready.wait(PATIENCE)
                seen["up"] = until(lambda d: _rs(d)["programmed_weight"] == 20, tmp_path)
                tcp.close()
                seen["down"] = until(lambda d: d["checkers"]["virtual_servers"][0][
                    "sorry_server_active"], tmp_path)  # fmt: skip
            finally:
                loop.call_soon_threadsafe(process.stop)
                runner.join(PATIENCE)
                loop.close()

    in_netns(ipvs_netns, body)
    up, down = seen["up"], seen["down"]
    assert _rs(up)["up"] is True
    (service,) = up["ipvs"]["services"]
    assert [(s["address"], s["weight"]) for s in service["real_servers"]] == [("127.0.0.2", 20)]
    assert up["ipvs"]["operations"]["AddService"] == 1
    assert _rs(down)["up"] is False and _rs(down)["checkers"][0]["flaps"] == 1
    (service,) = down["ipvs"]["services"]
    assert [(s["address"], s["weight"]) for s in service["real_servers"]] == [("127.0.0.9", 1)]
    assert down["ipvs"]["operations"]["DeleteRealServer"] >= 1


def _rs(doc: dict[str, Any]) -> dict[str, Any]:
    server: dict[str, Any] = doc["checkers"]["virtual_servers"][0]["real_servers"][0]
    return server


def until(wanted: Callable[[dict[str, Any]], bool], directory: Path) -> dict[str, Any]:
    deadline = time.monotonic() + PATIENCE
    while True:
        doc = read_status(directory / "check.sock")
        if wanted(doc) or time.monotonic() > deadline:
            return doc
        time.sleep(0.05)
