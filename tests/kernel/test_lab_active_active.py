# SPDX-License-Identifier: Apache-2.0
"""``pyipvs-lab --active-active --json`` end to end: a router's ECMP over three directors
(real BIRD 2 on every side, pyipvs-keepalived with ``pyipvs_bgp``, BFD and ``sync_daemon``),
real ip_vs with ``mh`` and direct routing, real TCP from the client namespace.

Checked in its documents: the route through all three directors at the start; short
requests reaching every director; d3 withdrawn by the router once frozen; after its death,
every connection whose path did not change and (with sync) every moved one continues, new
requests succeed and reach only d1 and d2; every verdict ok and exit 0."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

LAB = Path(sys.executable).with_name("pyipvs-lab")


def test_the_active_active_lab(ip_vs_kernel: None, root: None, tmp_path: Path) -> None:
    argv = [str(LAB), "--active-active", "--json", "--workdir", str(tmp_path / "run")]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=400, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    docs: dict[str, dict[str, Any]] = {}
    for line in lines:
        doc = json.loads(line)
        docs[doc["phase"]] = doc
    assert done.returncode == 0, (done.stdout, done.stderr[-3000:])
    assert docs["start"]["next_hops"] == ["d1", "d2", "d3"]
    assert all(count > 0 for count in docs["spread"]["per_director"].values())
    assert docs["spread"]["errors"] == 0
    assert docs["death"]["director"] == "d3"
    continuing = docs["after"]["continuing"]
    assert continuing["stayed"][0] == continuing["stayed"][1] > 0
    assert continuing["moved"][0] == continuing["moved"][1]  # synced before the death
    requests = docs["after"]["requests"]
    assert requests["errors"] == 0 and requests["per_director"]["d3"] == 0
    assert requests["per_director"]["d1"] > 0 and requests["per_director"]["d2"] > 0
    verdicts = docs["summary"]["verdicts"]
    assert verdicts and all(v["ok"] for v in verdicts), verdicts
