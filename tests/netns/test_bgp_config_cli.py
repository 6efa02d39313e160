# SPDX-License-Identifier: Apache-2.0
"""``pyipvs_bgp`` side by side with keepalived 2.2.7: keepalived ignores the block as unknown,
``pyipvs-keepalived -t`` accepts it with a notice, ``--strict`` refuses to start with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CONF = """\
pyipvs_bgp {
    protocol lb_vips
}
virtual_server 10.0.0.5 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 127.0.0.2 80 {
    }
}
"""
NOTICE = "'pyipvs_bgp' is a pyipvs extension (keepalived 2.2.7 does not know it)"


def pyipvs_keepalived(*argv: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pyipvs.cli.keepalived", *argv]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_keepalived_skips_the_block_as_unknown(root: None, tmp_path: Path) -> None:
    conf = tmp_path / "keepalived.conf"
    conf.write_text(CONF)
    done = subprocess.run(
        ["keepalived", "-t", "-f", str(conf)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 5
    assert "Unknown keyword 'pyipvs_bgp'" in done.stdout + done.stderr


def test_pyipvs_accepts_it_with_a_notice_and_strict_refuses_it(root: None, tmp_path: Path) -> None:
    conf = tmp_path / "keepalived.conf"
    conf.write_text(CONF)
    checked = pyipvs_keepalived("-t", "-f", str(conf))
    assert checked.returncode == 0, checked.stderr
    assert f"{conf}:1: {NOTICE}" in checked.stdout + checked.stderr

    started = pyipvs_keepalived(
        *("--strict", "-n", "-l", "-G", "-f", str(conf), "-p", str(tmp_path / "k.pid"))
    )
    assert started.returncode == 6  # KEEPALIVED_EXIT_NO_CONFIG
    assert f"{conf}:1: {NOTICE}" in started.stdout + started.stderr
    assert not (tmp_path / "k.pid").exists()
