# SPDX-License-Identifier: Apache-2.0
"""lvs_sync_daemon follows its VRRP instance on a real ip_vs: a backup sync daemon while the
instance is BACKUP or FAULT, a master one while it is MASTER (the backup one stopped), none
after it stops; the kernel's own listing and ipvsadm agree."""

from __future__ import annotations

from ipvsadm_util import run_in

from pyipvs.config import LvsSyncDaemon
from pyipvs.daemon.vrrp.syncd import SyncDaemonFollower
from pyipvs.ipvs import Ipvs


def running(netns: str) -> dict[str, tuple[str, int]]:
    with Ipvs(netns=netns) as ipvs:
        return {d.state: (d.interface, d.syncid) for d in ipvs.sync_daemons()}


def test_the_sync_daemon_follows_the_instance(ipvs_netns: str) -> None:
    spec = LvsSyncDaemon("lo", "VI_1", sync_id=7, maxlen=1400)
    follower = SyncDaemonFollower(spec, lambda: Ipvs(netns=ipvs_netns))
    follower.changed("BACKUP")
    assert running(ipvs_netns) == {"backup": ("lo", 7)}
    follower.changed("MASTER")
    assert running(ipvs_netns) == {"master": ("lo", 7)}
    text = run_in(ipvs_netns, "ipvsadm", "-L", "--daemon")
    assert "master sync daemon (mcast=lo, syncid=7, maxlen=1400" in text
    follower.changed("FAULT")
    assert running(ipvs_netns) == {"backup": ("lo", 7)}
    follower.changed("BACKUP")  # no change: nothing restarted
    follower.changed("INIT")
    assert running(ipvs_netns) == {}
    assert follower.running is None
