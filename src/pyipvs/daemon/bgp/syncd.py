# SPDX-License-Identifier: Apache-2.0
"""``pyipvs_bgp { sync_daemon IFACE [SYNCID] }``: the kernel's IPVS sync daemon in both roles.

Active directors have no VRRP instance for keepalived's ``lvs_sync_daemon`` to follow, and
each is at once the one whose connections the others must know (a master: it sends) and one
of the others (a backup: it receives). The kernel runs both daemons side by side (ipvsadm's
``--start-daemon master`` and ``backup``), so that a connection the router moves to another
director is forwarded to the real server its first director chose
(docs/guide/active-active.rst, "Connections when a director dies").
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from pyipvs.errors import DaemonRunning, NoDaemon, PyipvsError

if TYPE_CHECKING:
    from pyipvs.ipvs import Ipvs

log = logging.getLogger("pyipvs.daemon")
ROLES = ("master", "backup")


@contextlib.contextmanager
def both_roles(ipvs: Ipvs, spec: tuple[str, int] | None) -> Iterator[list[str]]:
    """Master and backup sync daemons on *spec*'s interface while the block runs; the roles
    started here are stopped at its end (one already running is left to its owner).
    Failures are logged: the director still serves, without sync."""
    started: list[str] = []
    if spec is None:
        yield started
        return
    from pyipvs.ipvs import SyncDaemon

    interface, syncid = spec
    for role in ROLES:
        try:
            ipvs.start_sync_daemon(SyncDaemon(role, interface, syncid))
        except DaemonRunning:
            log.warning("pyipvs_bgp: an IPVS %s sync daemon already runs: left as it is", role)
        except (PyipvsError, OSError) as exc:
            log.error(
                "pyipvs_bgp: cannot start the IPVS %s sync daemon on %s: %s", role, interface, exc
            )
        else:
            log.info("started the IPVS %s sync daemon on %s (sync id %d)", role, interface, syncid)
            started.append(role)
    try:
        yield started
    finally:
        for role in started:
            with contextlib.suppress(NoDaemon, PyipvsError, OSError):
                ipvs.stop_sync_daemon(role, syncid)
                log.info("stopped the IPVS %s sync daemon", role)
