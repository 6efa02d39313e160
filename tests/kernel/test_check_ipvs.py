# SPDX-License-Identifier: Apache-2.0
"""The checker process against a real ip_vs table and real servers, in a fresh namespace:
real servers go down and come back, a dynamic weight changes, an entry deleted behind its
back is restored, and stop removes only its own entries."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from check_servers import PageServer, in_netns, serving

from pyipvs import Ipvs, RealServer, VirtualService
from pyipvs.check import CheckScheduler
from pyipvs.config import parse_config
from pyipvs.daemon.check.from_config import services_from_config
from pyipvs.daemon.check.process import CheckerProcess

PATIENCE = 30.0  # seconds a change may take to show; generous, never a timing assertion

CONFIG = """
virtual_server 10.0.0.5 80 {{
    delay_loop 0.2
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 127.0.0.2 {http} {{
        weight 3
        HTTP_GET {{
            url {{
                path /
            }}
            connect_timeout 5
            retry 2
            delay_before_retry 0.1
        }}
    }}
    real_server 127.0.0.3 {tcp} {{
        weight 2
        inhibit_on_failure
        notify_down "/usr/bin/touch {marker}"
        TCP_CHECK {{
            connect_timeout 3
            retry 0
        }}
    }}
    real_server 127.0.0.4 {tcp} {{
        weight 1
        MISC_CHECK {{
            misc_path "/bin/sh {script}"
            misc_dynamic
            # misc_timeout defaults to delay_loop (0.2 s): a fork on a loaded box can take longer
            misc_timeout 5
            retry 0
        }}
    }}
}}
"""


def table(ipvs: Ipvs) -> dict[str, int]:
    """``address:port -> weight`` of the one service under test (nothing if it is absent)."""
    for vs in ipvs.services():
        if vs.port == 80:
            return {f"{rs.address}:{rs.port}": rs.weight for rs in ipvs.real_servers(vs)}
    return {}


def wait_for(ipvs: Ipvs, wanted: Callable[[dict[str, int]], bool]) -> dict[str, int]:
    deadline = time.monotonic() + PATIENCE
    while True:
        now = table(ipvs)
        if wanted(now) or time.monotonic() > deadline:
            return now
        time.sleep(0.05)


def test_checker_process_programs_a_real_table(ipvs_netns: str, tmp_path: Path) -> None:
    weight_file = tmp_path / "weight"
    weight_file.write_text("0")  # exit 0: up at its configured weight
    script = tmp_path / "dynamic.sh"
    script.write_text(f"exit $(cat {weight_file})\n")
    steps: dict[str, dict[str, int]] = {}

    def body() -> None:
        http_server = PageServer(("127.0.0.2", 0))
        tcp = socket.create_server(("127.0.0.3", 0))
        tcp_port = tcp.getsockname()[1]
        with serving(http_server) as http_port:
            text = CONFIG.format(
                http=http_port, tcp=tcp_port, script=script, marker=tmp_path / "notified"
            )
            specs = services_from_config(parse_config(text).config)
            h, t, m = f"127.0.0.2:{http_port}", f"127.0.0.3:{tcp_port}", f"127.0.0.4:{tcp_port}"
            # The process's loop runs in another thread and owns ``ipvs``; the test observes
            # through a handle of its own (a handle is not thread-safe: two dumps at once on one
            # socket get EBUSY from the kernel).
            with Ipvs() as ipvs, Ipvs() as observer:
                foreign = VirtualService("tcp", "10.9.9.9", 443)
                ipvs.add_service(foreign)
                ipvs.add_real_server(foreign, RealServer("10.9.9.1", 443))
                process = CheckerProcess(specs, ipvs, CheckScheduler(), resync_interval=0.2)
                loop = asyncio.new_event_loop()
                runner = threading.Thread(target=loop.run_until_complete, args=(process.run(),))
                runner.start()
                try:
                    steps["start"] = wait_for(observer, lambda t_: t_ == {h: 3, t: 2, m: 1})
                    tcp.close()  # TCP real server dies: inhibited to weight 0
                    steps["tcp down"] = wait_for(observer, lambda t_: t_.get(t) == 0)
                    tcp = socket.create_server(("127.0.0.3", tcp_port))
                    steps["tcp back"] = wait_for(observer, lambda t_: t_.get(t) == 2)
                    weight_file.write_text("9")  # misc_dynamic exit 9: weight 7
                    steps["weight"] = wait_for(observer, lambda t_: t_.get(m) == 7)
                    observer.delete_real_server(
                        specs[0].service, RealServer("127.0.0.2", http_port)
                    )
                    steps["restored"] = wait_for(observer, lambda t_: t_.get(h) == 3)
                    http_server.shutdown()
                    http_server.server_close()
                    steps["http down"] = wait_for(observer, lambda t_: h not in t_)
                finally:
                    loop.call_soon_threadsafe(process.stop)
                    runner.join(PATIENCE)
                    loop.close()
                    tcp.close()
                steps["after stop"] = table(observer)
                steps["foreign"] = {
                    f"{vs.address}:{vs.port}": len(ipvs.real_servers(vs)) for vs in ipvs.services()
                }
            steps["ports"] = {"h": http_port, "t": tcp_port}  # type: ignore[dict-item]

    in_netns(ipvs_netns, body)
    h = f"127.0.0.2:{steps['ports']['h']}"
    t = f"127.0.0.3:{steps['ports']['t']}"
    m = f"127.0.0.4:{steps['ports']['t']}"
    assert steps["start"] == {h: 3, t: 2, m: 1}
    assert steps["tcp down"] == {h: 3, t: 0, m: 1}
    assert steps["tcp back"] == {h: 3, t: 2, m: 1}
    assert steps["weight"] == {h: 3, t: 2, m: 7}
    assert steps["restored"] == {h: 3, t: 2, m: 7}
    assert steps["http down"] == {t: 2, m: 7}
    assert steps["after stop"] == {}
    assert steps["foreign"] == {"10.9.9.9:443": 1}
    assert (
        tmp_path / "notified"
    ).exists()  # notify_down ran when the TCP server died  # someone else's service was left alone
