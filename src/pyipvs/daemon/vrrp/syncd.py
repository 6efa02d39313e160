# SPDX-License-Identifier: Apache-2.0
"""``lvs_sync_daemon IF VRRP_INSTANCE ...``: the kernel's IPVS connection-sync daemon follows
that instance's state, as keepalived's VRRP process does (``ipvs_syncd_master`` /
``ipvs_syncd_backup``): a master sync daemon while the instance is MASTER, a backup one while
it is BACKUP or FAULT, none once it has stopped. So the new master's kernel already holds the
connections the old one sent, and established connections survive a failover.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from pyipvs.config import LvsSyncDaemon
from pyipvs.errors import NoDaemon, PyipvsError

if TYPE_CHECKING:
    from pyipvs.ipvs import Ipvs, SyncDaemon

log = logging.getLogger("pyipvs.daemon")
_ROLE = {"MASTER": "master", "BACKUP": "backup", "FAULT": "backup"}


def _open_ipvs() -> Ipvs:
    from pyipvs.ipvs import Ipvs

    return Ipvs()


class SyncDaemonFollower:
    """Starts and stops the sync daemon as :meth:`changed` reports the instance's states.

    :param spec: the ``lvs_sync_daemon`` line (its ``vrrp_instance`` is the one followed).
    :param open_ipvs: opens the IPVS handle (of the process's namespace by default).
    """

    def __init__(self, spec: LvsSyncDaemon, open_ipvs: Callable[[], Ipvs] = _open_ipvs) -> None:
        self.spec = spec
        self.running: str | None = None  # "master", "backup" or None
        self._open = open_ipvs

    def changed(self, state: str) -> None:
        """The followed instance entered *state* (``INIT``: stopped). Failures are logged."""
        wanted = _ROLE.get(state)
        if wanted == self.running:
            return
        try:
            with self._open() as ipvs:
                if self.running is not None:
                    with contextlib.suppress(NoDaemon):  # stopped behind our back
                        ipvs.stop_sync_daemon(self.running, self.spec.sync_id)
                    log.info("stopped the IPVS %s sync daemon", self.running)
                    self.running = None
                if wanted is not None:
                    ipvs.start_sync_daemon(self._daemon(wanted))
                    log.info("started the IPVS %s sync daemon on %s", wanted, self.spec.interface)
                    self.running = wanted
        except (PyipvsError, OSError) as exc:  # no ip_vs, a bad interface: VRRP runs on
            log.error("lvs_sync_daemon %s: %s", wanted or "stop", exc)

    def _daemon(self, state: str) -> SyncDaemon:
        from pyipvs.ipvs import SyncDaemon

        s = self.spec
        return SyncDaemon(
            state,
            s.interface,
            s.sync_id or 0,
            maxlen=s.maxlen,
            mcast_group=s.group,
            mcast_port=s.port,
            mcast_ttl=s.ttl,
        )
