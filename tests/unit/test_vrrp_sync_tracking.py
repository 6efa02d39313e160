# SPDX-License-Identifier: Apache-2.0
"""A ``vrrp_sync_group``'s ``track_*`` are every member's (keepalived 2.2.7
``sync_group_tracking_init``): with their weights, 0 when a member is the address owner, and an
object a member tracks itself keeps the member's weight."""

from __future__ import annotations

from pyipvs.config import parse_config
from pyipvs.daemon.vrrp.track import tracked_weights

TEXT = """vrrp_script chk {{
    script "/bin/true"
    weight 10
}}
vrrp_sync_group G1 {{
    group {{
        VI_1
        VI_2
    }}
    track_interface {{
        eth9 weight -20
    }}
    track_script {{
        chk
    }}
}}
vrrp_instance VI_1 {{
    interface eth0
    virtual_router_id 1
    priority {priority}
    track_interface {{
        eth9 weight -5
    }}
    virtual_ipaddress {{
        10.0.0.1
    }}
}}
vrrp_instance VI_2 {{
    interface eth0
    virtual_router_id 2
    virtual_ipaddress {{
        10.0.0.2
    }}
}}
vrrp_instance VI_3 {{
    interface eth0
    virtual_router_id 3
    virtual_ipaddress {{
        10.0.0.3
    }}
}}
"""


def weights(priority: int = 100) -> dict[str, dict[str, int]]:
    config = parse_config(TEXT.format(priority=priority), name="t").config
    return {i.name: tracked_weights(i, config) for i in config.vrrp_instances}


def test_members_track_the_groups_objects_and_others_do_not() -> None:
    found = weights()
    assert found["VI_2"] == {"interface:eth9": -20, "script:chk": 10}
    assert found["VI_1"] == {"interface:eth9": -5, "script:chk": 10}  # its own weight kept
    assert found["VI_3"] == {}


def test_an_owner_in_the_group_makes_the_groups_weights_zero() -> None:
    assert weights(255)["VI_2"] == {"interface:eth9": 0, "script:chk": 0}
