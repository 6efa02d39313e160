"""scripts/seed-ipvsadm-demo.sh on a kernel with ip_vs: the seed's virtual server programmed
with pyipvsadm must list byte for byte as the real ipvsadm lists it (docs/reference/pyipvsadm.rst
shows this run). The README's main job, scripts/demo.sh, runs pyipvs-lab instead, whose listing
phase compares the two on the live table: tests/kernel/test_seed_scenario.py."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "seed-ipvsadm-demo.sh"
SEED_LISTING = """\
TCP  192.168.0.1:80 wlc persistent 50
  -> 192.168.0.12:80              Masq    20     0          0
  -> 192.168.0.13:80              Masq    8      0          0
"""


def test_seed_demo_lists_like_ipvsadm(ip_vs_kernel: None, root: None) -> None:
    done = subprocess.run(
        ["bash", str(SCRIPT)], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "identical: yes (byte for byte)" in done.stdout
    # ipvsadm pads its columns, so its lines end in blanks; compare them without.
    stripped = "".join(line.rstrip() + "\n" for line in done.stdout.splitlines())
    assert stripped.count(SEED_LISTING) == 2, done.stdout  # ours and ipvsadm's
    # The table size is the kernel's (6.1: 4096; 7.2: resizable): the one the real ipvsadm
    # prints in the same run.
    sizes = re.findall(r"^IP Virtual Server version 1\.2\.1 \(size=(\d+)\)$", done.stdout, re.M)
    assert len(sizes) == 2 and sizes[0] == sizes[1], done.stdout
    assert f"IPVS 1.2.1, connection table size {sizes[0]}\n" in done.stdout
