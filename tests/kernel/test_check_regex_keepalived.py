# SPDX-License-Identifier: Apache-2.0
"""HTTP_GET ``regex`` side by side with keepalived 2.2.7's checker (built with PCRE2): the same
keepalived.conf, the same page served in each namespace, the same real servers in the table.

Each real server is one regex case; all connect to the one page server (``connect_ip`` /
``connect_port``), so a real server is in the table exactly while its regex verdict passes.
The cases avoid what depends on how keepalived's reads split the response (see the regex
section of docs/guide/checkers.rst)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from check_servers import PAGES, PageServer, _enter, serving

from pyipvs import Ipvs

PATIENCE = 40.0  # a bound on waiting, never a timing assertion
PAGE = PAGES["/"]  # b"<html>hello from the real server</html>\n"

# port -> (url block lines, in the table?)
CASES: dict[int, tuple[str, bool]] = {
    9001: ("regex hello", True),
    9002: ("regex goodbye", False),
    9003: ("regex hello\n regex_no_match", False),
    9004: ("regex goodbye\n regex_no_match", True),
    9005: ("regex HELLO\n regex_options caseless", True),
    9006: ("regex HELLO", False),
    9007: ('regex "^<html>"\n regex_options multiline', True),
    9008: ('regex "\\\\w+ from the"', True),  # "\\w" in the file is the pattern \w
    9009: ("regex hello\\sfrom", False),  # unquoted \s is an escape of s: "hellosfrom"
    9010: ("regex server\n regex_max_offset 5", False),
    9011: ("regex hello\n regex_min_offset 100000", False),
    9012: ('regex "hel+o.*server"\n regex_min_offset 0\n regex_max_offset 100000', True),
    9013: ('regex "real(?= server)"', True),
}


def config() -> str:
    servers = "".join(
        f"""
    real_server 127.0.0.3 {port} {{
        weight 1
        HTTP_GET {{
            connect_ip 127.0.0.2
            connect_port 8080
            connect_timeout 2
            retry 0
            url {{
                path /
                {lines}
            }}
        }}
    }}"""
        for port, (lines, _) in CASES.items()
    )
    return f"""global_defs {{
    router_id regex_side_by_side
}}
virtual_server 10.0.0.5 80 {{
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP{servers}
}}
"""


def in_table(netns: str) -> set[int]:
    with Ipvs(netns=netns) as ipvs:
        return {rs.port for vs in ipvs.services() for rs in ipvs.real_servers(vs)}


def page_server_in(netns: str) -> PageServer:
    made: list[PageServer] = []

    def make() -> None:
        _enter(netns)
        made.append(PageServer(("127.0.0.2", 8080)))

    thread = threading.Thread(target=make)
    thread.start()
    thread.join()
    return made[0]


def settle(spaces: list[str], wanted: set[int]) -> list[set[int]]:
    deadline = time.monotonic() + PATIENCE
    while True:
        tables = [in_table(ns) for ns in spaces]
        if all(t == wanted for t in tables) or time.monotonic() > deadline:
            return tables
        time.sleep(0.2)


def command(ns: str, argv: list[str], tmp: Path, name: str) -> list[str]:
    pids = [f"-p{tmp / (name + '.pid')}", f"-c{tmp / (name + '-c.pid')}"]
    if name == "theirs":
        pids += [f"-r{tmp / 'k-r.pid'}", f"-b{tmp / 'k-b.pid'}"]
    return [
        "ip",
        "netns",
        "exec",
        ns,
        *argv,
        "-C",
        "-n",
        "-l",
        "-D",
        "-G",
        "-f",
        str(tmp / "k.conf"),
        *pids,
    ]


def test_regex_verdicts_match_keepalived(ipvs_netns: str, peer_netns: str, tmp_path: Path) -> None:
    keepalived = shutil.which("keepalived", path=os.environ.get("PATH", "") + ":/usr/sbin")
    assert keepalived is not None, "keepalived 2.2.7 is a test dependency"
    (tmp_path / "k.conf").write_text(config())
    spaces = [ipvs_netns, peer_netns]
    wanted = {port for port, (_, up) in CASES.items() if up}
    logs = {name: open(tmp_path / f"{name}.log", "w") for name in ("ours", "theirs")}  # noqa: SIM115
    with serving(page_server_in(ipvs_netns)), serving(page_server_in(peer_netns)):
        procs = {
            "ours": subprocess.Popen(
                command(
                    ipvs_netns, [sys.executable, "-m", "pyipvs.cli.keepalived"], tmp_path, "ours"
                ),
                stdout=logs["ours"],
                stderr=subprocess.STDOUT,
            ),
            "theirs": subprocess.Popen(
                command(peer_netns, [keepalived], tmp_path, "theirs"),
                stdout=logs["theirs"],
                stderr=subprocess.STDOUT,
            ),
        }
        try:
            ours, theirs = settle(spaces, wanted)
        finally:
            for proc in procs.values():
                proc.send_signal(signal.SIGTERM)
            for proc in procs.values():
                proc.wait(PATIENCE)
            for handle in logs.values():
                handle.close()
    detail = (tmp_path / "ours.log").read_text()[-3000:]
    assert theirs == wanted, (tmp_path / "theirs.log").read_text()[-3000:]
    assert ours == theirs, detail
