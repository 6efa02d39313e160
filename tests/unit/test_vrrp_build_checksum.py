# SPDX-License-Identifier: Apache-2.0
"""The checksum keywords of a vrrp_instance reach the driver's plan: ``old_unicast_checksum``
(keepalived 2.2.7) and ``v3_checksum_as_v2 [<BOOL>]`` (keepalived 2.2.8)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_vrrp_build import conf, instance, no_lookup

from pyipvs.config import read_config
from pyipvs.daemon.vrrp.build import plan_instances

UNICAST = "    unicast_src_ip 10.0.0.2\n    unicast_peer {\n        10.0.0.3\n    }\n"


@pytest.mark.parametrize(("extra", "mode", "pseudo"), [
    ("", "auto", True),
    ("    old_unicast_checksum\n", "always", True),
    ("    old_unicast_checksum never\n", "never", True),
    ("    v3_checksum_as_v2\n", "auto", False),
    ("    v3_checksum_as_v2 on\n", "auto", False),
    ("    v3_checksum_as_v2 off\n", "auto", True),
    ("    v3_checksum_as_v2\n    v3_checksum_as_v2 no\n", "auto", True),
])  # fmt: skip
def test_checksum_keywords_reach_the_plan(
    tmp_path: Path, extra: str, mode: str, pseudo: bool
) -> None:
    config = read_config(conf(tmp_path, instance(extra=UNICAST + extra))).config
    plan = plan_instances(config, no_lookup)["VI_1"]
    assert (plan.old_unicast_checksum, plan.v3_ipv4_pseudo_header) == (mode, pseudo)
